"""The login limit: per (account, client) and per client; and who the client is, through the
real `dlp web` server with a spoofed X-Forwarded-For."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import httpx
import pytest

from dlp.web.ratelimit import LoginLimiter
from tests.quarantine.conftest import SAMPLE_POLICY
from tests.web.conftest import PASSWORD, csrf_of
from tests.web.served import dlp_web


def test_a_few_failures_stop_one_account_from_one_client_only() -> None:
    limiter = LoginLimiter(pair_failures=3, client_failures=10)
    for _ in range(3):
        assert limiter.retry_after("rita", "10.0.0.1") == 0
        limiter.failed("rita", "10.0.0.1")
    assert limiter.retry_after("rita", "10.0.0.1") > 0
    assert limiter.retry_after("RITA", "10.0.0.1") > 0  # names are not case-sensitive here
    assert limiter.retry_after("vera", "10.0.0.1") == 0  # a colleague behind the same proxy
    assert limiter.retry_after("rita", "10.0.0.2") == 0  # rita from her own desk


def test_a_client_alone_stops_at_the_higher_bound() -> None:
    limiter = LoginLimiter(pair_failures=3, client_failures=10)
    for n in range(10):
        assert limiter.retry_after(f"user{n}", "10.0.0.1") == 0
        limiter.failed(f"user{n}", "10.0.0.1")
    assert limiter.retry_after("someone-else", "10.0.0.1") > 0
    assert limiter.retry_after("someone-else", "10.0.0.2") == 0


def test_success_forgets_the_pair_not_the_client() -> None:
    limiter = LoginLimiter(pair_failures=3, client_failures=7)
    for _ in range(2):
        limiter.failed("rita", "10.0.0.1")
    for n in range(2):
        limiter.failed(f"guess{n}", "10.0.0.1")
    limiter.succeeded("rita", "10.0.0.1")
    limiter.failed("rita", "10.0.0.1")
    limiter.failed("rita", "10.0.0.1")
    assert limiter.retry_after("rita", "10.0.0.1") == 0  # 2 since the success, bound 3
    limiter.failed("mallory", "10.0.0.1")  # the client's 7th: its bound
    assert limiter.retry_after("rita", "10.0.0.1") > 0


def _fail(browser, username: str, password: str = "wrong") -> int:
    page = browser.get("/login")
    return int(
        browser.post(
            "/login",
            data={"csrf": csrf_of(page.text), "username": username, "password": password},
        ).status_code
    )


def test_one_persons_typos_lock_out_no_one_else(site) -> None:
    shared = site.client("198.51.100.1")  # a school's NAT: everyone's address
    for _ in range(5):
        assert _fail(shared, "rita") == 401
    assert _fail(shared, "rita", PASSWORD) == 429
    assert _fail(site.client("198.51.100.1"), "vera", PASSWORD) == 303
    assert _fail(site.client("203.0.113.9"), "rita", PASSWORD) == 303


# --- the real server ---------------------------------------------------------------------

_COOKIE = re.compile(r"__Host-dlp-login=([^;]+)")


def _settings(tmp_path: Path, web: str) -> Path:
    (tmp_path / "q.key").write_text(secrets.token_hex(32))
    path = tmp_path / "gateway.toml"
    path.write_text(
        f'[policy]\nfile = "{SAMPLE_POLICY}"\n'
        '[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "q.key"\n'
        f'[audit]\nfile = "audit.log"\n[delivery]\nmode = "folder"\nfolder = "out"\n{web}'
    )
    return path


def _attempt(base: str, username: str, spoofed: str) -> httpx.Response:
    """One sign-in with a wrong password and a forged X-Forwarded-For. The login cookie is
    Secure, which httpx keeps from plain http: it is sent by hand, as a browser on a loopback
    origin would."""
    with httpx.Client(base_url=base, timeout=30) as http:
        page = http.get("/login")
        token = _COOKIE.search(page.headers["set-cookie"])
        assert token is not None
        return http.post(
            "/login",
            data={"csrf": token.group(1), "username": username, "password": "wrong guess"},
            headers={"Cookie": f"__Host-dlp-login={token.group(1)}", "X-Forwarded-For": spoofed},
        )


def _clients(tmp_path: Path, event: str) -> list[str]:
    lines = (tmp_path / "audit.log").read_text().splitlines()
    return [entry["client"] for entry in map(json.loads, lines) if entry["event"] == event]


def test_spoofed_forwarded_for_neither_escapes_the_limit_nor_reaches_the_audit_log(
    tmp_path: Path,
) -> None:
    with dlp_web(_settings(tmp_path, "")) as base:
        # Each try claims another address and another account: all are one client, 127.0.0.1.
        for n in range(50):
            assert _attempt(base, f"user{n}", f"203.0.113.{n}").status_code == 401
        assert _attempt(base, "user99", "198.51.100.77").status_code == 429
    assert set(_clients(tmp_path, "web-login-failed")) == {"127.0.0.1"}
    assert _clients(tmp_path, "web-login-throttled") == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("proxies", "seen"),
    [("", "127.0.0.1"), ('trusted_proxies = ["127.0.0.0/8"]\n', "203.0.113.5")],
    ids=["no-proxy", "loopback-is-the-proxy"],
)
def test_forwarded_for_is_believed_only_from_a_configured_proxy(
    tmp_path: Path, proxies: str, seen: str
) -> None:
    with dlp_web(_settings(tmp_path, f"[web]\n{proxies}")) as base:
        assert _attempt(base, "rita", "203.0.113.5").status_code == 401
    assert _clients(tmp_path, "web-login-failed") == [seen]
