"""Reading a OneRoster REST API: signed requests, pages, time limits and retries.

1.1 lives under ``/ims/oneroster/v1p1/`` and signs each request with OAuth 1.0a; 1.2 under
``/ims/oneroster/rostering/v1p2/`` with an OAuth 2 bearer token from the district's token
endpoint (`dlp.roster.oauth`). A collection comes in pages (``limit`` and ``offset``): the
next page is the ``Link: <...>; rel="next"`` the server gives, else the next offset while
``X-Total-Count`` says there are more, else until a page comes back empty. A request that
times out, cannot connect, or gets 429 or 5xx is tried again after a growing pause
(``Retry-After`` when the server gives one); a refused credential (401, 403) is not, except
that an OAuth 2 token is fetched anew once. Errors name the path and the status, never a
response body (it could quote a record).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urljoin, urlsplit

from dlp.roster.oauth import ClientCredentials, oauth1_header

if TYPE_CHECKING:
    import httpx

API_PATHS = {"1.1": "/ims/oneroster/v1p1", "1.2": "/ims/oneroster/rostering/v1p2"}
DEFAULT_AUTH = {"1.1": "oauth1", "1.2": "oauth2"}
SCOPES_12 = (
    "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly "
    "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly"
)
RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_PAGES = 100_000
MAX_RETRY_AFTER = 60.0


class OneRosterError(Exception):
    """The API could not be read; the message names the request's path, never a record."""


class NotOffered(OneRosterError):
    """The server has no such collection (404)."""


class FilterRefused(OneRosterError):
    """The server refused the ``filter`` parameter (400, 501): it offers no deltas."""


@dataclass(frozen=True, slots=True)
class Retry:
    attempts: int = 4  # tries of one request in all
    pause: float = 0.5  # before the second; doubled each time after
    max_pause: float = 30.0


def api_base(url: str, api: str | None) -> tuple[str, str]:
    """(the service's base URL, the version) for a URL given with or without the API path."""
    url = url.rstrip("/")
    path = urlsplit(url).path
    for version, suffix in API_PATHS.items():
        if path.endswith(suffix):
            if api is not None and api != version:
                raise OneRosterError(f"{url} is a OneRoster {version} address, not {api}")
            return url, version
    version = api or "1.1"
    return url + API_PATHS[version], version


