"""How a OneRoster API is signed into: OAuth 1.0a (1.1), OAuth 2 client credentials (1.2).

OneRoster 1.1 signs every request with OAuth 1.0a, two-legged (no token), HMAC-SHA256
(RFC 5849 with the IMS Security Framework's hash); 1.2 asks a token endpoint for a bearer
token with the client's id and secret (RFC 6749 section 4.4) and sends it with each request.
The signature is small enough to write here rather than bring in a library; it is held to
RFC 5849's own example and to oauthlib in the tests. The client secret is never printed
(`ClientCredentials`' repr hides it) and never sent: OAuth 1.0a sends only the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    secret: str = field(repr=False)


def percent_encode(value: str) -> str:
    """RFC 5849 section 3.6: UTF-8, every byte but the unreserved characters as %XX."""
    return quote(value.encode("utf-8"), safe="-._~")


def base_string_uri(url: str) -> str:
    """RFC 5849 section 3.4.1.2: scheme and host in lower case, a default port left out."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    authority = host if port is None or default else f"{host}:{port}"
    return f"{scheme}://{authority}{parts.path or '/'}"


def signature_base_string(method: str, url: str, oauth_params: Sequence[tuple[str, str]]) -> str:
    """RFC 5849 section 3.4.1: the method, the URI and every parameter, sorted, encoded."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    pairs = sorted(
        (percent_encode(name), percent_encode(value))
        for name, value in [*query, *oauth_params]
        if name != "oauth_signature"
    )
    normalized = "&".join(f"{name}={value}" for name, value in pairs)
    return "&".join(
        (method.upper(), percent_encode(base_string_uri(url)), percent_encode(normalized))
    )


def sign(
    base_string: str, client_secret: str, token_secret: str = "", method: str = "HMAC-SHA256"
) -> str:
    key = f"{percent_encode(client_secret)}&{percent_encode(token_secret)}".encode()
    digest = hmac.new(key, base_string.encode("utf-8"), HASHES[method]).digest()
    return base64.b64encode(digest).decode("ascii")


def oauth1_header(
    method: str,
    url: str,
    credentials: ClientCredentials,
    *,
    signature_method: str = "HMAC-SHA256",
    nonce: str | None = None,
    timestamp: int | None = None,
    token: tuple[str, str] | None = None,
    with_version: bool = True,
) -> str:
    """The ``Authorization`` header for one request to ``url`` (query included).

    ``nonce`` and ``timestamp`` are fresh unless given (for known vectors); ``token`` is a
    (token, token secret) pair, absent in OneRoster's two-legged use; ``oauth_version`` is
    optional in RFC 5849 and sent unless ``with_version`` is False.
    """
    params = [
        ("oauth_consumer_key", credentials.client_id),
        ("oauth_nonce", nonce or secrets.token_hex(16)),
        ("oauth_signature_method", signature_method),
        ("oauth_timestamp", str(int(time.time()) if timestamp is None else timestamp)),
    ]
    if with_version:
        params.append(("oauth_version", "1.0"))
    if token is not None:
        params.append(("oauth_token", token[0]))
    base = signature_base_string(method, url, params)
    token_secret = token[1] if token is not None else ""
    signature = sign(base, credentials.secret, token_secret, signature_method)
    params.append(("oauth_signature", signature))
    return "OAuth " + ", ".join(
        f'{percent_encode(name)}="{percent_encode(value)}"' for name, value in sorted(params)
    )
