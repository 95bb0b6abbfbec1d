"""Cell values as SIS exports write them: dates in a few layouts, yes/no flags in many."""

from __future__ import annotations

from datetime import date, datetime

TRUE_VALUES = frozenset({"true", "t", "yes", "y", "1", "x", "optout", "opt-out", "opted out"})
FALSE_VALUES = frozenset({"", "false", "f", "no", "n", "0", "none", "null"})
_DATE_LAYOUTS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%m-%d-%Y", "%Y%m%d", "%m/%d/%y")


def parse_flag(value: str) -> bool | None:
    """True/False for a recognised flag, None for anything else."""
    text = value.strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    return None


def parse_date(value: str) -> date | None:
    """A birth date, or None when the cell is empty or unreadable."""
    text = value.strip()
    if not text:
        return None
    text = text.split("T", 1)[0]  # 2014-11-13T00:00:00
    for layout in _DATE_LAYOUTS:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def header_key(name: str) -> str:
    """A column name reduced to lower-case letters and digits, for lenient matching."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


OPT_OUT_HEADERS = frozenset(
    header_key(name)
    for name in (
        "directoryOptOut",
        "directoryInformationOptOut",
        "ferpaDirectoryOptOut",
        "ferpaOptOut",
        "metadata.directoryOptOut",
        "metadata.directoryInformationOptOut",
        "metadata.ferpaDirectoryOptOut",
        "metadata.ferpaOptOut",
    )
)

# A guardian's custody or no-contact restriction, as district extensions name it: a OneRoster
# ``metadata.*`` column on the guardian's row, an Ed-Fi extension element on the association.
RESTRICTED_HEADERS = frozenset(
    header_key(name)
    for stem in (
        "restricted",
        "guardianRestricted",
        "custodyRestriction",
        "custodyRestricted",
        "noContact",
        "contactRestricted",
        "doNotContact",
    )
    for name in (stem, f"metadata.{stem}", f"ext.{stem}")
)
