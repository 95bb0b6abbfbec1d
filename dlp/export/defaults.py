"""The export scan's defaults that `dlp scan-export --help` shows: a module of its own, so that
registering the command does not import the scanner and the workers (`dlp.export.scan`)."""

STATE_NAME = "state.sqlite"
DEFAULT_MAX_FINDINGS = 500
