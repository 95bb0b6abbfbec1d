"""The accounts page (administrators only): add or change an account, disable one. A saved
or disabled account's sessions end, so a new password or role takes effect at once."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dlp.quarantine.store import NotFound
from dlp.web.accounts import AccountError, Role
from dlp.web.webapp import NOTICES, Visitor, WebApp, route


class AccountPages:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    @route("GET", "/accounts")
    async def page(
        self, request: Request, visitor: Visitor | None = None, error: str = "", status: int = 200
    ) -> Response:
        web = self.web
        visitor = visitor or await web.visitor(request, Role.ADMIN)
        accounts = await run_in_threadpool(web.accounts.list)
        return web.page(
            request,
            "accounts.html.j2",
            status=status,
            visitor=visitor,
            accounts=accounts,
            roles=[role.value for role in Role],
            error=error,
            notice=NOTICES.get(request.query_params.get("done", ""), ""),
        )

    @route("POST", "/accounts")
    async def save(self, request: Request) -> Response:
        web = self.web
        visitor, form = await web.posted(request, Role.ADMIN)
        username = str(form.get("username") or "")
        try:
            role = Role(str(form.get("role") or ""))
            await run_in_threadpool(
                web.accounts.put, username, str(form.get("password") or ""), role
            )
        except (AccountError, ValueError) as error:
            return await self.page(request, visitor, str(error), 400)
        web.sessions.drop_user(username)  # a new password or role: sign in again
        await run_in_threadpool(
            web.triage.audit.append,
            "account-saved",
            **web.actor(request, visitor).fields(),
            username=username,
            role=role.value,
        )
        return RedirectResponse("/accounts?done=account-saved", status_code=303)

    @route("POST", "/accounts/disable")
    async def disable(self, request: Request) -> Response:
        web = self.web
        visitor, form = await web.posted(request, Role.ADMIN)
        username = str(form.get("username") or "")
        if username == visitor.user.username:
            return await self.page(request, visitor, "you cannot disable yourself", 400)
        if not await run_in_threadpool(web.accounts.disable, username, True):
            raise NotFound(f"no account {username!r}")
        web.sessions.drop_user(username)
        await run_in_threadpool(
            web.triage.audit.append,
            "account-disabled",
            **web.actor(request, visitor).fields(),
            username=username,
        )
        return RedirectResponse("/accounts?done=account-disabled", status_code=303)


def routes(web: WebApp) -> list[Route]:
    return web.routes(AccountPages(web))
