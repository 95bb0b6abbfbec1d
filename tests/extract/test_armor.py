"""A PGP-encrypted body is one that holds a real armored block (written by gpg), not one that
merely quotes the BEGIN line."""

from __future__ import annotations

import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from dlp.extract import extract_message
from dlp.extract.armor import has_pgp_message
from dlp.model import Location, UnscannableReason
from tests.extract.makers import collect

DATA = Path(__file__).resolve().parents[1] / "data" / "pgp"
BLOCK = (DATA / "message.asc").read_text()
WITH_HEADERS = (DATA / "message-with-headers.asc").read_text()


def encrypted_parts(body: str, subtype: str = "plain") -> list[str | None]:
    message = EmailMessage()
    message["Subject"] = "IEP"
    message.set_content(body, subtype=subtype)
    _, reasons = collect(extract_message(message.as_bytes(), Location(path=("m",))))
    return [r.location.part for r in reasons if r.reason is UnscannableReason.ENCRYPTED]


@pytest.mark.parametrize("block", [BLOCK, WITH_HEADERS], ids=["plain", "armor headers"])
def test_a_real_armored_block_makes_the_body_encrypted(block):
    assert encrypted_parts(f"Here is the IEP, encrypted:\n\n{block}\nThanks\n") == ["body"]


def test_a_block_quoted_in_a_reply_still_counts():
    quoted = "".join(f"> {line}\n" for line in BLOCK.splitlines())
    assert encrypted_parts(f"On Monday you wrote:\n{quoted}\nGot it.\n") == ["body"]


@pytest.mark.parametrize(
    "body",
    [
        "To send it safely, paste the -----BEGIN PGP MESSAGE----- block gpg gives you.\n",
        "-----BEGIN PGP MESSAGE-----\n\nStudent ID 4481902: see me about the IEP.\n"
        "-----END PGP MESSAGE-----\n",
        "-----BEGIN PGP MESSAGE-----\n(the encrypted text goes here)\n-----END PGP MESSAGE-----\n",
        # The lines of a real block, each quoted differently: not one block any more.
        "\n".join(
            ("> " if number % 2 else "") + line for number, line in enumerate(BLOCK.splitlines())
        ),
    ],
    ids=["mention", "prose between the lines", "placeholder", "mixed quoting"],
)
def test_a_mere_mention_is_not_encrypted(body):
    assert encrypted_parts(body) == []


def test_an_html_body_with_a_real_block():
    html = "<html><body><pre>" + BLOCK + "</pre></body></html>"
    assert encrypted_parts(html, "html") == ["html body"]


def test_crlf_line_ends_and_a_missing_checksum():
    assert has_pgp_message(BLOCK.replace("\n", "\r\n"))
    lines = BLOCK.splitlines()
    without_crc = [line for line in lines if not (line.startswith("=") and len(line) == 5)]
    assert len(without_crc) == len(lines) - 1
    assert has_pgp_message("\n".join(without_crc) + "\n")


@pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
def test_a_block_gpg_writes_now(tmp_path):
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--quiet"]
    # Symmetric encryption needs no key: the fastest real block gpg can write.
    try:
        done = subprocess.run(
            [*gpg, "--armor", "--symmetric", "--passphrase", "pw", "--pinentry-mode", "loopback"],
            input=b"Student ID 4481902",
            capture_output=True,
            check=True,
            timeout=60,
        )
    finally:
        # gpg starts an agent for its home folder that outlives it: stop it with the test.
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
            capture_output=True,
            check=False,
            timeout=30,
        )
    assert has_pgp_message(done.stdout.decode())
