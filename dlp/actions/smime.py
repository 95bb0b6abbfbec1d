"""S/MIME encryption (AR 7203 E.2, K.4): envelope a message's MIME body to recipients' certificates.

The outer headers stay readable for delivery (From, To, Cc, Date, Message-ID, ...), the
subject may be replaced by a neutral one, and everything that describes the body
(Content-Type, Content-Transfer-Encoding, ...) moves inside the envelope with the body itself:
what the recipient decrypts is the original MIME entity, byte for byte (line endings aside).
The enveloped part is AES-256 CBC, RSA key transport, as `openssl cms -decrypt` reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID

# Headers that describe the body: they travel inside the envelope.
_CONTENT_HEADER = re.compile(rb"^content-", re.IGNORECASE)
_HEADER_NAME = re.compile(rb"^([!-9;-~]+):")


class SmimeError(ValueError):
    """A message or certificate that cannot be used for encryption."""


def _split_message(raw: bytes) -> tuple[list[bytes], bytes]:
    """Header fields (each with its folded continuation lines) and the body, LF line endings."""
    text = raw.replace(b"\r\n", b"\n")
    head, separator, body = text.partition(b"\n\n")
    if not separator:
        head, body = text, b""
    fields: list[bytes] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        elif line:
            fields.append(line)
    return fields, body


def _name(field: bytes) -> bytes:
    match = _HEADER_NAME.match(field)
    return match.group(1).lower() if match else b""


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def encrypt_message(
    raw: bytes,
    certificates: Sequence[x509.Certificate],
    neutral_subject: str | None = None,
) -> bytes:
    """``raw`` with its body enveloped to every certificate in ``certificates``; CRLF endings."""
    if not certificates:
        raise SmimeError("no recipient certificate to encrypt to")
    fields, body = _split_message(raw)
    outer = [field for field in fields if not _CONTENT_HEADER.match(field)]
    outer = [field for field in outer if _name(field) != b"mime-version"]
    inner = [field for field in fields if _CONTENT_HEADER.match(field)]
    if not inner:
        inner = [b"Content-Type: text/plain; charset=us-ascii"]
    if neutral_subject is not None:
        subjects = [field for field in outer if _name(field) == b"subject"]
        # The real subject stays readable after decryption, inside the envelope.
        inner = subjects + inner
        outer = [field for field in outer if _name(field) != b"subject"]
        outer.append(b"Subject: " + neutral_subject.encode("ascii", "replace"))
    entity = b"\n".join(inner) + b"\n\n" + body
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(_crlf(entity))
    for certificate in certificates:
        try:
            builder = builder.add_recipient(certificate)
        except (TypeError, ValueError) as error:
            # cryptography takes RSA keys only: an EC certificate in the folder is found here.
            owners = ", ".join(sorted(certificate_addresses(certificate))) or "a recipient"
            raise SmimeError(f"the certificate for {owners} cannot be used: {error}") from None
    enveloped = builder.set_content_encryption_algorithm(pkcs7.algorithms.AES256).encrypt(
        Encoding.SMIME, []
    )
    envelope_fields, envelope_body = _split_message(enveloped)
    envelope_fields = [field for field in envelope_fields if _name(field) != b"mime-version"]
    head = [*outer, b"MIME-Version: 1.0", *envelope_fields]
    return _crlf(b"\n".join(head) + b"\n\n" + envelope_body)


def certificate_addresses(certificate: x509.Certificate) -> frozenset[str]:
    """The addresses a certificate is for: SAN rfc822Name entries and subject emailAddress."""
    addresses: set[str] = set()
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        addresses.update(san.value.get_values_for_type(x509.RFC822Name))
    except x509.ExtensionNotFound:
        pass
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS):
        if isinstance(attribute.value, str):
            addresses.add(attribute.value)
    return frozenset(address.strip().lower() for address in addresses)


@dataclass(frozen=True, slots=True)
class CertificateStore:
    """The district's folder of recipients' certificates (PEM or DER, ``.pem``/``.crt``/``.cer``),
    read once when loaded; expired and not-yet-valid certificates are left out."""

    by_address: dict[str, x509.Certificate]
    skipped: tuple[str, ...]  # files that are not usable certificates, with the reason

    @classmethod
    def load(cls, folder: str | Path, now: datetime | None = None) -> CertificateStore:
        moment = now or datetime.now(UTC)
        by_address: dict[str, x509.Certificate] = {}
        skipped: list[str] = []
        for file in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
            if file.suffix.lower() not in (".pem", ".crt", ".cer"):
                continue
            try:
                loaded = _read_certificates(file.read_bytes())
            except (OSError, ValueError) as error:
                skipped.append(f"{file.name}: {error}")
                continue
            for certificate in loaded:
                if (
                    not certificate.not_valid_before_utc
                    <= moment
                    <= certificate.not_valid_after_utc
                ):
                    skipped.append(f"{file.name}: not valid now")
                    continue
                for address in certificate_addresses(certificate):
                    # Of several certificates for one address, the one valid longest wins.
                    known = by_address.get(address)
                    if known is None or known.not_valid_after_utc < certificate.not_valid_after_utc:
                        by_address[address] = certificate
        return cls(by_address, tuple(skipped))

    def addresses(self) -> frozenset[str]:
        return frozenset(self.by_address)

    def lookup(self, address: str) -> x509.Certificate | None:
        return self.by_address.get(address.strip().lower())

    def for_recipients(self, addresses: Iterable[str]) -> list[x509.Certificate]:
        wanted = list(addresses)
        found = [self.lookup(address) for address in wanted]
        missing = [a for a, c in zip(wanted, found, strict=True) if c is None]
        if missing:
            raise SmimeError(f"no certificate for {', '.join(missing)}")
        return [certificate for certificate in found if certificate is not None]


def _read_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]
