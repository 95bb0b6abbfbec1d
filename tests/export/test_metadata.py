from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.metadata import (
    UNKNOWN_OWNER,
    FileMeta,
    MetadataIndex,
    find_metadata,
    load_metadata,
    manifest_columns,
    read_manifest_csv,
    read_vault_xml,
)
from tests.export.exports import make_box, make_vault, vault_metadata


def test_vault_xml_gives_owner_and_everyone_with_access():
    index = MetadataIndex()
    xml = vault_metadata(
        [
            {
                "#Author": "t@cusd.com",
                "Collaborators": "a@cusd.com, b@gmail.com",
                "Viewers": "c@cusd.com",
                "Others": "anyoneWithLink",
                "FileName": "IEP_1abc.docx",
            },
        ]
    )
    assert read_vault_xml(io.BytesIO(xml), "x-metadata.xml", index) == 1
    meta = index.lookup(("t@cusd.com", "IEP_1abc.docx"))
    assert meta.owner == "t@cusd.com"
    assert meta.shared_with == ("a@cusd.com", "b@gmail.com", "c@cusd.com", "anyoneWithLink")
    assert meta.source == "x-metadata.xml"


def test_unknown_file_has_unknown_owner():
    meta = MetadataIndex().lookup(("a", "b.txt"))
    assert meta.owner == UNKNOWN_OWNER and not meta.known and meta.shared_with == ()


def test_box_reports_give_owner_and_folder_collaborators(tmp_path):
    root = make_box(tmp_path / "box")
    found = list(find_metadata(root))
    assert [p.name for p in found] == sorted(p.name for p in found) and len(found) == 2
    index = load_metadata(found)
    referral = index.lookup(("Counseling", "Referrals", "referral.txt"))
    assert referral.owner == "alopez@cusd.com"
    # Shared through the folder above it.
    assert referral.shared_with == ("pat@outside.org",)
    schedule = index.lookup(("Counseling", "schedule.txt"))
    assert schedule.owner == "alopez@cusd.com" and schedule.shared_with == ()


def test_same_name_in_another_folder_is_not_matched():
    index = MetadataIndex()
    index.add("All Files/A/notes.docx", FileMeta("a@x.org", (), False, "m.csv"))
    assert index.lookup(("A", "notes.docx")).owner == "a@x.org"
    assert index.lookup(("B", "notes.docx")).owner == UNKNOWN_OWNER


def test_ambiguous_name_says_nothing():
    index = MetadataIndex()
    index.add("notes.docx", FileMeta("a@x.org", (), False, "m.csv"))
    index.add("notes.docx ", FileMeta("b@x.org", (), False, "m.csv"))  # same item again: merged
    index.add("Other/notes.docx", FileMeta("c@x.org", (), False, "m.csv"))
    assert index.lookup(("Other", "notes.docx")).owner == "c@x.org"


def test_csv_without_owner_or_sharing_is_content_not_metadata():
    assert manifest_columns(["Student ID", "Name", "Grade"]) is None
    assert manifest_columns(["Path", "Grade"]) is None
    columns = manifest_columns(["File Name", "Author", "Shared With"])
    assert columns is not None and columns.name == 0 and columns.owners == (1,)


def test_generic_manifest_by_column_names():
    index = MetadataIndex()
    text = (
        "Original Path,Created By,Shared With\n"
        "/sites/hr/Shared Documents/eval.docx,hr@d.org,x@y.com;z@d.org\n"
    )
    assert read_manifest_csv(io.StringIO(text), "Items_0.csv", index) == 1
    meta = index.lookup(("Shared Documents", "eval.docx"))
    assert meta.owner == "hr@d.org" and meta.shared_with == ("x@y.com", "z@d.org")


def test_vault_export_folder_metadata_is_found(tmp_path):
    root = make_vault(tmp_path / "vault")
    names = [p.name for p in find_metadata(root)]
    assert names == ["export-custodian-docid.csv", "export-metadata.xml"]
    index = load_metadata(find_metadata(root))
    assert len(index) == 4


segment = st.text(alphabet="abcdefgh", min_size=1, max_size=4)


@given(st.lists(segment, min_size=1, max_size=5), st.lists(segment, max_size=3))
def test_an_entry_is_found_under_any_extra_root(path, root):
    """A file listed relative to one root is found from a walk that sees it under another."""
    index = MetadataIndex()
    index.add("/".join(path), FileMeta("o@d.org", ("s@d.org",), False, "m"))
    meta = index.lookup((*root, *path))
    assert meta.owner == "o@d.org" and "s@d.org" in meta.shared_with
