"""The disclosure record of one student (34 CFR 99.32), for reviewers: `/disclosures`.

The student is asked for in a POSTed form (an ID, or a name only one student has), never in
the URL, so it reaches neither a proxy's log nor the browser's history; it is looked up through
the roster's keyed hashes (`dlp.roster.lookup`), and only the per-person digest is used, shown
and audited after that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dlp.quarantine.disclosures import DisclosureStore
from dlp.quarantine.triage import Actor, Triage
from dlp.web.accounts import Role

Handler = Callable[[Request], Awaitable[Response]]


class WebApp(Protocol):
    """What these pages use of `dlp.web.app.WebApp` (its sign-in, forms, pages, audit)."""

    triage: Triage

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response: ...

    async def visitor(self, request: Request, needed: Role) -> Any: ...

    async def checked_form(self, request: Request, visitor: Any) -> FormData: ...

    def actor(self, request: Request, visitor: Any) -> Actor: ...

    def guarded(self, handler: Handler) -> Handler: ...


# A student's ID or name -> their roster subject digests (`dlp.roster.lookup.student_subjects`).
StudentFinder = Callable[[str], tuple[str, ...]]
MAX_QUERY = 200


def disclosure_routes(web: WebApp, students: StudentFinder | None) -> list[Route]:
    pages = _Pages(web, students)
    return [
        Route("/disclosures", web.guarded(pages.form), methods=["GET"]),
        Route("/disclosures", web.guarded(pages.lookup), methods=["POST"]),
    ]


class _Pages:
    def __init__(self, web: WebApp, students: StudentFinder | None) -> None:
        self.web = web
        self.students = students
        self.store = DisclosureStore(web.triage.store.engine)

    async def form(self, request: Request) -> Response:
        visitor = await self.web.visitor(request, Role.REVIEWER)
        return self._page(request, visitor)

    async def lookup(self, request: Request) -> Response:
        web = self.web
        visitor = await web.visitor(request, Role.REVIEWER)
        form = await web.checked_form(request, visitor)
        if self.students is None:
            return self._page(request, visitor, error="No roster is configured.", status=503)
        asked = " ".join(str(form.get("student") or "").split())[:MAX_QUERY]
        if not asked:
            return self._page(request, visitor, error="Name the student.", status=400)
        found = await run_in_threadpool(self.students, asked)
        if not found:
            return self._page(request, visitor, error="No roster student has that ID or name.")
        if len(found) > 1:
            error = f"{len(found)} roster students have that name: use the student ID."
            return self._page(request, visitor, error=error)
        (student,) = found
        entries = await run_in_threadpool(self.store.for_students, found)
        await run_in_threadpool(
            web.triage.audit.append,
            "disclosures-viewed",
            **web.actor(request, visitor).fields(),
            student=student,
            entries=len(entries),
        )
        rows = [
            {
                "time": datetime.fromtimestamp(e.time, UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "recipient": e.recipient,
                "categories": ", ".join(e.categories),
                "basis": e.basis.value,
                "detail": e.detail,
                "message_id": e.message_id,
                "roster_version": e.roster_version,
            }
            for e in entries
        ]
        return self._page(request, visitor, student=student, rows=rows)

    def _page(
        self, request: Request, visitor: object, status: int = 200, **context: object
    ) -> Response:
        return self.web.page(
            request, "disclosures.html.j2", status=status, visitor=visitor, **context
        )
