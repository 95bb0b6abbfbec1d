"""The reviewers' web application, assembled: each page module's routes, the static files,
and the security headers.

Every route but the login page and the stylesheet needs a signed-in user; anonymous page
requests are sent to the login page, anonymous form posts are refused (403). Every form
carries the session's CSRF token and every POST checks it; the login form uses a
double-submit token from a short-lived cookie. Cookies are Secure, HttpOnly and
SameSite=Strict, under the ``__Host-`` prefix (Chromium keeps Secure cookies for
http://127.0.0.1, a "potentially trustworthy" origin, so the loopback default needs no
exception; `dlp web` refuses to serve any other address without TLS).

A new page is a module under ``dlp/web/`` with ``routes(web: WebApp) -> list[Route]``
(`WebApp` from `dlp.web.webapp`, never from here) and one line in `ROUTES` below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from dlp.portal.override import OverrideService
from dlp.quarantine.triage import Triage
from dlp.web import account_routes, login, messages, queue
from dlp.web.accounts import Accounts
from dlp.web.dashboard import dashboard_routes
from dlp.web.disclosures import StudentFinder, disclosure_routes
from dlp.web.messages import FINDINGS_PAGE
from dlp.web.middleware import SecurityHeaders
from dlp.web.override import override_routes
from dlp.web.ratelimit import LoginLimiter
from dlp.web.webapp import WebApp

__all__ = ["FINDINGS_PAGE", "ROUTES", "create_app"]

# Every page module's routes, in the order Starlette tries them.
ROUTES: tuple[Callable[[WebApp], Sequence[BaseRoute]], ...] = (
    login.routes,
    queue.routes,
    messages.routes,
    account_routes.routes,
    dashboard_routes,
)


def create_app(
    triage: Triage,
    accounts: Accounts,
    limiter: LoginLimiter | None = None,
    students: StudentFinder | None = None,
    override: OverrideService | None = None,
) -> Starlette:
    web = WebApp(triage, accounts, limiter)
    static = StaticFiles(directory=str(resources.files("dlp.web") / "static"))
    routes = [route for pages in ROUTES for route in pages(web)]
    routes += disclosure_routes(web, students)  # the roster's lookup, when there is one
    routes += override_routes(web, override)  # the senders' own release, when set up
    app = Starlette(routes=[*routes, Mount("/static", app=static, name="static")])
    app.add_middleware(SecurityHeaders)
    return app
