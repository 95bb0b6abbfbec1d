"""Small but real exports in the layouts the scanner reads: Vault, Box, Takeout, plain folders.

Planted values are listed in ``PLANTED`` so that tests can check that none appears in clear in
any report.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.extract.makers import docx, pdf, xlsx, zip_of

SSN = "536-22-1234"
STUDENT_ID = "4827163950"
PHONE = "(559) 327-4410"
STAFF_ID = "E-448812"
PLANTED = (SSN, STUDENT_ID, PHONE, "536221234", "4827163950")

IEP_TEXT = (
    f"Student ID: {STUDENT_ID} (Maria Garcia) has an IEP; her 504 plan lists extra time. "
    f"Mom's phone {PHONE}."
)
REPRIMAND_TEXT = (
    "Letter of reprimand for the teacher, placed in the personnel file after the evaluation."
)
CLEAN_TEXT = "The field trip to the science center leaves at 9:00 and returns by 2:30 pm."


def vault_metadata(documents: list[dict[str, str]]) -> bytes:
    """A Vault Drive ``-metadata.xml``: Documents with Tags and an ExternalFile each."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Root DataInterchangeType="Update" Description="export"><Batch name="export">',
        "<Documents>",
    ]
    for number, doc in enumerate(documents):
        parts.append(f'<Document DocID="doc{number}"><Tags>')
        for name in ("#Author", "Collaborators", "Viewers", "Others", "#Title", "FileName"):
            if name in doc:
                parts.append(f'<Tag TagName="{name}" TagDataType="Text" TagValue="{doc[name]}"/>')
        parts.append('</Tags><Files><File FileType="Native">')
        parts.append(
            f'<ExternalFile FilePath="export_0.zip" FileName="{doc["FileName"]}" '
            'FileSize="1" Hash="0"/>'
        )
        parts.append("</File></Files></Document>")
    parts.append("</Documents></Batch></Root>")
    return "\n".join(parts).encode()


def make_vault(root: Path) -> Path:
    """A Vault Drive export folder: two zip parts and the metadata XML beside them."""
    root.mkdir(parents=True, exist_ok=True)
    part0 = {
        "jsmith@cusd.com/IEP notes_1AbCdEfGhIjK.docx": docx([IEP_TEXT]),
        "jsmith@cusd.com/Field trip_1ZyXwVuTsRqP.txt": CLEAN_TEXT.encode(),
        "jsmith@cusd.com/class photo_1PhOtO.jpg": b"\xff\xd8\xff" + b"\x00" * 500,
    }
    part1 = {
        "principal@cusd.com/Reprimand_1RePrImAnD.pdf": pdf([REPRIMAND_TEXT + f" SSN {SSN}."]),
        "principal@cusd.com/Grades_1GrAdEs.xlsx": xlsx(
            {"Period 3": [["Student ID", "Name", "Grade"], [STUDENT_ID, "Maria Garcia", "B+"]]}
        ),
    }
    (root / "export_0.zip").write_bytes(zip_of(part0))
    (root / "export_1.zip").write_bytes(zip_of(part1))
    (root / "export-metadata.xml").write_bytes(
        vault_metadata(
            [
                {
                    "#Author": "jsmith@cusd.com",
                    "Collaborators": "aide@cusd.com,parent@gmail.com",
                    "FileName": "IEP notes_1AbCdEfGhIjK.docx",
                },
                {"#Author": "jsmith@cusd.com", "FileName": "Field trip_1ZyXwVuTsRqP.txt"},
                {
                    "#Author": "principal@cusd.com",
                    "Viewers": "hr@cusd.com",
                    "FileName": "Reprimand_1RePrImAnD.pdf",
                },
                {
                    "#Author": "principal@cusd.com",
                    "Others": "anyoneWithLink",
                    "FileName": "Grades_1GrAdEs.xlsx",
                },
            ]
        )
    )
    (root / "export-custodian-docid.csv").write_text("jsmith@cusd.com,doc0,doc1\n")
    return root


def make_box(root: Path) -> Path:
    """A Box download with the admin's Folders and Files and Collaborations reports beside it."""
    content = root / "Counseling"
    (content / "Referrals").mkdir(parents=True, exist_ok=True)
    (content / "Referrals" / "referral.txt").write_text(IEP_TEXT)
    (content / "schedule.txt").write_text(CLEAN_TEXT)
    (root / "folder_and_file_tree_run_on_2026-11-01-10-00-00_Page_1.csv").write_text(
        "Owner Name,Owner Login,Path,Path ID,Item Name,Item ID,Item Type\n"
        "Ana Lopez,alopez@cusd.com,All Files/Counseling,1/2,Counseling,2,Folder\n"
        "Ana Lopez,alopez@cusd.com,All Files/Counseling/Referrals,1/2/3,Referrals,3,Folder\n"
        "Ana Lopez,alopez@cusd.com,All Files/Counseling/Referrals,1/2/3,referral.txt,9,File\n"
        "Ana Lopez,alopez@cusd.com,All Files/Counseling,1/2,schedule.txt,8,File\n"
    )
    (root / "collaborations_run_on_2026-11-01-10-00-00_Page_1.csv").write_text(
        "Collaboration ID,Owner Name,Owner Login,Path,Item Name,Item ID,Item Type,"
        "Collaborator Name,Collaborator Login,Collaborator Type,Collaborator Permission\n"
        "77,Ana Lopez,alopez@cusd.com,All Files/Counseling,Referrals,3,Folder,"
        "Pat Doe,pat@outside.org,External,Viewer\n"
    )
    return root


def make_takeout(path: Path) -> Path:
    """A Takeout zip: the drive under Takeout/Drive, a nested zip inside, no metadata."""
    inner = zip_of({"old/roster.csv": f"Student ID,Name\n{STUDENT_ID},Maria Garcia\n".encode()})
    path.write_bytes(
        zip_of(
            {
                "Takeout/archive_browser.html": b"<html><body>Archive</body></html>",
                "Takeout/Drive/Class/notes.txt": IEP_TEXT.encode(),
                "Takeout/Drive/Class/backup.zip": inner,
                "Takeout/Drive/Class/talk.mp3": b"ID3" + b"\x00" * 200,
            }
        )
    )
    return path


def encrypted_zip_member() -> bytes:
    """A zip whose one member has the encryption flag set (content is not real ciphertext)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("secret.docx")
        archive.writestr(info, b"not really encrypted")
    data = bytearray(buffer.getvalue())
    # Set bit 0 of the general-purpose flags in the local header and the central directory.
    data[6] |= 1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    return bytes(data)
