from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from dlp.actions.smime import CertificateStore, SmimeError, certificate_addresses, encrypt_message

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl binary is not installed")

NOW = datetime.now(UTC)

MESSAGE = (
    b"From: Teacher <teacher@cusd.com>\r\n"
    b"To: sync@gradebook-vendor.example\r\n"
    b"Cc: counselor@cusd.com\r\n"
    b"Subject: Period 3 grades\r\n"
    b"Date: Tue, 04 Mar 2025 10:00:00 -0800\r\n"
    b"Message-ID: <grades-p3@cusd.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XYZ"\r\n'
    b"\r\n"
    b"--XYZ\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Attached: gradebook export.\r\n"
    b"--XYZ\r\n"
    b"Content-Type: text/csv; name=grades.csv\r\n"
    b"Content-Disposition: attachment; filename=grades.csv\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"c3R1ZGVudF9pZCxncmFkZQoxMjM0NTY3LEIrCg==\r\n"
    b"--XYZ--\r\n"
)


def make_certificate(
    address: str, *, days: int = 30, start: int = -1, in_subject: bool = False
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, address)]
    if in_subject:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, address))
    name = x509.Name(attributes)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + timedelta(days=start))
        .not_valid_after(NOW + timedelta(days=days))
    )
    if not in_subject:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False
        )
    return builder.sign(key, hashes.SHA256()), key


