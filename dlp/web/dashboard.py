"""The dashboard (``GET /dashboard``, viewers and above): held, released, rejected and
delivered-encrypted messages per day, by category, rule and clause (any of which filters the
chart); the senders most often held or refused (as digests) and the outside domains most
written to; the review queue's size and age; "not sensitive" marks by rule. Charts are SVG
made here (`charts`); each view is on the audit log, like every other look."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dlp.quarantine.stats import DAY, OUTCOMES, Filter, read_stats
from dlp.quarantine.triage import Actor, Triage
from dlp.web.accounts import Role
from dlp.web.charts import bars, stacked_bars

Handler = Callable[[Request], Awaitable[Response]]


class Site(Protocol):
    """What the dashboard needs of the web application (`dlp.web.app.WebApp`)."""

    triage: Triage

    async def visitor(self, request: Request, needed: Role) -> Any: ...

    def actor(self, request: Request, visitor: Any) -> Actor: ...

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response: ...

    def guarded(self, handler: Handler) -> Handler: ...


_NAME = re.compile(r"^[A-Za-z0-9_.\-]{0,128}$")
MAX_DAYS = 90


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * DAY:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / DAY:.1f} days"


def dashboard_routes(web: Site) -> list[Route]:
    async def dashboard(request: Request) -> Response:
        visitor = await web.visitor(request, Role.VIEWER)
        query = request.query_params
        try:
            days = int(query.get("days", "14"))
        except ValueError:
            days = 14
        days = min(MAX_DAYS, max(1, days))
        values = {key: query.get(key, "") for key in ("category", "rule", "clause")}
        if not all(_NAME.match(value) for value in values.values()):
            values = dict.fromkeys(values, "")
        where = Filter(**values)
        now = time.time()
        stats = await run_in_threadpool(read_stats, web.triage.store.engine, days, where, now)
        await run_in_threadpool(
            lambda: web.triage.audit.append(
                "dashboard-view", **web.actor(request, visitor).fields(), days=days, **values
            )
        )
        labels = [datetime.fromtimestamp(day * DAY, UTC).strftime("%m-%d") for day in stats.days]
        chart = stacked_bars(
            labels,
            {outcome: stats.series[outcome] for outcome in OUTCOMES},
            title=f"Messages per day over {days} days",
        )
        senders = bars(
            [(digest[:12], count) for digest, count in stats.top_senders],
            title="Senders most often held or refused",
        )
        domains = bars(stats.top_domains, title="Outside domains most written to")
        marks = bars(stats.false_positives, title='"Not sensitive" marks by rule')
        return web.page(
            request,
            "dashboard.html.j2",
            visitor=visitor,
            stats=stats,
            chart=chart,
            senders=senders,
            domains=domains,
            marks=marks,
            days=days,
            filters=values,
            outcomes=OUTCOMES,
            oldest=_age(now - stats.oldest_held) if stats.oldest_held is not None else "none",
        )

    return [Route("/dashboard", web.guarded(dashboard), methods=["GET"])]
