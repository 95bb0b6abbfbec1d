"""Categories are data: declared by the files in recognizers/, extended by an overlay folder.

A district adds a category with one file in its overlay; it is detected, reported with its
label, usable in a policy rule, and outlives a change to the folder it lays over. A broken
file is an error that names the file and the line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlp.detect.categories import CategoryError, load_categories, shipped_categories
from dlp.detect.keywords import DictionaryError
from dlp.detect.shipped import default_recognizers_dir
from dlp.detect.specs import SpecError
from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.model import Category, ScanResult
from dlp.policy import Verdict, decide, parse_policy
from dlp.settings import SettingsError, parse_settings
from tests.conftest import TEST_SECRET

SHIPPED = default_recognizers_dir()

TRANSPORT = """\
# School transportation: who rides which bus, and where they are picked up.
# label: school transportation term (bus route, pick-up stop)
# kind: student record
# clauses: L.3.a
bus route | 2
pick-up stop | 2
"""

POLICY = """\
[district]
name = "Test USD"
domains = ["cusd.com"]

[clauses]
"L.3.a" = "Confidential student records."

[[rules]]
name = "transport-outside"
when = "EXTERNAL and TRANSPORT"
action = "quarantine"
clauses = ["L.3.a"]
explain = "Student transportation details outside the district."
"""

MESSAGE = "Maya rides bus route 14; her pick-up stop is Elm and 3rd."


def overlay_with(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "recognizers.d"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def scanner(overlay: Path | None, recognizers: Path | None = None) -> Scanner:
    return build_scanner(
        DetectionConfig(
            secret=TEST_SECRET, recognizers_dir=recognizers, recognizers_overlay=overlay
        )
    )


def decision_for(found: Scanner, text: str) -> tuple[Verdict, str]:
    policy = parse_policy(POLICY, "policy.toml", found.categories)
    result = decide(
        policy, "teacher@cusd.com", ["parent@gmail.com"], ScanResult(tuple(found.scan_text(text)))
    )
    verdict = result.per_recipient["parent@gmail.com"]
    return verdict.verdict, " ".join(rule.explanation for rule in verdict.rules)


def test_the_shipped_categories_are_the_ones_code_had() -> None:
    """Names, labels and clauses as the enum, summary.LABELS and export BY_CATEGORY held them."""
    categories = shipped_categories()
    assert set(categories) == {
        "IDENTIFIER", "CONTACT", "PERSONAL", "FINANCIAL", "CREDENTIAL", "SPECIAL_EDUCATION",
        "GRADES", "DISCIPLINE", "HEALTH", "PERSONNEL", "DEMOGRAPHIC", "ROSTER",
    }  # fmt: skip
    assert categories["SPECIAL_EDUCATION"].label == (
        "special-education term (IEP, 504, accommodations)"
    )
    assert categories["DEMOGRAPHIC"].label == "demographic term (race, ethnicity, program status)"
    assert {name: info.clauses for name, info in categories.items()} == {
        "SPECIAL_EDUCATION": ("L.3.a",), "GRADES": ("L.3.a",), "DEMOGRAPHIC": ("L.3.a",),
        "HEALTH": ("L.3.a", "L.3.b"), "DISCIPLINE": ("L.3.a", "L.3.b"),
        "CONTACT": ("L.3.a", "L.3.b"), "PERSONAL": ("L.3.a", "L.3.b"),
        "IDENTIFIER": ("L.3.a", "L.3.b"), "ROSTER": ("L.3.a", "L.3.b"),
        "PERSONNEL": ("L.3.b",), "FINANCIAL": (), "CREDENTIAL": (),
    }  # fmt: skip
    assert categories["PERSONNEL"].kind == "personnel record"
    assert all(info.name is Category(name) for name, info in categories.items())


def test_a_category_added_by_an_overlay_file_is_detected_labelled_and_decided(
    tmp_path: Path,
) -> None:
    overlay = overlay_with(tmp_path, {"keywords/transport.txt": TRANSPORT})
    found = scanner(overlay)
    findings = found.scan_text(MESSAGE)
    assert [(f.entity_type, f.category, MESSAGE[f.start : f.end]) for f in findings] == [
        ("TRANSPORT", Category("TRANSPORT"), "bus route"),
        ("TRANSPORT", Category("TRANSPORT"), "pick-up stop"),
    ]
    assert found.categories["TRANSPORT"].clauses == ("L.3.a",)
    verdict, explanation = decision_for(found, MESSAGE)
    assert verdict is Verdict.QUARANTINE
    assert "2 x school transportation term (bus route, pick-up stop)" in explanation
    # Without the overlay the category is unknown to the policy, by name and line.
    with pytest.raises(ValueError, match=r"policy\.toml:10: rules\[0\]\.when: .*TRANSPORT"):
        parse_policy(POLICY, "policy.toml", scanner(None).categories)


def test_the_overlay_survives_a_changed_shipped_folder(tmp_path: Path) -> None:
    """An upgrade changes the shipped content; the district's overlay is read over the new."""
    overlay = overlay_with(tmp_path, {"keywords/transport.txt": TRANSPORT})
    upgraded = tmp_path / "upgraded"
    shutil.copytree(SHIPPED, upgraded)
    (upgraded / "keywords" / "health.txt").unlink()
    grades = upgraded / "keywords" / "grades.txt"
    grades.write_text(grades.read_text(encoding="utf-8") + "semester grade report | 2\n")
    found = scanner(overlay, upgraded)
    assert decision_for(found, MESSAGE)[0] is Verdict.QUARANTINE
    assert [f.entity_type for f in found.scan_text("the semester grade report")] == ["GRADES"]


