"""DKIM keys for tests: an RSA key pair, its DNS TXT record, and signing with dkimpy."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_pem: bytes
    public_b64: str

    @classmethod
    def make(cls, domain: str, selector: str = "sel") -> DkimKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(domain, selector, private, base64.b64encode(public).decode())

    @property
    def record(self) -> tuple[tuple[str, str], list[str]]:
        """The TXT record (name, type) -> [data], in strings of at most 255 octets."""
        text = f"v=DKIM1; k=rsa; p={self.public_b64}"
        chunks = " ".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))
        return (f"{self.selector}._domainkey.{self.domain}", "TXT"), [chunks]

    def sign(self, raw: bytes, domain: str | None = None) -> bytes:
        """``raw`` with a DKIM-Signature by this key, claiming ``domain`` (default: its own)."""
        header = dkim.sign(
            raw,
            self.selector.encode(),
            (domain or self.domain).encode(),
            self.private_pem,
            include_headers=[b"from", b"to", b"subject", b"message-id"],
        )
        return bytes(header) + raw
