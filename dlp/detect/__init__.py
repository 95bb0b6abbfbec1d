"""Detection: recognizers (Presidio-compatible), the prefilter that makes them fast, and masking."""