def test_an_overlay_adds_terms_replaces_entities_by_name_and_adds_names(tmp_path: Path) -> None:
    student_id = (SHIPPED / "entities" / "student_id.toml").read_text(encoding="utf-8")
    overlay = overlay_with(
        tmp_path,
        {
            # No header: more terms for the shipped category of that name.
            "keywords/grades.txt": "trimester marks | 2\n",
            # Same file name: replaces the shipped one (here, a district's ID format only).
            "entities/student_id.toml": student_id.split("\n[[patterns]]")[0]
            + '[[patterns]]\nname = "district"\nregex = "\\\\bS\\\\d{6}\\\\b"\nscore = 0.9\n',
            # A new file: a new recognizer, of the category the overlay declares.
            "entities/bus_pass.toml": 'entity_type = "BUS_PASS"\ncategory = "TRANSPORT"\n'
            '[[patterns]]\nname = "pass"\nregex = "\\\\bBP-\\\\d{5}\\\\b"\nscore = 0.8\n',
            "keywords/transport.txt": TRANSPORT,
            "names/first_names.txt": "# added\nzephyrine\n",
            "names/surnames.txt": "quillfeather\n",
        },
    )
    found = scanner(overlay)
    text = "Trimester marks for S123456, pass BP-12345. Zephyrine Quillfeather's student ID."
    types = {f.entity_type: text[f.start : f.end] for f in found.scan_text(text)}
    assert types["GRADES"] == "Trimester marks"
    assert types["STUDENT_ID"] == "S123456"
    assert types["BUS_PASS"] == "BP-12345"
    assert types["PERSON"] == "Zephyrine Quillfeather"
    assert {"iep"} <= {term.text for term in found.keyword_recognizer.terms}  # shipped kept
    assert "STUDENT_ID" not in {f.entity_type for f in scanner(None).scan_text(text)}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"keywords/transport.txt": TRANSPORT.replace("student record", "bus record")},
            r"keywords/transport\.txt:3: TRANSPORT: kind: unknown kind 'bus record'",
        ),
        (
            {"keywords/lunch.txt": "# Cafeteria words.\npizza day\n"},
            r"keywords/lunch\.txt:1: category LUNCH is not declared: give its 'label' and "
            r"'kind'",
        ),
        (
            {"keywords/bus-routes.txt": TRANSPORT},
            r"keywords/bus-routes\.txt:1: 'BUS-ROUTES' is not a category name",
        ),
        (
            {"keywords/transport.txt": TRANSPORT + "night run | many\n"},
            r"keywords/transport\.txt:7: weight 'many' is not a number",
        ),
        (
            {
                "categories.toml": '[TRANSPORT]\nlabel = "bus"\nkind = "student record"\n'
                'clause = ["L.3.a"]\n'
            },
            r"categories\.toml:4: TRANSPORT: unknown key 'clause'",
        ),
        (
            {"categories.toml": "[TRANSPORT\n"},
            r"categories\.toml:1: ",
        ),
        (
            {
                "entities/bus_pass.toml": 'entity_type = "BUS_PASS"\n\ncategory = "TRANSPRT"\n'
                '[[patterns]]\nname = "p"\nregex = "BP"\n'
            },
            r"entities/bus_pass\.toml:3: category: unknown 'TRANSPRT' \(one of CONTACT, ",
        ),
        (
            {
                "entities/grades.toml": 'entity_type = "GRADES"\ncategory = "HEALTH"\n'
                '[[patterns]]\nname = "p"\nregex = "BP"\n'
            },
            r"entities/grades\.toml: entity_type 'GRADES' is another category's name",
        ),
    ],
)
def test_a_broken_overlay_file_is_an_error_naming_file_and_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    overlay = overlay_with(tmp_path, files)
    with pytest.raises(ValueError, match=message) as raised:
        scanner(overlay)
    assert isinstance(raised.value, CategoryError | SpecError | DictionaryError)
    assert str(overlay) in str(raised.value)


