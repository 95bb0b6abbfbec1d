"""The reviewers' web application: routes, access checks, CSRF, and the pages.

Every route but the login page and the stylesheet needs a signed-in user; anonymous page
requests are sent to the login page, anonymous form posts are refused (403). Every form
carries the session's CSRF token and every POST checks it; the login form uses a
double-submit token from a short-lived cookie. Cookies are Secure, HttpOnly and
SameSite=Strict, under the ``__Host-`` prefix (Chromium keeps Secure cookies for
http://127.0.0.1, a "potentially trustworthy" origin, so the loopback default needs no
exception; `dlp web` refuses to serve any other address without TLS).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dlp.quarantine.records import SORT_KEYS, Filters, Status
from dlp.quarantine.store import NotFound, QuarantineError
from dlp.quarantine.triage import Actor, Triage
from dlp.web.accounts import AccountError, Accounts, Role, User
from dlp.web.disclosures import StudentFinder, disclosure_routes
from dlp.web.paging import page_number, page_of
from dlp.web.ratelimit import LoginLimiter
from dlp.web.sessions import Session, Sessions

SESSION_COOKIE = "__Host-dlp-session"
LOGIN_COOKIE = "__Host-dlp-login"
PAGE_SIZE = 100
# Findings shown on one message page: a message with 250,000 findings was 268 MB of HTML.
FINDINGS_PAGE = 200
_ID = re.compile(r"^[0-9a-f]{16}$")
_SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
NOTICES = {
    "released": "Released.",
    "release-pending": "Not delivered to every recipient: the message stays held (see below).",
    "rejected": "Rejected; the sender was notified.",
    "deleted": "Deleted: the message bytes are destroyed.",
    "not-sensitive": "Recorded as not sensitive, for the policy's allow list.",
    "account-saved": "Account saved.",
    "account-disabled": "Account disabled.",
}


class SecurityHeaders:
    """Adds the headers above to every response (pure ASGI: no buffering of bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True, slots=True)
class Visitor:
    user: User
    session: Session


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _templates() -> Environment:
    folder = resources.files("dlp.web") / "templates"
    environment = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    return environment


def _set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


