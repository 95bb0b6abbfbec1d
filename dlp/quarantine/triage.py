"""Review of held messages: every look and every decision goes on the audit log.

The terminal (`dlp quarantine`) and the browser (`dlp web`) both act through `Triage`, so both
leave the same record. A look (view, reveal, export) is written to the log before anything is
shown: if the log cannot be written, nothing is shown. A revealed value is never written
anywhere: the log names the finding (position, type, masked preview, digest), not its value.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from dlp.audit import AuditLog, chain_files, read_lines
from dlp.quarantine.errors import QuarantineError, StateError
from dlp.quarantine.records import Filters, HeldMessage, Status, StoredFinding

if TYPE_CHECKING:
    # Releases and notices (Jinja, S/MIME) are built by the wiring only when a command acts;
    # what only they and the views use is imported where they use it, so that a listing
    # (`queue`) imports neither them nor the store's SQLAlchemy.
    from dlp.actions.outbox import Attempt
    from dlp.delivery import DeliveryResult
    from dlp.quarantine.release import RejectNotice, Releaser
    from dlp.quarantine.reveal import ContextMask, FindingView
    from dlp.quarantine.store import QuarantineStore

MAX_NOTE = 1000


def _notice_words(attempt: Attempt) -> str:
    """What became of a reject notice, in the audit log's words ("queued": the queue retries it)."""
    from dlp.actions.outbox import Attempt

    words = {Attempt.SENT: "sent", Attempt.RETRY: "queued", Attempt.REFUSED: "undelivered"}
    return words[attempt]


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    via: str  # "cli" or "web"
    address: str = ""  # the web client's address

    def fields(self) -> dict[str, object]:
        fields: dict[str, object] = {"actor": self.name, "via": self.via}
        if self.address:
            fields["client"] = self.address
        return fields


@dataclass(frozen=True, slots=True)
class Released:
    message: HeldMessage
    result: DeliveryResult
    pending: tuple[str, ...]  # recipients still not accepted: the message stays held for them


@dataclass(frozen=True, slots=True)
class PurgeReport:
    expired: tuple[str, ...]
    failed: tuple[str, ...] = field(default=())


def _note(note: str, required: bool) -> str:
    cleaned = " ".join(note.split())
    if required and not cleaned:
        raise QuarantineError("a note is required for this action")
    if len(cleaned) > MAX_NOTE:
        raise QuarantineError(f"a note is at most {MAX_NOTE} characters")
    return cleaned


def _finding_fields(finding: StoredFinding) -> dict[str, object]:
    return {
        "position": finding.position,
        "entity_type": finding.entity_type,
        "masked": finding.masked,
        "digest": finding.digest,
    }


