"""`dlp roster sync` against a real OneRoster REST server on loopback (`oneroster_server`)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib import oauth1

from dlp.roster.importers import read_roster
from dlp.roster.oauth import (
    ClientCredentials,
    oauth1_header,
    percent_encode,
    signature_base_string,
)
from dlp.roster.oneroster_client import (
    OneRosterClient,
    OneRosterError,
    Retry,
    api_base,
    check_address,
)
from dlp.roster.store import RosterStore
from dlp.roster.sync import ShrinkRefused, sync
from dlp.roster.sync_state import load_state

from .conftest import SECRET
from .oneroster_server import V11, V12, Behaviour, OneRosterServer
from .test_cli import main
from .test_import import write_oneroster

SIGNATURE = re.compile(r'oauth_signature="([^"]+)"')


# -- OAuth 1.0a


def test_oauth1_matches_rfc_5849_example() -> None:
    """RFC 5849 section 1.2: the photo request, HMAC-SHA1, signed with a token."""
    header = oauth1_header(
        "GET",
        "http://photos.example.net/photos?file=vacation.jpg&size=original",
        ClientCredentials("dpf43f3p2l4k3l03", "kd94hf93k423kf44"),
        signature_method="HMAC-SHA1",
        nonce="chapoH",
        timestamp=137131202,
        token=("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00"),
        with_version=False,
    )
    assert 'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"' in header


def test_oauth1_base_string_matches_rfc_5849_section_3_4_1_1() -> None:
    base = signature_base_string(
        "POST",
        "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2=&a3=2+q",
        [
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
        ],
    )
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
        "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
        "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"
        "ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
        "9d7dh3k39sjv7"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://sis.example.org/ims/oneroster/v1p1/users?limit=100&offset=0",
        "https://SIS.example.org:443/ims/oneroster/v1p1/users?filter="
        + percent_encode("dateLastModified>='2024-08-01T00:00:00Z'"),
        "http://127.0.0.1:8080/ims/oneroster/v1p1/demographics?a=%C3%A9t%C3%A9&b=x%20y&b=",
    ],
)
def test_oauth1_hmac_sha256_matches_oauthlib(url: str) -> None:
    secret = "s3cret&with/odd=chars"
    theirs = oauth1.Client(
        "district-dlp",
        client_secret=secret,
        signature_method=oauth1.SIGNATURE_HMAC_SHA256,
        nonce="a1b2c3",
        timestamp="1700000000",
    ).sign(url, "GET")[1]["Authorization"]
    ours = oauth1_header(
        "GET", url, ClientCredentials("district-dlp", secret), nonce="a1b2c3", timestamp=1700000000
    )
    found = SIGNATURE.search(ours)
    expected = SIGNATURE.search(theirs)
    assert found and expected and found.group(1) == expected.group(1)
    assert secret not in ours and percent_encode(secret) not in ours


def test_addresses() -> None:
    assert api_base("https://sis.example.org/", None) == (
        "https://sis.example.org/ims/oneroster/v1p1",
        "1.1",
    )
    assert api_base("https://sis.example.org/api" + V12, None) == (
        "https://sis.example.org/api" + V12,
        "1.2",
    )
    assert api_base("https://sis.example.org", "1.2")[0].endswith(V12)
    with pytest.raises(OneRosterError, match=r"not 1\.2"):
        api_base("https://sis.example.org" + V11, "1.2")
    with pytest.raises(OneRosterError, match="must be https"):
        check_address("http://sis.example.org" + V11)
    check_address("http://127.0.0.1:9" + V11)


# -- the server


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    return write_oneroster(tmp_path / "bundle")


@pytest.fixture()
def server(bundle: Path) -> Iterator[OneRosterServer]:
    with OneRosterServer(bundle, Behaviour(max_page=2)) as running:
        yield running


def _client(server: OneRosterServer, **options: object) -> OneRosterClient:
    behaviour = server.behaviour
    base, api = api_base(server.url, behaviour.version)
    defaults: dict[str, object] = {
        "timeout": 5.0,
        "retry": Retry(attempts=4, pause=0.01),
        "page_size": 2,
    }
    if api == "1.2":
        defaults["token_url"] = server.url + "/token"
    return OneRosterClient(
        base,
        ClientCredentials(behaviour.client_id, behaviour.client_secret),
        "oauth1" if api == "1.1" else "oauth2",
        **{**defaults, **options},  # type: ignore[arg-type]
    )


def _arrays(store: RosterStore) -> dict[str, np.ndarray]:
    return store.load().arrays()


def _same_roster(a: RosterStore, b: RosterStore) -> None:
    left, right = _arrays(a), _arrays(b)
    assert sorted(left) == sorted(right)
    for name in left:
        assert np.array_equal(left[name], right[name]), name


def _file_import(bundle: Path, path: Path) -> RosterStore:
    store = RosterStore.open(path, SECRET)
    chosen, people = read_roster(bundle)
    store.import_people(people, chosen)
    return store


def test_sync_11_signed_and_paged_makes_the_file_import_store(
    tmp_path: Path, bundle: Path, server: OneRosterServer
) -> None:
    store = RosterStore.open(tmp_path / "api.npz", SECRET)
    with _client(server) as client:
        report = sync(client, store, tmp_path / "api.npz.sync", server.url + V11, "1.1")
    assert report.mode == "full"
    # 5 users in pages of 2 (the server's cap): 3 pages; 2 demographics: 1 page.
    assert report.fetched == {"users": 5, "demographics": 2} and report.removed == 1
    assert server.verified == report.requests == 4
    users = [query for _, path, query in server.log if path == V11 + "/users"]
    assert [q["offset"] for q in users] == ["0", "2", "4"]
    _same_roster(store, _file_import(bundle, tmp_path / "file.npz"))
    matcher = store.matcher()
    assert [m.entity_type for m in matcher.find("Lisa Woods")] == ["ROSTER_STUDENT_NAME"]
    assert matcher.find("Gone Away") == []  # tobedeleted in the bundle


def test_sync_12_oauth2_link_paging_and_an_expired_token(tmp_path: Path, bundle: Path) -> None:
    behaviour = Behaviour(version="1.2", paging="link", max_page=2, token_uses=2)
    with OneRosterServer(bundle, behaviour) as server:
        store = RosterStore.open(tmp_path / "api.npz", SECRET)
        with _client(server, page_size=50) as client:
            report = sync(client, store, tmp_path / "state", server.url + V12, "1.2")
        assert report.fetched == {"users": 5, "demographics": 2}
        # Each token is good for two requests: the third gets 401 and a new token.
        assert server.tokens_issued == 2
        posts = [path for method, path, _ in server.log if method == "POST"]
        assert posts == ["/token", "/token"]
    _same_roster(store, _file_import(bundle, tmp_path / "file.npz"))


def test_500s_and_a_slow_answer_are_retried_a_401_is_not(
    tmp_path: Path, server: OneRosterServer
) -> None:
    store = RosterStore.open(tmp_path / "api.npz", SECRET)
    server.behaviour.fail_next = [500, 503]
    server.behaviour.slow_next = [0, 0, 1.0]  # the third request answers after the time limit
    with _client(server, timeout=0.3) as client:
        report = sync(client, store, tmp_path / "state", server.url + V11, "1.1")
    assert report.requests == 4 + 3 and report.fetched["users"] == 5
    assert server.verified == 4

    server.behaviour.fail_next = [500] * 4
    with _client(server) as client, pytest.raises(OneRosterError) as caught:
        sync(client, store, tmp_path / "state", server.url + V11, "1.1", full=True)
    assert str(caught.value) == f"{V11}/users: HTTP 500 after 4 attempts"

    client = _client(server)  # with the secret the server no longer takes
    server.behaviour.client_secret = "rotated-on-the-server"
    before = (tmp_path / "api.npz").read_bytes()
    with client, pytest.raises(OneRosterError) as caught:
        sync(client, store, tmp_path / "state", server.url + V11, "1.1", full=True)
    assert str(caught.value) == f"{V11}/users: HTTP 401: the credentials were refused"
    # Pages and retries (3 + 3), four 500s, and one 401 (not tried again).
    assert len([p for _, p, _ in server.log if p == V11 + "/users"]) == 3 + 3 + 4 + 1
    assert (tmp_path / "api.npz").read_bytes() == before


def test_a_delta_applies_changes_and_tobedeleted(
    tmp_path: Path, bundle: Path, server: OneRosterServer
) -> None:
    store = RosterStore.open(tmp_path / "api.npz", SECRET)
    state = tmp_path / "api.npz.sync"
    with _client(server) as client:
        sync(client, store, state, server.url + V11, "1.1")
    sealed = state.read_bytes()
    assert b"Woods" not in sealed and b"Madelyn" not in sealed and b"S1001" not in sealed
    assert state.stat().st_mode & 0o777 == 0o600
    # On the server: John Smith leaves (tobedeleted), a new student arrives, Lisa's guardian
    # changes her e-mail address; all three newer than the first sync.
    users = server.behaviour.users
    with server.lock:
        smith = next(u for u in users if u["sourcedId"] == "u2")
        smith.update(status="tobedeleted", dateLastModified="2024-09-01T00:00:00Z")
        guardian = next(u for u in users if u["sourcedId"] == "p1")
        guardian.update(email="madelyn@example.net", dateLastModified="2024-09-02T00:00:00Z")
        users.append(
            {
                "sourcedId": "u7",
                "status": "active",
                "dateLastModified": "2024-09-03T00:00:00Z",
                "role": "student",
                "givenName": "Teodora",
                "familyName": "Villalobos",
                "identifier": "S1777",
                "agents": [],
            }
        )
    before = len(server.log)
    with _client(server) as client:
        report = sync(client, store, state, server.url + V11, "1.1")
    assert report.mode == "delta" and report.since == "2024-08-01T00:00:00Z"
    # At or after the newest change seen: the records of that second come again (5 + 1 new),
    # so that one changed in the same second, after the last read, is not missed.
    assert report.fetched == {"users": 6, "demographics": 2} and report.removed == 1
    asked = [q.get("filter") for _, p, q in server.log[before:] if p == V11 + "/users"]
    assert asked == ["dateLastModified>='2024-08-01T00:00:00Z'"] * 3  # three pages
    changes = report.imported.changes
    assert (changes["student"].added, changes["student"].removed) == (1, 1)
    assert load_state(state, store.keys) is not None
    matcher = store.matcher()
    assert matcher.find("Teodora Villalobos") and not matcher.find("John Smith S1005")
    # The same as a file import of the bundle as it now stands.
    final = tmp_path / "final"
    final.mkdir()
    _same_roster(store, _file_import_of_records(server, final, tmp_path / "expected.npz"))
    # The next delta starts at the newest change seen.
    with _client(server) as client:
        again = sync(client, store, state, server.url + V11, "1.1")
    assert again.since == "2024-09-03T00:00:00Z" and again.fetched["users"] == 1


def _file_import_of_records(server: OneRosterServer, folder: Path, path: Path) -> RosterStore:
    """A CSV bundle written from the server's current records, imported from the file."""
    columns = ["sourcedId", "status", "role", "givenName", "familyName", "middleName"]
    columns += ["identifier", "email", "sms", "phone", "agentSourcedIds", "userIds"]
    with (folder / "users.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for u in server.behaviour.users:
            ids = ",".join(f"{{{i['type']}:{i['identifier']}}}" for i in u.get("userIds", []))
            agents = ",".join(a["sourcedId"] for a in u.get("agents", []))
            names = [u.get(c, "") for c in ("givenName", "familyName", "middleName", "identifier")]
            contact = [u.get(c, "") for c in ("email", "sms", "phone")]
            writer.writerow([u["sourcedId"], u["status"], u["role"], *names, *contact, agents, ids])
    with (folder / "demographics.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["sourcedId", "status", "birthDate", "metadata.directoryOptOut"])
        for d in server.behaviour.demographics:
            opt_out = d.get("metadata", {}).get("directoryOptOut", "")
            writer.writerow([d["sourcedId"], d["status"], d["birthDate"], opt_out])
    return _file_import(folder, path)


def test_a_server_without_filters_gets_a_full_sync(tmp_path: Path, server: OneRosterServer) -> None:
    store = RosterStore.open(tmp_path / "api.npz", SECRET)
    with _client(server) as client:
        sync(client, store, tmp_path / "state", server.url + V11, "1.1")
    server.behaviour.filter_supported = False
    server.behaviour.offer_demographics = False
    with _client(server) as client:
        report = sync(client, store, tmp_path / "state", server.url + V11, "1.1")
    assert report.mode == "full" and report.fetched == {"users": 5, "demographics": 0}
    assert report.notes == (
        "the server offers no dateLastModified filter: a full sync",
        "the server offers no /demographics",
    )
    # A state sealed under another secret is set aside the same way.
    other = RosterStore.open(tmp_path / "other.npz", b"another-secret-0123456789abcdef")
    with _client(server) as client:
        report = sync(client, other, tmp_path / "state", server.url + V11, "1.1")
    assert report.mode == "full" and "does not open with this secret" in report.notes[0]


# -- the command


def test_cli_sync_and_info(
    tmp_path: Path,
    server: OneRosterServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DLP_SECRET", SECRET.decode())
    monkeypatch.delenv("DLP_ONEROSTER_CLIENT_SECRET", raising=False)
    store = tmp_path / "roster.npz"
    base = ["roster", "sync", "--oneroster", server.url, "--store", str(store)]
    args = [*base, "--client-id", server.behaviour.client_id, "--page-size", "2"]
    assert main(args) == 2
    assert "no client secret" in capsys.readouterr().err
    secret_file = tmp_path / "client.secret"
    secret_file.write_text(server.behaviour.client_secret + "\n")
    assert main([*args, "--client-secret-file", str(secret_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "full" and report["student"]["added"] == 2
    assert report["format"] == "oneroster-1.1-api"
    assert (tmp_path / "roster.npz.sync").is_file()

    monkeypatch.setenv("DLP_ONEROSTER_CLIENT_SECRET", server.behaviour.client_secret)
    monkeypatch.setenv("DLP_ONEROSTER_CLIENT_ID", server.behaviour.client_id)
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "synced OneRoster 1.1 (delta since 2024-08-01T00:00:00Z)" in out

    assert main(["roster", "info", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "days ago) from oneroster-1.1-api" in out and f"({server.url + V11})" in out
    assert main(["roster", "info", "--store", str(store), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["source"] == server.url + V11 and 0 <= info["age_seconds"] < 600
    assert info["people"] == {"student": 2, "staff": 1, "guardian": 1}

    monkeypatch.setenv("DLP_ONEROSTER_CLIENT_SECRET", "wrong")
    assert main(base) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"dlp: {V11}/users: HTTP 401: the credentials were refused"
    assert main([*base, "--oneroster", "http://sis.example.org"]) == 2
    assert "must be https" in capsys.readouterr().err


_QUERY_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(
    query=st.lists(st.tuples(_QUERY_TEXT.filter(bool), _QUERY_TEXT), max_size=5),
    secret=_QUERY_TEXT.filter(bool),
)
def test_oauth1_signature_equals_oauthlibs_for_any_query(
    query: list[tuple[str, str]], secret: str
) -> None:
    url = "https://sis.example.org/ims/oneroster/v1p1/users"
    if query:
        url += "?" + "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in query)
    theirs = oauth1.Client(
        "id",
        client_secret=secret,
        signature_method=oauth1.SIGNATURE_HMAC_SHA256,
        nonce="n0nce",
        timestamp="1700000000",
    ).sign(url, "GET")[1]["Authorization"]
    ours = oauth1_header(
        "GET", url, ClientCredentials("id", secret), nonce="n0nce", timestamp=1700000000
    )
    found, expected = SIGNATURE.search(ours), SIGNATURE.search(theirs)
    assert found and expected and found.group(1) == expected.group(1)


@pytest.mark.parametrize("paging", ["total", "link", "none"])
@pytest.mark.parametrize(("asked", "cap"), [(2, 1000), (50, 2), (5, 5), (1, 1000)])
def test_every_paging_style_reads_each_record_once(
    bundle: Path, paging: str, asked: int, cap: int
) -> None:
    with OneRosterServer(bundle, Behaviour(paging=paging, max_page=cap)) as server:
        with _client(server, page_size=asked) as client:
            got = [u["sourcedId"] for u in client.collection("users", "users")]
        assert got == [u["sourcedId"] for u in server.behaviour.users]
        pages = [q for _, p, q in server.log if p == V11 + "/users"]
    step = min(asked, cap)
    pages_needed = -(-5 // step)
    # Without a count or a link, only an empty page says the end (a server's cap makes a
    # page short): one request more.
    assert len(pages) == pages_needed + (1 if paging == "none" else 0)


def test_a_sync_that_would_empty_the_roster_is_refused(
    tmp_path: Path, server: OneRosterServer
) -> None:
    store = RosterStore.open(tmp_path / "api.npz", SECRET)
    with _client(server) as client:
        sync(client, store, tmp_path / "state", server.url + V11, "1.1")
    before = store.path.read_bytes()
    with server.lock:  # the API now answers for one school of the district only
        server.behaviour.users = [u for u in server.behaviour.users if u["sourcedId"] != "u1"]
        server.behaviour.users = [u for u in server.behaviour.users if u["sourcedId"] != "t1"]
    with _client(server) as client, pytest.raises(ShrinkRefused) as caught:
        sync(client, store, tmp_path / "state", server.url + V11, "1.1", full=True)
    assert "gave 1 students and staff where the roster holds 3" in str(caught.value)
    assert store.path.read_bytes() == before
    with _client(server) as client:
        report = sync(
            client, store, tmp_path / "state", server.url + V11, "1.1", full=True, max_shrink=1
        )
    assert report.imported.changes["student"].removed == 1
