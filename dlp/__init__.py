"""k12-dlp: outbound data-loss prevention for school districts."""

__version__ = "0.1.0"