def test_a_replaced_folder_with_a_new_undeclared_dictionary_names_the_file(
    tmp_path: Path,
) -> None:
    """What was a bare "'TRANSPORT' is not a valid Category" names the file to fix."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED, content)
    (content / "keywords" / "transport.txt").write_text("bus route\n", encoding="utf-8")
    with pytest.raises(
        CategoryError,
        match=r"content/keywords/transport\.txt:1: category "
        r"TRANSPORT is not declared",
    ):
        scanner(None, content)


def test_a_replaced_folder_without_headers_keeps_every_category(tmp_path: Path) -> None:
    """A district's copy of recognizers/ made before categories were declared in files."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED, content)
    (content / "categories.toml").unlink()
    for path in (content / "keywords").glob("*.txt"):
        path.write_text(path.read_text(encoding="utf-8").replace("# label:", "# was:"))
    assert set(load_categories([content])) == set(shipped_categories())
    assert [f.entity_type for f in scanner(None, content).scan_text("her IEP")] == [
        "SPECIAL_EDUCATION"
    ]


def test_the_overlay_setting_and_terms_for_an_overlay_category(tmp_path: Path) -> None:
    overlay = overlay_with(tmp_path, {"keywords/transport.txt": TRANSPORT})
    text = (
        '[detection]\noverlay = "recognizers.d"\n\n[detection.keywords]\nTRANSPORT = ["late bus"]\n'
    )
    settings = parse_settings(text, "dlp.toml", tmp_path)
    assert settings.detection.overlay == overlay
    assert set(settings.detection.categories()) == {*shipped_categories(), "TRANSPORT"}
    found = build_scanner(settings.detection.config(TEST_SECRET))
    assert [f.entity_type for f in found.scan_text("the late bus")] == ["TRANSPORT"]
    # Without the overlay TRANSPORT has no dictionary: the key's line is named.
    with pytest.raises(
        SettingsError,
        match=r"dlp\.toml:5: detection\.keywords\.TRANSPORT: not a "
        "keyword category",
    ):
        parse_settings(text.replace('overlay = "recognizers.d"', ""), "dlp.toml", tmp_path)


def test_a_missing_overlay_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(CategoryError, match=r"nowhere: recognizer overlay folder not found"):
        scanner(tmp_path / "nowhere")
