"""The portal's web application: public routes only, on a listener of their own (``dlp
portal``), sharing nothing with staff triage but the database: another cookie, sessions in the
database (`dlp.portal.links`), no staff route mounted, so exposing it never exposes triage.

Forms before the code (ask for a code, type it, ask for a new link, the sender's revoke) carry
a double-submit token from a short-lived cookie; forms in a session carry the session's own.
Cookies are Secure, HttpOnly, SameSite=Strict, under the ``__Host-`` prefix, as `dlp web`'s.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from dlp.asgi_headers import AddHeaders
from dlp.portal.i18n import LANGUAGES, words
from dlp.portal.service import Opened, PickupService, Refused

SESSION_COOKIE = "__Host-dlp-pickup"
FORM_COOKIE = "__Host-dlp-pickup-form"
LANG_COOKIE = "__Host-dlp-pickup-lang"
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        b"base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # the token is in the path: never sent on
    (b"cache-control", b"no-store"),
    (b"strict-transport-security", b"max-age=31536000"),
]


class PortalHeaders(AddHeaders):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, _HEADERS)


def _cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def _client(request: Request) -> str:
    # The connection's address, or a trusted proxy's X-Forwarded-For (uvicorn's job).
    return request.client.host if request.client else ""


class PortalApp:
    def __init__(self, service: PickupService) -> None:
        self.service = service
        folder = resources.files("dlp.portal") / "templates"
        self.templates = Environment(
            loader=FileSystemLoader(str(folder)),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.css = (folder / "portal.css").read_text(encoding="utf-8")

    # --- plumbing -------------------------------------------------------------------------

    @staticmethod
    def language(request: Request) -> str:
        wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
        if wanted in LANGUAGES:
            return str(wanted)
        accept = request.headers.get("accept-language", "").lower()
        return "es" if accept.startswith("es") else "en"

    def page(
        self, request: Request, name: str, status: int = 200, csrf: str = "", **context: Any
    ) -> Response:
        lang = self.language(request)
        mailer = self.service.mailer
        # The language links lead to a page one can GET (a form's answer is not one).
        token = request.path_params.get("token")
        if request.method == "GET":
            here = request.url.path
        elif token and request.url.path.startswith("/pickup/"):
            here = f"/pickup/{token}"
        else:
            here = "/"
        html = self.templates.get_template(name).render(
            lang=lang,
            here=here,
            t=words(lang),
            district=mailer.district,
            phrase=mailer.phrase,
            csrf=csrf,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in LANGUAGES:
            _cookie(response, LANG_COOKIE, lang, max_age=365 * 86_400)
        return response

    def form_page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        """A page whose forms come before a session: a fresh double-submit token."""
        token = secrets.token_urlsafe(32)
        response = self.page(request, name, status, csrf=token, **context)
        _cookie(response, FORM_COOKIE, token, max_age=3600)
        return response

    async def form(self, request: Request, expected: str | None = None) -> FormData:
        """The posted form, its token checked against ``expected`` (a session's) or the
        double-submit cookie."""
        form = await request.form()
        token = form.get("csrf")
        wanted = expected if expected is not None else request.cookies.get(FORM_COOKIE)
        if not isinstance(token, str) or not wanted or not hmac.compare_digest(token, wanted):
            raise Refused(403, "csrf")
        return form

    def refused(self, request: Request, refused: Refused) -> Response:
        token = str(request.path_params.get("token", ""))
        t = words(self.language(request))
        return self.form_page(
            request,
            "refused.html.j2",
            status=refused.status,
            error=t.get(refused.key, t["bad-link"]),
            renew=refused.key == "expired",
            token=token,
        )

    def guarded(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except Refused as refused:
                return self.refused(request, refused)

        return endpoint

    def _token(self, request: Request) -> str:
        return str(request.path_params["token"])

    async def _session(self, request: Request) -> tuple[Opened, str]:
        return await run_in_threadpool(
            self.service.in_session,
            self._token(request),
            request.cookies.get(SESSION_COOKIE),
            _client(request),
        )

    # --- pages ----------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return self.page(request, "home.html.j2")

    async def stylesheet(self, request: Request) -> Response:
        return Response(self.css, media_type="text/css")

    async def landing(self, request: Request) -> Response:
        token = self._token(request)
        opened = await run_in_threadpool(self.service.open, token, _client(request))
        return self.form_page(
            request, "pickup.html.j2", token=token, sender=opened.sender, code_sent=False
        )

    async def ask_code(self, request: Request) -> Response:
        await self.form(request)
        token = self._token(request)
        opened = await run_in_threadpool(self.service.request_code, token, _client(request))
        t = words(self.language(request))
        return self.form_page(
            request,
            "pickup.html.j2",
            token=token,
            sender=opened.sender,
            code_sent=True,
            notice=t["code-sent"].format(minutes=self.service.rules.code_minutes),
        )

    async def verify(self, request: Request) -> Response:
        form = await self.form(request)
        token = self._token(request)
        code = str(form.get("code") or "")
        try:
            _, session_id, _ = await run_in_threadpool(
                self.service.verify, token, code, _client(request)
            )
        except Refused as refused:
            if refused.key not in ("wrong-code", "no-code", "locked"):
                raise
            opened = await run_in_threadpool(self.service.open, token, _client(request))
            t = words(self.language(request))
            return self.form_page(
                request,
                "pickup.html.j2",
                status=refused.status,
                token=token,
                sender=opened.sender,
                code_sent=refused.key == "wrong-code",
                error=t[refused.key],
            )
        response = RedirectResponse(f"/pickup/{token}/message", status_code=303)
        _cookie(response, SESSION_COOKIE, session_id)
        response.delete_cookie(FORM_COOKIE, path="/", secure=True, httponly=True)
        return response

    async def message(self, request: Request) -> Response:
        opened, csrf = await self._session(request)
        shown = await run_in_threadpool(self.service.view, opened.link, _client(request))
        t = words(self.language(request))
        notice = t["reply-sent"] if request.query_params.get("sent") == "1" else ""
        return self.page(
            request,
            "message.html.j2",
            csrf=csrf,
            token=self._token(request),
            shown=shown,
            sender=opened.sender,
            notice=notice,
        )

    async def download(self, request: Request) -> Response:
        opened, _ = await self._session(request)
        index = int(request.path_params["index"])
        name, data = await run_in_threadpool(
            self.service.download, opened.link, index, _client(request)
        )
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    async def reply(self, request: Request) -> Response:
        opened, csrf = await self._session(request)
        form = await self.form(request, csrf)
        await run_in_threadpool(
            self.service.reply, opened.link, str(form.get("reply") or ""), _client(request)
        )
        return RedirectResponse(f"/pickup/{self._token(request)}/message?sent=1", status_code=303)

    async def sign_out(self, request: Request) -> Response:
        _, csrf = await self._session(request)
        await self.form(request, csrf)
        session_id = request.cookies.get(SESSION_COOKIE) or ""
        await run_in_threadpool(self.service.links.close_session, session_id)
        response = RedirectResponse(f"/pickup/{self._token(request)}", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    async def renew(self, request: Request) -> Response:
        await self.form(request)
        await run_in_threadpool(self.service.renew, self._token(request), _client(request))
        t = words(self.language(request))
        return self.page(request, "home.html.j2", notice=t["new-link-sent"])

    async def revoke_page(self, request: Request) -> Response:
        token = self._token(request)
        await run_in_threadpool(self.service.sender_link, token)
        return self.form_page(request, "revoke.html.j2", token=token, done=False)

    async def revoke(self, request: Request) -> Response:
        await self.form(request)
        link = await run_in_threadpool(self.service.sender_link, self._token(request))
        await run_in_threadpool(self.service.revoke, link.held_id, link.recipient, "sender-link")
        t = words(self.language(request))
        return self.page(request, "revoke.html.j2", done=True, notice=t["revoked-done"])

    def routes(self) -> list[Route]:
        g = self.guarded
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/portal.css", self.stylesheet, methods=["GET"]),
            Route("/pickup/{token}", g(self.landing), methods=["GET"]),
            Route("/pickup/{token}/code", g(self.ask_code), methods=["POST"]),
            Route("/pickup/{token}/verify", g(self.verify), methods=["POST"]),
            Route("/pickup/{token}/message", g(self.message), methods=["GET"]),
            Route("/pickup/{token}/attachments/{index:int}", g(self.download), methods=["GET"]),
            Route("/pickup/{token}/reply", g(self.reply), methods=["POST"]),
            Route("/pickup/{token}/signout", g(self.sign_out), methods=["POST"]),
            Route("/pickup/{token}/renew", g(self.renew), methods=["POST"]),
            Route("/revoke/{token}", g(self.revoke_page), methods=["GET"]),
            Route("/revoke/{token}", g(self.revoke), methods=["POST"]),
        ]


def create_portal_app(service: PickupService) -> Starlette:
    app = Starlette(routes=PortalApp(service).routes())
    app.add_middleware(PortalHeaders)
    return app
