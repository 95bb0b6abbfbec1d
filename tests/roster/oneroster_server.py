"""A OneRoster REST server on loopback, serving a CSV bundle the way the spec's endpoints do.

``/ims/oneroster/v1p1/{users,students,teachers,demographics,orgs}`` (1.1 records, role on
the user, OAuth 1.0a signatures checked with oauthlib, not with the code under test) and
``/ims/oneroster/rostering/v1p2/...`` (1.2 records, roles as a list, bearer tokens from
``POST /token``). Pages by ``limit``/``offset`` with ``X-Total-Count`` or ``Link`` headers;
``filter=dateLastModified>='...'``; and faults on demand: statuses for the next requests, a
slow answer, a token that expires.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from oauthlib.oauth1.rfc5849 import signature as oauth1

V11 = "/ims/oneroster/v1p1"
V12 = "/ims/oneroster/rostering/v1p2"
GUARDIAN_ROLES = {"guardian", "parent", "relative"}
_FILTER = re.compile(r"^dateLastModified(>=|>)'([^']+)'$")


def _user_ids(text: str) -> list[dict[str, str]]:
    found = []
    for item in text.split(","):
        item = item.strip().strip("{}")
        if ":" in item:
            kind, value = item.split(":", 1)
            found.append({"type": kind, "identifier": value})
    return found


def _metadata(row: dict[str, str]) -> dict[str, str]:
    return {k.split(".", 1)[1]: v for k, v in row.items() if k.startswith("metadata.") and v}


def user_record(row: dict[str, str], version: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "sourcedId": row["sourcedId"],
        "status": row.get("status", "active"),
        "dateLastModified": row.get("dateLastModified", "2024-08-01T00:00:00Z"),
        "username": row.get("username", ""),
        "userIds": _user_ids(row.get("userIds", "")),
        "enabledUser": row.get("enabledUser", "true") == "true",
        "givenName": row.get("givenName", ""),
        "familyName": row.get("familyName", ""),
        "middleName": row.get("middleName", ""),
        "identifier": row.get("identifier", ""),
        "email": row.get("email", ""),
        "sms": row.get("sms", ""),
        "phone": row.get("phone", ""),
        "agents": [
            {"href": f"/users/{a}", "sourcedId": a, "type": "user"}
            for a in row.get("agentSourcedIds", "").split(",")
            if a
        ],
        "orgs": [{"href": "/orgs/sch1", "sourcedId": "sch1", "type": "org"}],
    }
    if version == "1.1":
        record["role"] = row["role"]
    else:
        record["roles"] = [
            {"roleType": "primary", "role": row["role"], "org": {"sourcedId": "sch1"}}
        ]
        record["userMasterIdentifier"] = row.get("userMasterIdentifier", "")
    if _metadata(row):
        record["metadata"] = _metadata(row)
    return record


def demographic_record(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "sourcedId": row["sourcedId"],
        "status": row.get("status", "active"),
        "dateLastModified": row.get("dateLastModified", "2024-08-01T00:00:00Z"),
        "birthDate": row.get("birthDate", ""),
        "sex": row.get("sex", ""),
    }
    if _metadata(row):
        record["metadata"] = _metadata(row)
    return record


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@dataclass
class Behaviour:
    """What the server does; tests change it between requests (under ``lock``)."""

    version: str = "1.1"
    client_id: str = "district-dlp"
    client_secret: str = "s3cret&with/odd=chars"
    max_page: int = 1000  # the server's own cap on limit
    paging: str = "total"  # "total" (X-Total-Count), "link" (Link), or "none"
    filter_supported: bool = True
    fail_next: list[int] = field(default_factory=list)  # statuses for the next requests
    slow_next: list[float] = field(default_factory=list)  # seconds before the next answers
    token_uses: int = 1000  # requests a bearer token is good for
    users: list[dict[str, Any]] = field(default_factory=list)
    demographics: list[dict[str, Any]] = field(default_factory=list)
    offer_demographics: bool = True


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a time limit under test) is no error of the server's."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


class OneRosterServer:
    def __init__(self, bundle: Path, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, dict[str, str]]] = []  # (method, path, query)
        self.verified = 0  # OAuth 1.0a signatures checked and good
        self.tokens: dict[str, int] = {}  # token -> uses left
        self.tokens_issued = 0
        self.load(bundle)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self)

            def do_POST(self) -> None:
                server.handle(self)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def load(self, bundle: Path) -> None:
        version = self.behaviour.version
        with self.lock:
            self.behaviour.users = [user_record(r, version) for r in read_csv(bundle / "users.csv")]
            demographics = bundle / "demographics.csv"
            self.behaviour.demographics = (
                [demographic_record(r) for r in read_csv(demographics)]
                if demographics.is_file()
                else []
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> OneRosterServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    # -- requests

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: object, headers: dict[str, str]
    ) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self.lock:
            self.log.append((handler.command, parts.path, query))
            behaviour = self.behaviour
            delay = behaviour.slow_next.pop(0) if behaviour.slow_next else 0.0
            fault = behaviour.fail_next.pop(0) if behaviour.fail_next else None
        if delay:
            time.sleep(delay)
        if fault is not None:
            self._send(handler, fault, {"imsx_codeMajor": "failure"}, {"Retry-After": "0"})
            return
        if handler.command == "POST" and parts.path == "/token":
            self._token(handler)
            return
        if not self._authorized(handler, parts.path, parts.query):
            self._send(handler, 401, {"imsx_codeMajor": "failure"}, {})
            return
        prefix = V11 if behaviour.version == "1.1" else V12
        if not parts.path.startswith(prefix + "/"):
            self._send(handler, 404, {}, {})
            return
        name = parts.path[len(prefix) + 1 :]
        records = self._collection(name)
        if records is None:
            self._send(handler, 404, {}, {})
            return
        wanted = query.get("filter")
        if wanted is not None:
            match = _FILTER.match(wanted)
            if not behaviour.filter_supported or match is None:
                self._send(handler, 400, {"imsx_codeMajor": "failure"}, {})
                return
            op, moment = match.groups()
            after = [r for r in records if r["dateLastModified"] > moment]
            at = [r for r in records if r["dateLastModified"] == moment and op == ">="]
            records = [r for r in records if r in after or r in at]
        limit = min(int(query.get("limit", "100")), behaviour.max_page)
        offset = int(query.get("offset", "0"))
        page = records[offset : offset + limit]
        headers: dict[str, str] = {}
        if behaviour.paging == "total":
            headers["X-Total-Count"] = str(len(records))
        elif behaviour.paging == "link":
            links = []
            if offset + limit < len(records):
                following = {**query, "offset": str(offset + limit), "limit": str(limit)}
                links.append(f'<{parts.path}?{urlencode(following)}>; rel="next"')
            links.append(f'<{parts.path}?{urlencode({**query, "offset": "0"})}>; rel="first"')
            headers["Link"] = ", ".join(links)
        key = "users" if name in ("users", "students", "teachers") else name
        self._send(handler, 200, {key: page}, headers)

    def _collection(self, name: str) -> list[dict[str, Any]] | None:
        behaviour = self.behaviour
        users = behaviour.users

        def role(user: dict[str, Any]) -> str:
            return str(user.get("role") or user["roles"][0]["role"])

        if name == "users":
            return list(users)
        if name == "students":
            return [u for u in users if role(u) == "student"]
        if name == "teachers":
            return [u for u in users if role(u) == "teacher"]
        if name == "demographics" and behaviour.offer_demographics:
            return list(behaviour.demographics)
        if name == "orgs":
            return [{"sourcedId": "sch1", "status": "active", "name": "School", "type": "school"}]
        return None

    def _authorized(self, handler: BaseHTTPRequestHandler, path: str, query: str) -> bool:
        header = handler.headers.get("Authorization", "")
        behaviour = self.behaviour
        if behaviour.version == "1.2":
            token = header.removeprefix("Bearer ")
            with self.lock:
                left = self.tokens.get(token, 0)
                if left <= 0:
                    return False
                self.tokens[token] = left - 1
            return True
        if not header.startswith("OAuth "):
            return False
        params = oauth1.collect_parameters(
            uri_query=query, headers={"Authorization": header}, exclude_oauth_signature=False
        )
        given = dict(params)
        if given.get("oauth_consumer_key") != behaviour.client_id:
            return False
        if given.get("oauth_signature_method") != "HMAC-SHA256":
            return False
        if abs(int(given.get("oauth_timestamp", "0")) - time.time()) > 300:
            return False
        host = handler.headers.get("Host", "")
        base = oauth1.signature_base_string(
            "GET",
            oauth1.base_string_uri(f"http://{host}{path}"),
            oauth1.normalize_parameters([(k, v) for k, v in params if k != "oauth_signature"]),
        )
        client = SimpleNamespace(client_secret=behaviour.client_secret, resource_owner_secret="")
        expected = oauth1.sign_hmac_sha256_with_client(base, client)
        good = secrets.compare_digest(expected, given.get("oauth_signature", ""))
        if good:
            with self.lock:
                self.verified += 1
        return good

    def _token(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        form = dict(parse_qsl(handler.rfile.read(length).decode()))
        basic = handler.headers.get("Authorization", "").removeprefix("Basic ")
        try:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        except ValueError:
            client_id, secret = "", ""
        behaviour = self.behaviour
        if (
            form.get("grant_type") != "client_credentials"
            or client_id != behaviour.client_id
            or secret != behaviour.client_secret
        ):
            self._send(handler, 401, {"error": "invalid_client"}, {})
            return
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = behaviour.token_uses
            self.tokens_issued += 1
        answer = {"access_token": token, "token_type": "bearer", "expires_in": 3600}
        self._send(handler, 200, answer, {})

    def paths(self) -> Iterator[str]:
        with self.lock:
            return iter([path for _, path, _ in self.log])
