"""Signing in and out: the login page's double-submit CSRF token, the rate limit on failed
attempts, the session cookie, and the audit record of each."""

from __future__ import annotations

import hmac
import re
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dlp.web.accounts import Role
from dlp.web.webapp import LOGIN_COOKIE, SESSION_COOKIE, Refused, WebApp, route, set_cookie


class Login:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    @route("GET", "/login")
    async def page(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.web.page(request, "login.html.j2", status=status, csrf=token, error=error)
        set_cookie(response, LOGIN_COOKIE, token, max_age=600)
        return response

    @route("POST", "/login")
    async def login(self, request: Request) -> Response:
        web = self.web
        form = await request.form()
        token, cookie = form.get("csrf"), request.cookies.get(LOGIN_COOKIE)
        if not isinstance(token, str) or not cookie or not hmac.compare_digest(token, cookie):
            raise Refused(403, "the form's security token is missing or stale: reload the page")
        username = str(form.get("username") or "")[:64]
        password = str(form.get("password") or "")
        # The connection's address, or a trusted proxy's X-Forwarded-For (uvicorn's job).
        client = request.client.host if request.client else ""
        wait = web.limiter.retry_after(username, client)
        if wait:
            await run_in_threadpool(
                web.triage.audit.append,
                "web-login-throttled",
                username=_loggable(username),
                client=client,
            )
            response = await self.page(
                request, f"Too many failed sign-ins: try again in {wait} seconds.", 429
            )
            response.headers["Retry-After"] = str(wait)
            return response
        user = await run_in_threadpool(web.accounts.authenticate, username, password)
        if user is None:
            web.limiter.failed(username, client)
            await run_in_threadpool(
                web.triage.audit.append,
                "web-login-failed",
                username=_loggable(username),
                client=client,
            )
            return await self.page(request, "Wrong user name or password.", 401)
        web.limiter.succeeded(username, client)
        session = web.sessions.create(user.username)
        await run_in_threadpool(
            web.triage.audit.append,
            "web-login",
            actor=user.username,
            role=user.role.value,
            client=client,
        )
        response = RedirectResponse("/", status_code=303)
        set_cookie(response, SESSION_COOKIE, session.id)
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True)
        return response

    @route("POST", "/logout")
    async def logout(self, request: Request) -> Response:
        web = self.web
        visitor, _ = await web.posted(request, Role.VIEWER)
        web.sessions.drop(visitor.session.id)
        await run_in_threadpool(
            web.triage.audit.append, "web-logout", **web.actor(request, visitor).fields()
        )
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response


def routes(web: WebApp) -> list[Route]:
    return web.routes(Login(web))


def _loggable(username: str) -> str:
    """A failed login's user name, unless it looks like a password typed in the wrong field."""
    return username if re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", username) else "<not a user name>"