class Triage:
    def __init__(
        self,
        store: QuarantineStore,
        audit: AuditLog,
        releaser: Releaser | None = None,
        notice: RejectNotice | None = None,
        mask: ContextMask | None = None,
    ) -> None:
        """``mask``: the district's scanner over the text shown around findings without a
        reveal (`dlp.quarantine.wiring.context_mask`), so that names it knows are masked."""
        self.store = store
        self.audit = audit
        self.releaser = releaser
        self.notice = notice
        self.mask = mask

    # --- looks ----------------------------------------------------------------------------

    def queue(self, actor: Actor, filters: Filters) -> list[HeldMessage]:
        return audited_queue(self.store, self.audit, actor, filters)

    def view(self, actor: Actor, held_id: str) -> tuple[HeldMessage, list[FindingView]]:
        """The message's metadata and its findings in context, masked."""
        message = self.store.get(held_id)
        self.audit.append("quarantine-view", **actor.fields(), held_id=held_id)
        return message, self._views(message, reveal=False)

    def reveal(
        self, actor: Actor, held_id: str, positions: Sequence[int] | None = None
    ) -> tuple[HeldMessage, list[FindingView]]:
        """Views with the clear values of the findings at ``positions`` (all when None)."""
        message = self.store.get(held_id)
        findings = self.store.findings(held_id)
        chosen = [f for f in findings if positions is None or f.position in set(positions)]
        if not chosen:
            raise QuarantineError(f"message {held_id} has no such finding to reveal")
        self.audit.append(
            "quarantine-reveal",
            **actor.fields(),
            held_id=held_id,
            findings=[_finding_fields(finding) for finding in chosen],
        )
        return message, self._views(message, reveal={finding.position for finding in chosen})

    def _views(self, message: HeldMessage, reveal: bool | set[int]) -> list[FindingView]:
        from dlp.quarantine.reveal import FindingView, locate

        findings = self.store.findings(message.id)
        if not message.status.has_content:
            return [FindingView(finding, ()) for finding in findings]
        return locate(self.store.content(message.id), findings, reveal=reveal, mask=self.mask)

    def export(self, actor: Actor, held_id: str, reason: str = "") -> bytes:
        """The original message, as received (for legal hold or an investigation)."""
        self.store.get(held_id)
        self.audit.append(
            "quarantine-export", **actor.fields(), held_id=held_id, note=_note(reason, False)
        )
        return self.store.content(held_id)

    def history(self, held_id: str) -> list[dict[str, object]]:
        """Audit entries about one message: its gateway decision and every action since.

        Still one pass over the whole log per message page, but streamed, and only lines that
        contain the id are parsed. If the log grows too large for that, the fix is an index
        (held id -> line offsets) kept beside the log, not a bound on the scan: a bound would
        silently hide old decisions from the reviewer.
        """
        needle = held_id.encode("ascii", "replace")
        found = []
        # Rotated files too (`dlp.audit.chain_files`), oldest first: a decision is not hidden
        # from the reviewer because its file was rotated.
        lines = [
            line
            for file in chain_files(self.audit.path)
            for line in read_lines(file)
            if needle in line
        ]
        for line in lines:
            entry = json.loads(line)
            held, many = entry.get("held"), entry.get("held_ids")
            if (
                entry.get("held_id") == held_id
                or (isinstance(held, dict) and held_id in held.values())
                or (isinstance(many, list) and held_id in many)
            ):
                found.append(entry)
        return found

    # --- decisions ------------------------------------------------------------------------

    def release(
        self,
        actor: Actor,
        held_id: str,
        encrypt: bool = False,
        note: str = "",
        override: bool = False,
    ) -> Released:
        """``override``: the sender releases it (`dlp.portal.override`); ``note`` is their
        justification, and the audit and disclosure record say so."""
        from dlp.actions.disclosures import DisclosureNote

        if self.releaser is None:
            raise QuarantineError("no delivery is configured for releases")
        cleaned = _note(note, False)
        message = self.store.transition(
            held_id, [Status.HELD], Status.RELEASING, actor.name, cleaned
        )
        before = list(message.delivery.get("accepted", []))  # type: ignore[call-overload]
        pending = [address for address in message.recipients if address not in before]
        result: DeliveryResult | None = None
        try:
            raw = self.store.content(held_id)  # checks the stored hash
            note_for_record = cleaned or "released without a note"
            disclosure = DisclosureNote(
                message.decision, message.message_id, note_for_record, override
            )
            result = self.releaser.send(held_id, raw, message.sender, pending, encrypt, disclosure)
        finally:
            accepted = [*before, *(result.accepted if result else ())]
            left = tuple(a for a in message.recipients if a not in accepted)
            delivery: dict[str, object] = {
                "accepted": accepted,
                "results": [item.to_dict() for item in result.recipients] if result else [],
                "encrypted": encrypt,
                "time": int(time.time()),
            }
            final = Status.HELD if left else Status.RELEASED
            updated = self.store.transition(
                held_id, [Status.RELEASING], final, actor.name, cleaned, delivery
            )
            self.audit.append(
                "quarantine-override" if override else "quarantine-release",
                **actor.fields(),
                held_id=held_id,
                encrypted=encrypt,
                note=cleaned,
                outcome="released" if not left else ("failed" if result else "error"),
                accepted=list(result.accepted) if result else [],
                pending=list(left),
                results=[item.to_dict() for item in result.recipients] if result else [],
            )
        return Released(updated, result, left)

    def reject(self, actor: Actor, held_id: str, note: str) -> DeliveryResult | None:
        """Refuse for good and tell the sender (when a notice is configured)."""
        cleaned = _note(note, True)
        message = self.store.transition(
            held_id, [Status.HELD], Status.REJECTED, actor.name, cleaned
        )
        tried = None
        if self.notice is not None and message.sender:
            tried = self.notice.send(message, cleaned)
        self.audit.append(
            "quarantine-reject",
            **actor.fields(),
            held_id=held_id,
            note=cleaned,
            notice="not sent" if tried is None else _notice_words(tried.attempt),
        )
        return None if tried is None else tried.result

    def delete(
        self,
        actor: Actor,
        held_id: str,
        note: str = "",
        required: bool = False,
        held_only: bool = False,
    ) -> None:
        """``held_only``: refuse (`StateError`) a message already released or rejected, as a
        bulk deletion must, rather than overwrite its status."""
        cleaned = _note(note, required)
        self.store.destroy(
            held_id, actor.name, cleaned, allowed=[Status.HELD] if held_only else None
        )
        self.audit.append("quarantine-delete", **actor.fields(), held_id=held_id, note=cleaned)

    def legal_hold(self, actor: Actor, held_id: str, on: bool, note: str = "") -> HeldMessage:
        cleaned = _note(note, False)
        message = self.store.set_legal_hold(held_id, on, actor.name, cleaned)
        self.audit.append(
            "quarantine-legal-hold", **actor.fields(), held_id=held_id, on=on, note=cleaned
        )
        return message

    def not_sensitive(self, actor: Actor, held_id: str, position: int, note: str) -> StoredFinding:
        """Record a false positive: the finding's digest, for the policy's allow list."""
        cleaned = _note(note, True)
        finding = next(
            (item for item in self.store.findings(held_id) if item.position == position), None
        )
        if finding is None:
            raise QuarantineError(f"message {held_id} has no finding {position}")
        self.store.record_false_positive(
            held_id, finding.digest, finding.entity_type, actor.name, cleaned
        )
        self.audit.append(
            "quarantine-not-sensitive",
            **actor.fields(),
            held_id=held_id,
            finding=_finding_fields(finding),
            note=cleaned,
        )
        return finding

    def false_positives(self, actor: Actor) -> list[dict[str, object]]:
        """Every "not sensitive" record (digest, type, masked preview, who, when, note)."""
        found = self.store.false_positives()
        self.audit.append("quarantine-false-positives", **actor.fields(), count=len(found))
        return found

    def purge(self, actor: Actor, now: int | None = None) -> PurgeReport:
        """Destroy the bytes of every message past its retention (legal holds excepted)."""
        expired, failed = [], []
        for held_id in self.store.expired(now):
            try:
                self.store.destroy(held_id, actor.name, "retention period ended", Status.EXPIRED)
                expired.append(held_id)
            except StateError:
                failed.append(held_id)  # put under legal hold or claimed meanwhile
        self.audit.append(
            "quarantine-purge",
            **actor.fields(),
            held_ids=expired,
            skipped=failed,
            count=len(expired),
        )
        return PurgeReport(tuple(expired), tuple(failed))


class Listing(Protocol):
    """What lists held messages: the store, or the terminal's SQLite reader
    (`dlp.quarantine.sqlite_listing`), which lists without SQLAlchemy."""

    def search(self, filters: Filters | None = None) -> list[HeldMessage]: ...


def audited_queue(
    listing: Listing, audit: AuditLog, actor: Actor, filters: Filters
) -> list[HeldMessage]:
    """The held messages ``filters`` choose, the look on the audit log: `Triage.queue`, and the
    terminal's listing that reads a SQLite quarantine without the store."""
    found = listing.search(filters)
    audit.append("quarantine-list", **actor.fields(), filters=_filters(filters), count=len(found))
    return found


def _filters(filters: Filters) -> dict[str, object]:
    return {
        key: value
        for key, value in {
            "since": filters.since,
            "until": filters.until,
            "sender": filters.sender,
            "recipient": filters.recipient,
            "category": filters.category,
            "rule": filters.rule,
            "status": filters.status.value if filters.status else None,
            "message_id_digest": filters.message_id_digest,
        }.items()
        if value is not None
    }
