"""Where the shipped detection content lives: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path


def default_recognizers_dir() -> Path:
    """The shipped detection content: inside the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_recognizers"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "recognizers"
