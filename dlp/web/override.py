"""The sender's override pages (`dlp.portal.override`): the link from the notice, a one-time
code to the sender's district mailbox, then a justification and the release.

Public routes (no staff sign-in): the link is the credential, the code proves the mailbox.
The forms before the code carry a double-submit token from a short-lived cookie; the
justification form carries the override session's own token. Cookies are Secure, HttpOnly,
SameSite=Strict, under the ``__Host-`` prefix, as the staff pages'.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dlp.portal.override import MAX_JUSTIFICATION, MIN_JUSTIFICATION, OverrideService
from dlp.portal.service import Refused
from dlp.web.webapp import WebApp, set_cookie

SESSION_COOKIE = "__Host-dlp-override"
FORM_COOKIE = "__Host-dlp-override-form"
WORDS = {
    "bad-link": "This link does not work.",
    "used": "This link was already used.",
    "expired": "This link has expired. The message stays held for review.",
    "gone": "This message is no longer held.",
    "locked": "Too many wrong codes: try again later.",
    "too-many-codes": "Too many codes were asked for: try again later.",
    "wrong-code": "That code is not right.",
    "no-code": "Ask for a code first (or ask for a new one: it has expired).",
    "sign-in": "Type the code from your mailbox first.",
    "csrf": "The form's security token is missing or stale: reload the page.",
    "short-justification": f"Say why in at least {MIN_JUSTIFICATION} characters.",
    "long-justification": f"Say why in at most {MAX_JUSTIFICATION} characters.",
    "limit": "You have used today's overrides: the message stays held for review.",
    "not-overridable": "The policy no longer lets this message be released by its sender.",
}


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def override_routes(web: WebApp, service: OverrideService | None) -> list[BaseRoute]:
    """The override pages, when the override is set up (`dlp web` with a public URL)."""
    if service is None:
        return []
    pages = _Pages(web, service)
    return [
        Route("/override/{token}", pages.guard(pages.show), methods=["GET"]),
        Route("/override/{token}/code", pages.guard(pages.code), methods=["POST"]),
        Route("/override/{token}/verify", pages.guard(pages.verify), methods=["POST"]),
        Route("/override/{token}/release", pages.guard(pages.release), methods=["POST"]),
    ]


class _Pages:
    def __init__(self, web: WebApp, service: OverrideService) -> None:
        self.web, self.service = web, service

    def guard(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except Refused as refused:
                return self.web.page(
                    request,
                    "error.html.j2",
                    status=refused.status,
                    message=WORDS.get(refused.key, "Not possible."),
                )

        return endpoint

    def _form_page(self, request: Request, status: int = 200, **context: object) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.web.page(
            request,
            "override.html.j2",
            status,
            csrf=token,
            token=request.path_params["token"],
            minimum=MIN_JUSTIFICATION,
            maximum=MAX_JUSTIFICATION,
            **context,
        )
        set_cookie(response, FORM_COOKIE, token, max_age=3600)
        return response

    @staticmethod
    async def _form(request: Request, expected: str | None = None) -> FormData:
        form = await request.form()
        token = form.get("csrf")
        wanted = expected if expected is not None else request.cookies.get(FORM_COOKIE)
        if not isinstance(token, str) or not wanted or not hmac.compare_digest(token, wanted):
            raise Refused(403, "csrf")
        return form

    async def show(self, request: Request) -> Response:
        token = request.path_params["token"]
        opened = await run_in_threadpool(self.service.open, token, _client(request))
        return self._form_page(request, step="start", message=opened.message)

    async def code(self, request: Request) -> Response:
        await self._form(request)
        token = request.path_params["token"]
        opened = await run_in_threadpool(self.service.request_code, token, _client(request))
        return self._form_page(request, step="code", message=opened.message)

    async def verify(self, request: Request) -> Response:
        form = await self._form(request)
        token, code = request.path_params["token"], str(form.get("code", ""))
        try:
            opened, session_id, csrf = await run_in_threadpool(
                self.service.verify, token, code, _client(request)
            )
        except Refused as refused:
            if refused.key != "wrong-code":
                raise
            opened = await run_in_threadpool(self.service.open, token, _client(request))
            return self._form_page(
                request, 403, step="code", message=opened.message, error=WORDS["wrong-code"]
            )
        response = self.web.page(
            request,
            "override.html.j2",
            step="justify",
            csrf=csrf,
            token=token,
            message=opened.message,
            minimum=MIN_JUSTIFICATION,
            maximum=MAX_JUSTIFICATION,
        )
        set_cookie(response, SESSION_COOKIE, session_id)
        return response

    async def release(self, request: Request) -> Response:
        token = request.path_params["token"]
        opened, csrf = await run_in_threadpool(
            self.service.in_session, token, request.cookies.get(SESSION_COOKIE), _client(request)
        )
        form = await self._form(request, csrf)
        released = await run_in_threadpool(
            self.service.release, opened, str(form.get("justification", "")), _client(request)
        )
        response = self.web.page(
            request,
            "override.html.j2",
            step="done",
            token=token,
            message=released.message,
            pending=released.pending,
        )
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response


__all__ = ["override_routes"]
