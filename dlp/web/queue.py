"""The queue page: held messages, filtered, sorted and paged."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dlp.quarantine.records import SORT_KEYS, Filters, Status
from dlp.web.accounts import Role
from dlp.web.paging import page_number
from dlp.web.webapp import Refused, WebApp, route

PAGE_SIZE = 100


class Queue:
    def __init__(self, web: WebApp) -> None:
        self.web = web

    @route("GET", "/")
    async def page(self, request: Request) -> Response:
        web = self.web
        visitor = await web.visitor(request, Role.VIEWER)
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
        messages = await run_in_threadpool(web.triage.queue, web.actor(request, visitor), filters)
        return web.page(
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


def routes(web: WebApp) -> list[Route]:
    return web.routes(Queue(web))


def _day(value: str | None) -> int | None:
    """Epoch seconds of a ``YYYY-MM-DD`` (UTC midnight) from a date field."""
    if not value:
        return None
    moment = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    return int(moment.timestamp())
