"""One held message: its page (findings paged, masked or revealed) and the reviewer's
decisions on it (release, reject, delete, "not sensitive"), each needing a note."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dlp.quarantine.store import NotFound, QuarantineError
from dlp.quarantine.triage import Actor
from dlp.web.accounts import Role
from dlp.web.paging import page_number, page_of
from dlp.web.webapp import NOTICES, Refused, Visitor, WebApp, route

# Findings shown on one message page: a message with 250,000 findings was 268 MB of HTML.
FINDINGS_PAGE = 200
_ID = re.compile(r"^[0-9a-f]{16}$")


class Messages:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    @route("GET", "/messages/{held_id}")
    async def message(
        self,
        request: Request,
        visitor: Visitor | None = None,
        revealed: bool = False,
        error: str = "",
        status: int = 200,
    ) -> Response:
        web = self.web
        visitor = visitor or await web.visitor(request, Role.VIEWER)
        held_id = _held_id(request)
        try:
            wanted = page_number(request.query_params, "findings")
        except ValueError as problem:
            raise Refused(400, str(problem)) from None
        actor = web.actor(request, visitor)
        if revealed:
            message, views = await run_in_threadpool(web.triage.reveal, actor, held_id)
        else:
            message, views = await run_in_threadpool(web.triage.view, actor, held_id)
        history = await run_in_threadpool(web.triage.history, held_id)
        notice = NOTICES.get(request.query_params.get("done", ""), "")
        return web.page(
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

    @route("POST", "/messages/{held_id}/reveal")
    async def reveal(self, request: Request) -> Response:
        visitor, _ = await self.web.posted(request, Role.REVIEWER)
        return await self.message(request, visitor, revealed=True)

    async def _decide(
        self, request: Request, action: Callable[[Actor, str, FormData], str]
    ) -> Response:
        web = self.web
        visitor, form = await web.posted(request, Role.REVIEWER)
        held_id = _held_id(request)
        try:
            done = await run_in_threadpool(action, web.actor(request, visitor), held_id, form)
        except NotFound:
            raise
        except QuarantineError as error:
            return await self.message(request, visitor, error=str(error), status=409)
        return RedirectResponse(f"/messages/{held_id}?done={done}", status_code=303)

    @route("POST", "/messages/{held_id}/release")
    async def release(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            note = _required_note(form)
            encrypt = form.get("mode") == "encrypted"
            released = self.web.triage.release(actor, held_id, encrypt=encrypt, note=note)
            return "release-pending" if released.pending else "released"

        return await self._decide(request, act)

    @route("POST", "/messages/{held_id}/reject")
    async def reject(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            self.web.triage.reject(actor, held_id, _required_note(form))
            return "rejected"

        return await self._decide(request, act)

    @route("POST", "/messages/{held_id}/delete")
    async def delete(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            self.web.triage.delete(actor, held_id, _required_note(form), required=True)
            return "deleted"

        return await self._decide(request, act)

    @route("POST", "/messages/{held_id}/not-sensitive")
    async def not_sensitive(self, request: Request) -> Response:
        def act(actor: Actor, held_id: str, form: FormData) -> str:
            try:
                position = int(str(form.get("position", "")))
            except ValueError:
                raise QuarantineError("which finding?") from None
            self.web.triage.not_sensitive(actor, held_id, position, _required_note(form))
            return "not-sensitive"

        return await self._decide(request, act)


def routes(web: WebApp) -> list[Route]:
    return web.routes(Messages(web))


def _held_id(request: Request) -> str:
    held_id = str(request.path_params["held_id"])
    if not _ID.match(held_id):
        raise NotFound(f"no held message {held_id!r}")
    return held_id


def _required_note(form: FormData) -> str:
    note = " ".join(str(form.get("note") or "").split())
    if not note:
        raise QuarantineError("a note is required: say why")
    return note