def make_unusable_certificate(address: str) -> x509.Certificate:
    """A valid certificate for ``address`` with an EC key: S/MIME here encrypts to RSA only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False)
        .sign(key, hashes.SHA256())
    )


def write_unusable_certificate(folder: Path, address: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    certificate = make_unusable_certificate(address)
    (folder / "unusable.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="module")
def vendor() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    return make_certificate("sync@gradebook-vendor.example")


def write_pair(folder: Path, name: str, certificate, key) -> tuple[Path, Path]:
    cert_path = folder / f"{name}.pem"
    key_path = folder / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def openssl_decrypt(message: Path, cert: Path, key: Path) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run(
        [OPENSSL, "cms", "-decrypt", "-in", str(message), "-recip", str(cert), "-inkey", str(key)],
        capture_output=True,
        timeout=30,
        check=False,
    )


def body_of(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[1]


@needs_openssl
def test_openssl_decrypts_the_original_mime_body(tmp_path: Path, vendor) -> None:
    certificate, key = vendor
    encrypted = encrypt_message(MESSAGE, [certificate], neutral_subject="Encrypted message")
    assert b"\n" not in encrypted.replace(b"\r\n", b"")  # CRLF only, ready for SMTP
    parsed = email.message_from_bytes(encrypted, policy=email.policy.default)
    assert parsed["From"] == "Teacher <teacher@cusd.com>"
    assert parsed["To"] == "sync@gradebook-vendor.example"
    assert parsed["Cc"] == "counselor@cusd.com"
    assert parsed["Date"] == "Tue, 04 Mar 2025 10:00:00 -0800"
    assert parsed["Message-ID"] == "<grades-p3@cusd.com>"
    assert parsed["Subject"] == "Encrypted message"
    assert parsed.get_content_type() == "application/pkcs7-mime"
    assert parsed.get_param("smime-type") == "enveloped-data"
    assert b"1234567" not in encrypted and b"c3R1ZGVudF9pZCxncmFkZQ" not in encrypted

    path = tmp_path / "encrypted.eml"
    path.write_bytes(encrypted)
    cert_path, key_path = write_pair(tmp_path, "vendor", certificate, key)
    result = openssl_decrypt(path, cert_path, key_path)
    assert result.returncode == 0, result.stderr.decode()
    inner = result.stdout
    assert inner.startswith(b"Subject: Period 3 grades\r\n")
    assert b'Content-Type: multipart/mixed; boundary="XYZ"\r\n' in inner
    assert body_of(inner) == body_of(MESSAGE)
    decoded = email.message_from_bytes(inner, policy=email.policy.default)
    attachment = next(iter(decoded.iter_attachments()))
    assert attachment.get_payload(decode=True) == b"student_id,grade\n1234567,B+\n"


@needs_openssl
def test_every_recipient_can_decrypt_and_no_one_else(tmp_path: Path, vendor) -> None:
    other, other_key = make_certificate("sped-records@fcoe.example")
    stranger, stranger_key = make_certificate("someone@example.org")
    encrypted = encrypt_message(MESSAGE, [vendor[0], other])
    path = tmp_path / "encrypted.eml"
    path.write_bytes(encrypted)
    # without a neutral subject the subject stays as it was
    assert b"\r\nSubject: Period 3 grades\r\n" in encrypted
    for name, (certificate, key) in {"vendor": vendor, "other": (other, other_key)}.items():
        result = openssl_decrypt(path, *write_pair(tmp_path, name, certificate, key))
        assert result.returncode == 0, result.stderr.decode()
        assert body_of(result.stdout) == body_of(MESSAGE)
    refused = openssl_decrypt(path, *write_pair(tmp_path, "stranger", stranger, stranger_key))
    assert refused.returncode != 0


@needs_openssl
def test_message_without_mime_headers(tmp_path: Path, vendor) -> None:
    plain = b"From: a@cusd.com\nTo: b@x.example\nSubject: hi\n\nline one\nline two\n"
    path = tmp_path / "encrypted.eml"
    path.write_bytes(encrypt_message(plain, [vendor[0]]))
    result = openssl_decrypt(path, *write_pair(tmp_path, "v", *vendor))
    assert result.returncode == 0, result.stderr.decode()
    assert (
        result.stdout
        == b"Content-Type: text/plain; charset=us-ascii\r\n\r\nline one\r\nline two\r\n"
    )


def test_no_certificate_is_an_error() -> None:
    with pytest.raises(SmimeError):
        encrypt_message(MESSAGE, [])


def test_certificate_store(tmp_path: Path, vendor) -> None:
    (tmp_path / "vendor.pem").write_bytes(vendor[0].public_bytes(serialization.Encoding.PEM))
    subject_only, _ = make_certificate("Nurse@County.example", in_subject=True)
    (tmp_path / "nurse.cer").write_bytes(subject_only.public_bytes(serialization.Encoding.DER))
    expired, _ = make_certificate("old@x.example", days=-1, start=-30)
    (tmp_path / "old.crt").write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "broken.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n")
    (tmp_path / "README.txt").write_text("not a certificate")

    store = CertificateStore.load(tmp_path)
    assert store.addresses() == {"sync@gradebook-vendor.example", "nurse@county.example"}
    assert store.lookup(" SYNC@gradebook-vendor.example ") == vendor[0]
    assert certificate_addresses(subject_only) == {"nurse@county.example"}
    assert sorted(entry.split(":")[0] for entry in store.skipped) == ["broken.pem", "old.crt"]
    assert store.for_recipients(["nurse@county.example"]) == [subject_only]
    with pytest.raises(SmimeError, match=r"no certificate for old@x\.example"):
        store.for_recipients(["nurse@county.example", "old@x.example"])
    assert CertificateStore.load(tmp_path / "missing").addresses() == frozenset()


def test_a_certificate_that_cannot_be_used_is_an_smime_error_naming_it() -> None:
    # An EC certificate loads and is valid, but cannot be encrypted to: before, that was a
    # TypeError, which the relay did not expect (451 for ever) and a release raised.
    store = CertificateStore(
        {
            "sync@gradebook-vendor.example": make_unusable_certificate(
                "sync@gradebook-vendor.example"
            )
        },
        (),
    )
    certificates = store.for_recipients(["sync@gradebook-vendor.example"])
    with pytest.raises(SmimeError, match=r"certificate for sync@gradebook-vendor\.example cannot"):
        encrypt_message(MESSAGE, certificates)
