from __future__ import annotations

from dlp.export.files import walk_export
from tests.export.exports import make_box, make_takeout, make_vault


def test_vault_zip_parts_are_opened_into_their_members(tmp_path):
    root = make_vault(tmp_path / "vault")
    files = list(walk_export(root, frozenset({"export-metadata.xml"})))
    keys = [f.key for f in files]
    assert "export_0.zip/jsmith@cusd.com/IEP notes_1AbCdEfGhIjK.docx" in keys
    assert "export-metadata.xml" not in keys
    assert "export-custodian-docid.csv" in keys  # not skipped: it was not in ``skip``
    member = next(f for f in files if f.name == "Grades_1GrAdEs.xlsx")
    assert member.member == "principal@cusd.com/Grades_1GrAdEs.xlsx"
    assert member.drive_path == ("principal@cusd.com", "Grades_1GrAdEs.xlsx")
    assert member.location[0] == "export_1.zip"
    photo = next(f for f in files if f.name.endswith(".jpg"))
    assert photo.skip_kind == "image"


def test_takeout_prefix_is_not_part_of_the_drive_path(tmp_path):
    files = list(walk_export(make_takeout(tmp_path / "takeout-001.zip")))
    by_name = {f.name: f for f in files}
    assert by_name["notes.txt"].drive_path == ("Class", "notes.txt")
    assert by_name["notes.txt"].folder == "Class"
    # A zip inside the drive is content: one unit, opened by the extractor.
    assert by_name["backup.zip"].member == "Takeout/Drive/Class/backup.zip"
    assert by_name["talk.mp3"].skip_kind == "media"


def test_folders_are_walked_in_a_stable_order(tmp_path):
    root = make_box(tmp_path / "box")
    skip = frozenset({"collaborations_run_on_2026-11-01-10-00-00_Page_1.csv"})
    keys = [f.key for f in walk_export(root, skip)]
    assert keys == [
        "folder_and_file_tree_run_on_2026-11-01-10-00-00_Page_1.csv",
        "Counseling/schedule.txt",
        "Counseling/Referrals/referral.txt",
    ]
