"""What every page of the web application shares: the triage and accounts it serves, the
sessions, the templates, and the access checks (who is signed in, with which role, and whether
a form carries the session's CSRF token).

A page module (`login.py`, `queue.py`, `messages.py`, `account_routes.py`) takes a `WebApp`
and returns its routes (its handlers marked with `route`); `app.py` assembles them. A page
module imports this module, never `app.py`, so that no import goes round in a circle.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dlp.quarantine.store import NotFound
from dlp.quarantine.triage import Actor, Triage
from dlp.web.accounts import Accounts, Role, User
from dlp.web.ratelimit import LoginLimiter
from dlp.web.sessions import Session, Sessions

SESSION_COOKIE = "__Host-dlp-session"
LOGIN_COOKIE = "__Host-dlp-login"
NOTICES = {
    "released": "Released.",
    "release-pending": "Not delivered to every recipient: the message stays held (see below).",
    "rejected": "Rejected; the sender was notified.",
    "deleted": "Deleted: the message bytes are destroyed.",
    "not-sensitive": "Recorded as not sensitive, for the policy's allow list.",
    "account-saved": "Account saved.",
    "account-disabled": "Account disabled.",
}

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Response]])
_ROUTE = "_dlp_web_route"


def route(method: str, path: str) -> Callable[[Handler], Handler]:
    """Marks a page's handler as the one for ``method`` on ``path`` (see `WebApp.routes`):
    a route is written where its handler is."""

    def mark(handler: Handler) -> Handler:
        setattr(handler, _ROUTE, (method, path))
        return handler

    return mark


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


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


class WebApp:
    def __init__(
        self, triage: Triage, accounts: Accounts, limiter: LoginLimiter | None = None
    ) -> None:
        self.triage = triage
        self.accounts = accounts
        self.sessions = Sessions()
        self.limiter = limiter or LoginLimiter()
        self.templates = _templates()

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

    async def posted(self, request: Request, needed: Role) -> tuple[Visitor, FormData]:
        """Who sent a form, with ``needed`` (or a stronger role), and the form, its CSRF token
        checked."""
        visitor = await self.visitor(request, needed)
        return visitor, await self.checked_form(request, visitor)

    async def checked_form(self, request: Request, visitor: Visitor) -> FormData:
        form = await request.form()
        token = form.get("csrf")
        if not isinstance(token, str) or not hmac.compare_digest(token, visitor.session.csrf):
            raise Refused(403, "the form's security token is missing or stale: reload the page")
        return form

    @staticmethod
    def actor(request: Request, visitor: Visitor) -> Actor:
        return Actor(visitor.user.username, "web", request.client.host if request.client else "")

    def routes(self, page: object) -> list[Route]:
        """The routes of ``page``'s handlers marked with `route`, in the order they are
        written, each `guarded`."""
        found = []
        for name, attribute in vars(type(page)).items():
            marked = getattr(attribute, _ROUTE, None)
            if marked is not None:
                method, path = marked
                found.append(Route(path, self.guarded(getattr(page, name)), methods=[method]))
        return found

    def guarded(self, handler: Endpoint) -> Endpoint:
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