def check_address(url: str) -> None:
    """HTTPS, or plain HTTP to this machine only: the records are students' and families'."""
    parts = urlsplit(url)
    loopback = parts.hostname in {"127.0.0.1", "::1", "localhost"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise OneRosterError(f"{url}: the OneRoster address must be https://")


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        target, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
            return target.strip().strip("<>")
    return None


class OneRosterClient:
    """One API's collections, read page by page with the given credentials."""

    def __init__(
        self,
        base: str,
        credentials: ClientCredentials,
        auth: str,
        *,
        token_url: str | None = None,
        scope: str | None = None,
        timeout: float = 30.0,
        retry: Retry = Retry(),
        page_size: int = 1000,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if auth not in ("oauth1", "oauth2"):
            raise OneRosterError(f"unknown authentication {auth!r}: oauth1 or oauth2")
        if auth == "oauth2" and not token_url:
            raise OneRosterError("OAuth 2 needs the token endpoint's address (--token-url)")
        for address in (base, token_url):
            if address:
                check_address(address)
        self.base = base.rstrip("/")
        self.credentials = credentials
        self.auth = auth
        self.token_url = token_url
        self.scope = scope
        self.retry = retry
        self.page_size = page_size
        self._sleep = sleep
        self._token: tuple[str, float] | None = None
        # Imported with a client, not with the module: `dlp roster sync` registers with every
        # command, and httpx costs a command's start some 60 ms.
        import httpx

        self._http = httpx.Client(timeout=timeout, verify=verify, follow_redirects=False)
        self.requests = 0  # for the report: requests made, retries included

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OneRosterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def collection(self, name: str, key: str, filter: str | None = None) -> Iterator[dict]:
        """Every record of ``/name`` (the JSON array under ``key``), page after page."""
        offset = 0
        query = {"limit": str(self.page_size), "offset": "0"}
        if filter:
            query["filter"] = filter
        url = f"{self.base}/{name}?{urlencode(query)}"
        for _ in range(MAX_PAGES):
            response = self._get(url, filtered=filter is not None)
            records = self._records(response, name, key)
            yield from records
            link = response.headers.get("link")
            if link is not None and link.strip():
                following = _next_link(link)
                if following is None or not records:
                    return
                url = urljoin(url, following)
                if urlsplit(url).netloc != urlsplit(self.base).netloc:
                    raise OneRosterError(f"/{name}: the next page is on another server")
                continue
            offset += len(records)
            total = response.headers.get("x-total-count", "").strip()
            # Without a count, only an empty page ends the collection: a server may give fewer
            # records than asked for (its own cap), so a short page proves nothing, and
            # stopping there would drop people from the roster.
            if not records or (total.isdigit() and offset >= int(total)):
                return
            query["offset"] = str(offset)
            url = f"{self.base}/{name}?{urlencode(query)}"
        raise OneRosterError(f"/{name}: more than {MAX_PAGES} pages")

    def _records(self, response: httpx.Response, name: str, key: str) -> list[dict]:
        try:
            body = response.json()
        except ValueError:
            raise OneRosterError(f"/{name}: the answer is not JSON") from None
        records = body.get(key) if isinstance(body, dict) else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise OneRosterError(f"/{name}: the answer has no {key!r} list")
        return records

    def _get(self, url: str, filtered: bool = False) -> httpx.Response:
        import httpx  # loaded with the client already (see __init__)

        path = urlsplit(url).path
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                response = self._http.get(url, headers=self._authorization(url))
            except httpx.TimeoutException:
                problem, wait = "no answer in time", None
            except httpx.TransportError as error:
                problem, wait = f"cannot connect ({type(error).__name__})", None
            else:
                status = response.status_code
                if status == 200:
                    return response
                if status == 401 and self.auth == "oauth2" and not renewed:
                    self._token, renewed = None, True  # expired early, or revoked: once more
                    attempt -= 1
                    continue
                if status in (401, 403):
                    raise OneRosterError(f"{path}: HTTP {status}: the credentials were refused")
                if status == 404:
                    raise NotOffered(f"{path}: HTTP 404")
                if filtered and status in (400, 501):
                    raise FilterRefused(f"{path}: HTTP {status} to a dateLastModified filter")
                if status not in RETRIED_STATUS:
                    raise OneRosterError(f"{path}: HTTP {status}")
                problem, wait = f"HTTP {status}", _retry_after(response.headers)
            if attempt >= self.retry.attempts:
                raise OneRosterError(f"{path}: {problem} after {attempt} attempts")
            pause = self.retry.pause * 2 ** (attempt - 1)
            self._sleep(min(self.retry.max_pause, wait if wait is not None else pause))

    def _authorization(self, url: str) -> dict[str, str]:
        if self.auth == "oauth1":
            return {"Authorization": oauth1_header("GET", url, self.credentials)}
        return {"Authorization": f"Bearer {self._bearer()}"}

    def _bearer(self) -> str:
        import httpx  # loaded with the client already (see __init__)

        now = time.monotonic()
        if self._token is not None and now < self._token[1]:
            return self._token[0]
        assert self.token_url is not None
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        path = urlsplit(self.token_url).path
        for attempt in range(1, self.retry.attempts + 1):
            self.requests += 1
            try:
                response = self._http.post(
                    self.token_url,
                    data=form,
                    auth=(self.credentials.client_id, self.credentials.secret),
                )
            except httpx.TransportError as error:
                problem = type(error).__name__
            else:
                if response.status_code == 200:
                    break
                if response.status_code not in RETRIED_STATUS:
                    raise OneRosterError(
                        f"{path}: HTTP {response.status_code}: no token for these credentials"
                    )
                problem = f"HTTP {response.status_code}"
            if attempt == self.retry.attempts:
                raise OneRosterError(f"{path}: {problem} after {attempt} attempts")
            self._sleep(min(self.retry.max_pause, self.retry.pause * 2 ** (attempt - 1)))
        try:
            answer = response.json()
            token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise OneRosterError(f"{path}: the token endpoint gave no access_token") from None
        # Renewed a little before it runs out, so no request carries an expiring token.
        self._token = (token, now + max(0.0, lifetime - 30))
        return token


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        return None