class WebApp:
    def __init__(
        self,
        triage: Triage,
        accounts: Accounts,
        limiter: LoginLimiter | None = None,
        students: StudentFinder | None = None,
    ) -> None:
        self.students = students  # the roster's lookup, for the disclosure pages
        self.triage = triage
        self.accounts = accounts
        self.sessions = Sessions()
        self.limiter = limiter or LoginLimiter()
        self.templates = _templates()

    # --- plumbing -------------------------------------------------------------------------

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        html = self.templates.get_template(name).render(request=request, **context)
        return HTMLResponse(html, status_code=status)

    async def visitor(self, request: Request, needed: Role) -> Visitor:
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise Refused(401, "sign in first")
        user = await run_in_threadpool(self.accounts.current, session.username)
        if user is None:
            self.sessions.drop(session.id)
            raise Refused(401, "sign in first")
        if not user.role.allows(needed):
            raise Refused(403, f"this needs the {needed.value} role")
        return Visitor(user, session)

    async def checked_form(self, request: Request, visitor: Visitor) -> FormData:
        form = await request.form()
        token = form.get("csrf")
        if not isinstance(token, str) or not hmac.compare_digest(token, visitor.session.csrf):
            raise Refused(403, "the form's security token is missing or stale: reload the page")
        return form

    @staticmethod
    def actor(request: Request, visitor: Visitor) -> Actor:
        return Actor(visitor.user.username, "web", request.client.host if request.client else "")

    def guarded(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except Refused as refused:
                if refused.status == 401 and request.method == "GET":
                    return RedirectResponse("/login", status_code=303)
                return self.page(
                    request, "error.html.j2", status=refused.status, message=refused.message
                )
            except NotFound as error:
                return self.page(request, "error.html.j2", status=404, message=str(error))

        return endpoint

    # --- login ----------------------------------------------------------------------------

    async def login_page(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.page(request, "login.html.j2", status=status, csrf=token, error=error)
        _set_cookie(response, LOGIN_COOKIE, token, max_age=600)
        return response

    async def login_form(self, request: Request) -> Response:
        return await self.login_page(request)

    async def login(self, request: Request) -> Response:
        form = await request.form()
        token, cookie = form.get("csrf"), request.cookies.get(LOGIN_COOKIE)
        if not isinstance(token, str) or not cookie or not hmac.compare_digest(token, cookie):
            raise Refused(403, "the form's security token is missing or stale: reload the page")
        username = str(form.get("username") or "")[:64]
        password = str(form.get("password") or "")
        # The connection's address, or a trusted proxy's X-Forwarded-For (uvicorn's job).
        client = request.client.host if request.client else ""
        wait = self.limiter.retry_after(username, client)
        if wait:
            await run_in_threadpool(
                self.triage.audit.append,
                "web-login-throttled",
                username=_loggable(username),
                client=client,
            )
            response = await self.login_page(
                request, f"Too many failed sign-ins: try again in {wait} seconds.", 429
            )
            response.headers["Retry-After"] = str(wait)
            return response
        user = await run_in_threadpool(self.accounts.authenticate, username, password)
        if user is None:
            self.limiter.failed(username, client)
            await run_in_threadpool(
                self.triage.audit.append,
                "web-login-failed",
                username=_loggable(username),
                client=client,
            )
            return await self.login_page(request, "Wrong user name or password.", 401)
        self.limiter.succeeded(username, client)
        session = self.sessions.create(user.username)
        await run_in_threadpool(
            self.triage.audit.append,
            "web-login",
            actor=user.username,
            role=user.role.value,
            client=client,
        )
        response = RedirectResponse("/", status_code=303)
        _set_cookie(response, SESSION_COOKIE, session.id)
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True)
        return response

    async def logout(self, request: Request) -> Response:
        visitor = await self.visitor(request, Role.VIEWER)
        await self.checked_form(request, visitor)
        self.sessions.drop(visitor.session.id)
        await run_in_threadpool(
            self.triage.audit.append, "web-logout", **self.actor(request, visitor).fields()
        )
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    # --- queue and message ----------------------------------------------------------------

    async def queue(self, request: Request) -> Response:
        visitor = await self.visitor(request, Role.VIEWER)
        query = request.query_params
        status = query.get("status", "held")
        sort = query.get("sort", "received")
        try:
            page = page_number(query, "page")
            filters = Filters(
                since=_day(query.get("since")),
                until=_day(query.get("until")),
                sender=query.get("sender") or None,
                recipient=query.get("recipient") or None,
                category=query.get("category") or None,
                rule=query.get("rule") or None,
                status=Status(status) if status else None,
                sort=sort if sort in SORT_KEYS else "received",
                descending=query.get("order", "desc") != "asc",
                limit=PAGE_SIZE + 1,
                offset=page * PAGE_SIZE,
            )
        except ValueError as error:
            raise Refused(400, f"bad filter: {error}") from None
        messages = await run_in_threadpool(self.triage.queue, self.actor(request, visitor), filters)
        return self.page(
            request,
            "queue.html.j2",
            visitor=visitor,
            messages=messages[:PAGE_SIZE],
            more=len(messages) > PAGE_SIZE,
            page=page,
            query=dict(query),
            statuses=[item.value for item in Status],
            sort_keys=SORT_KEYS,
        )

    def _held_id(self, request: Request) -> str:
        held_id = str(request.path_params["held_id"])
        if not _ID.match(held_id):
            raise NotFound(f"no held message {held_id!r}")
        return held_id

    async def message(
        self,
        request: Request,
        visitor: Visitor | None = None,
        revealed: bool = False,
        error: str = "",
        status: int = 200,
    ) -> Response:
        visitor = visitor or await self.visitor(request, Role.VIEWER)
        held_id = self._held_id(request)
        try:
            wanted = page_number(request.query_params, "findings")
        except ValueError as problem:
            raise Refused(400, str(problem)) from None
        actor = self.actor(request, visitor)
        if revealed:
            message, views = await run_in_threadpool(self.triage.reveal, actor, held_id)
        else:
            message, views = await run_in_threadpool(self.triage.view, actor, held_id)
        history = await run_in_threadpool(self.triage.history, held_id)
        notice = NOTICES.get(request.query_params.get("done", ""), "")
        return self.page(
            request,
            "message.html.j2",
            status=status,
            visitor=visitor,
            message=message,
            findings=page_of(views, wanted, FINDINGS_PAGE),
            history=history,
            revealed=revealed,
            notice=notice,
            error=error,
            can_review=visitor.user.role.allows(Role.REVIEWER),
        )

    async def message_page(self, request: Request) -> Response:
        return await self.message(request)

    async def reveal(self, request: Request) -> Response:
        visitor = await self.visitor(request, Role.REVIEWER)
        await self.checked_form(request, visitor)
        return await self.message(request, visitor, revealed=True)

    async def _decide(
        self, request: Request, action: Callable[[Actor, str, FormData], str]
    ) -> Response:
        visitor = await self.visitor(request, Role.REVIEWER)
        form = await self.checked_form(request, visitor)
        held_id = self._held_id(request)
        try:
            done = await run_in_threadpool(action, self.actor(request, visitor), held_id, form)
        except NotFound:
            raise
        except QuarantineError as error:
            return await self.message(request, visitor, error=str(error), status=409)
        return RedirectResponse(f"/messages/{held_id}?done={done}", status_code=303)

    async def release(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            note = _required_note(form)
            encrypt = form.get("mode") == "encrypted"
            released = self.triage.release(actor, held_id, encrypt=encrypt, note=note)
            return "release-pending" if released.pending else "released"

        return await self._decide(request, act)

    async def reject(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            self.triage.reject(actor, held_id, _required_note(form))
            return "rejected"

        return await self._decide(request, act)

    async def delete(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            self.triage.delete(actor, held_id, _required_note(form), required=True)
            return "deleted"

        return await self._decide(request, act)

    async def not_sensitive(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            try:
                position = int(str(form.get("position", "")))
            except ValueError:
                raise QuarantineError("which finding?") from None
            self.triage.not_sensitive(actor, held_id, position, _required_note(form))
            return "not-sensitive"

        return await self._decide(request, act)

    # --- accounts -------------------------------------------------------------------------

    async def accounts_page(
        self, request: Request, visitor: Visitor | None = None, error: str = "", status: int = 200
    ) -> Response:
        visitor = visitor or await self.visitor(request, Role.ADMIN)
        accounts = await run_in_threadpool(self.accounts.list)
        return self.page(
            request,
            "accounts.html.j2",
            status=status,
            visitor=visitor,
            accounts=accounts,
            roles=[role.value for role in Role],
            error=error,
            notice=NOTICES.get(request.query_params.get("done", ""), ""),
        )

    async def accounts_get(self, request: Request) -> Response:
        return await self.accounts_page(request)

    async def account_save(self, request: Request) -> Response:
        visitor = await self.visitor(request, Role.ADMIN)
        form = await self.checked_form(request, visitor)
        username = str(form.get("username") or "")
        try:
            role = Role(str(form.get("role") or ""))
            await run_in_threadpool(
                self.accounts.put, username, str(form.get("password") or ""), role
            )
        except (AccountError, ValueError) as error:
            return await self.accounts_page(request, visitor, str(error), 400)
        self.sessions.drop_user(username)  # a new password or role: sign in again
        await run_in_threadpool(
            self.triage.audit.append,
            "account-saved",
            **self.actor(request, visitor).fields(),
            username=username,
            role=role.value,
        )
        return RedirectResponse("/accounts?done=account-saved", status_code=303)

    async def account_disable(self, request: Request) -> Response:
        visitor = await self.visitor(request, Role.ADMIN)
        form = await self.checked_form(request, visitor)
        username = str(form.get("username") or "")
        if username == visitor.user.username:
            return await self.accounts_page(request, visitor, "you cannot disable yourself", 400)
        if not await run_in_threadpool(self.accounts.disable, username, True):
            raise NotFound(f"no account {username!r}")
        self.sessions.drop_user(username)
        await run_in_threadpool(
            self.triage.audit.append,
            "account-disabled",
            **self.actor(request, visitor).fields(),
            username=username,
        )
        return RedirectResponse("/accounts?done=account-disabled", status_code=303)

    # --- assembly -------------------------------------------------------------------------

    def asgi(self) -> Starlette:
        g = self.guarded
        routes = [
            Route("/login", g(self.login_form), methods=["GET"]),
            Route("/login", g(self.login), methods=["POST"]),
            Route("/logout", g(self.logout), methods=["POST"]),
            Route("/", g(self.queue), methods=["GET"]),
            Route("/messages/{held_id}", g(self.message_page), methods=["GET"]),
            Route("/messages/{held_id}/reveal", g(self.reveal), methods=["POST"]),
            Route("/messages/{held_id}/release", g(self.release), methods=["POST"]),
            Route("/messages/{held_id}/reject", g(self.reject), methods=["POST"]),
            Route("/messages/{held_id}/delete", g(self.delete), methods=["POST"]),
            Route("/messages/{held_id}/not-sensitive", g(self.not_sensitive), methods=["POST"]),
            Route("/accounts", g(self.accounts_get), methods=["GET"]),
            Route("/accounts", g(self.account_save), methods=["POST"]),
            Route("/accounts/disable", g(self.account_disable), methods=["POST"]),
            *disclosure_routes(self, self.students),
            Mount(
                "/static",
                app=StaticFiles(directory=str(resources.files("dlp.web") / "static")),
                name="static",
            ),
        ]
        app = Starlette(routes=routes)
        app.add_middleware(SecurityHeaders)
        return app


def create_app(
    triage: Triage,
    accounts: Accounts,
    limiter: LoginLimiter | None = None,
    students: StudentFinder | None = None,
) -> Starlette:
    return WebApp(triage, accounts, limiter, students).asgi()


def _required_note(form: FormData) -> str:
    note = " ".join(str(form.get("note") or "").split())
    if not note:
        raise QuarantineError("a note is required: say why")
    return note


def _day(value: str | None) -> int | None:
    """Epoch seconds of a ``YYYY-MM-DD`` (UTC midnight) from a date field."""
    if not value:
        return None
    moment = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    return int(moment.timestamp())


def _loggable(username: str) -> str:
    """A failed login's user name, unless it looks like a password typed in the wrong field."""
    return username if re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", username) else "<not a user name>"
