"""Subcommands of the `dlp` CLI, one module each."""
