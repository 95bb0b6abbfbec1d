"""One message through the gateway: scan, decide, then act per recipient group; one reply.

Order of work, chosen so that a failure leaves the least behind to duplicate:

0. the decision on the audit log, fsynced, when the message is audited (`auditing`): if it
   cannot be written nothing has been done and the reply is 451; its outcome is recorded after
   the reply is decided and a failure there never changes the reply;
1. deliveries (plain, S/MIME, TLS-required) to the next hop: a temporary failure of any of
   them stops here and answers 451, nothing held yet (the sending MTA tries the whole message
   again; the recipients whose copies were accepted are remembered, `accepted`, and not sent
   another on that retry; none is ever lost);
   recipients whose TLS-required copy could not travel over verified TLS are held instead;
2. holds in the quarantine (`Holder.hold` returns only once the message is durable);
3. the reply: 250 when every recipient was delivered, held or refused by the policy with at
   least one delivered or held; 550 5.7.1 with the reason when the policy refused every
   recipient (``on_reject = "smtp"``); the next hop's 5xx when it refused every recipient;
4. once the reply is decided, and before it is given: the sender notice (recipients held or
   refused) and a failure report (recipients the next hop refused for good after a 250) are
   stored in the durable outbound queue; their first attempt runs in the background.

Deliveries (stamp, encrypt, deliver) and notices go through `dlp.actions.step.ActionStep`,
the step a release from the quarantine takes too.
"""

from __future__ import annotations

import asyncio
import email.header
import email.parser
import email.policy
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from dlp.actions.disclosures import DisclosureNote
from dlp.actions.headers import header_block
from dlp.actions.loopstamp import LoopStamp
from dlp.actions.mail import NoticeMail, compose, failure_report
from dlp.actions.notify import message_links
from dlp.actions.outbox import Deliver, QueuedMail, Tried
from dlp.actions.step import ActionStep, Encryptor, Sent
from dlp.audit import AuditLog
from dlp.delivery import Outcome, RecipientResult
from dlp.identifiers import mask_message_id
from dlp.model import ScanResult, Unscannable, UnscannableReason
from dlp.pipeline import MESSAGE_LOCATION
from dlp.policy import Decision, Verdict
from dlp.policy.decision import Encryption
from dlp.policy.expression import SENDER_STUDENTS_24H
from dlp.portal.deposit import Deposited, PickupDrop
from dlp.portal.override import OverrideOffer
from smtp_gateway import replies
from smtp_gateway.accepted import AcceptedCopies
from smtp_gateway.auditing import MessageAudit
from smtp_gateway.checking import Ask, Checked, DecisionRules
from smtp_gateway.config import PolicyBundle
from smtp_gateway.holding import FolderHolder, Holder
from smtp_gateway.logs import log_event, log_message
from smtp_gateway.metrics import Metrics
from smtp_gateway.observers import Decided, Observer
from smtp_gateway.options import RejectStyle, RelayOptions, ScanFailure
from smtp_gateway.scanning import Saturated, ScanFailed
from smtp_gateway.xforward import Client

log = logging.getLogger("smtp_gateway.relay")

# Scans and decides one message within the scan time limit (`ScanPool.check`).
Check = Callable[[bytes, Ask, DecisionRules], Awaitable[Checked]]


@dataclass(frozen=True, slots=True)
class Message:
    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    peer: str = ""
    client: Client | None = None  # who the MTA in front received it from (XFORWARD)
    id: str = field(default_factory=lambda: secrets.token_hex(8))


_DEFAULT_OPTIONS = RelayOptions()


@dataclass(slots=True)
class _Outcome:
    """What became of each recipient, filled in as the groups are handled."""

    delivered: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # address -> quarantine id
    refused: list[str] = field(default_factory=list)  # by the policy
    failed: list[RecipientResult] = field(default_factory=list)  # permanently, by the next hop
    temporary: list[RecipientResult] = field(default_factory=list)
    hold_failed: bool = False
    before: list[str] = field(default_factory=list)  # had their copy from an earlier attempt

    def store_failed(self, addresses: Sequence[str]) -> None:
        """The quarantine could not take their copy (a hold, a pickup deposit): put off."""
        self.hold_failed = True
        self.temporary.extend(
            RecipientResult(a, Outcome.TEMPORARY, 0, "quarantine unavailable") for a in addresses
        )


@dataclass(slots=True)
class _Attempt:
    """One message's pass through `Relay._act` and `Relay._finish`."""

    message: Message
    bundle: PolicyBundle
    decision: Decision
    scan: ScanResult
    message_id: str
    record: dict[str, object]
    # Filled in by `_act` as it goes, so that whatever fails after a delivery, the
    # recipients that have their copy are known when the sender tries again.
    outcome: _Outcome = field(default_factory=_Outcome)

    def disclosure(self) -> DisclosureNote | None:
        """What a delivered copy discloses, for the per-student record; None when nothing."""
        if self.decision.disclosure is None:
            return None
        return DisclosureNote(self.decision.to_dict(), self.message_id)

    def stored(
        self, recipients: Sequence[str]
    ) -> tuple[bytes, str, tuple[str, ...], Decision, ScanResult, str]:
        """What the quarantine stores for ``recipients``: the arguments of `Holder.hold`, the
        first ones of `PickupDrop.deposit`."""
        message = self.message
        message_id = self.message_id or f"<{message.id}@dlp-gateway>"
        return message.raw, message.sender, tuple(recipients), self.decision, self.scan, message_id


def _headers(raw: bytes) -> tuple[str, str, str]:
    """Subject, Message-ID and From, from the header block only."""
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        header_block(raw)
    )

    def text(name: str) -> str:
        value = parsed.get(name)
        if value is None:
            return ""
        try:
            return str(email.header.make_header(email.header.decode_header(str(value))))
        except (ValueError, LookupError, UnicodeError):
            return str(value)

    return text("Subject"), text("Message-ID").strip(), text("From").strip()


def _reason(decision: Decision, message: Message) -> str:
    """The human-readable part of a 550 5.7.1: the first refusing rule, in the policy's words."""
    for verdict in decision.per_recipient.values():
        for rule in verdict.rules:
            if rule.verdict is Verdict.REJECT:
                clauses = ", ".join(rule.clauses)
                text = rule.explanation.split(" Found:")[0]
                return replies.one_line(
                    f"Refused by the district's data protection policy: {text} "
                    f"({clauses}; rule {rule.name}; ref {message.id})"
                )
    return f"Refused by the district's data protection policy (ref {message.id})"


class Relay:
    def __init__(
        self,
        *,
        bundle: PolicyBundle,
        check: Check,
        deliver: Deliver,
        holder: Holder,
        executor: Executor,
        metrics: Metrics,
        audit: AuditLog | None = None,
        options: RelayOptions = _DEFAULT_OPTIONS,
        accepted: AcceptedCopies | None = None,
        step: ActionStep | None = None,
        loop_stamp: LoopStamp | None = None,
        portal: PickupDrop | None = None,
        observers: Sequence[Observer] = (),
    ) -> None:
        self.bundle = bundle  # replaced whole by a reload; each message reads it once
        self._check = check
        self.holder = holder
        self.executor = executor
        self.metrics = metrics
        self.audit = audit
        self.options = options
        self.accepted = accepted if accepted is not None else AcceptedCopies()
        # Stamp, encrypt, deliver, notify: the step a release takes too (`dlp.actions.step`).
        self.step = step if step is not None else ActionStep(deliver)
        self.loop_stamp = loop_stamp  # X-DLP-Scanned on every copy (`dlp.actions.loopstamp`)
        self.portal = portal  # encrypted delivery by pickup (`dlp.portal`); None: held instead
        self.background: set[asyncio.Task[None]] = set()
        # Told of each decided message: alerts, SIEM events, the decisions table (`observers`).
        self.observers = list(observers)
        # The sender's students over the last day (`dlp.quarantine.decisions`), for the
        # policy's `sender.students_24h`; None: always none.
        self.sender_history: Callable[[str], Awaitable[frozenset[str]]] | None = None
        # The sender's own release link in the notice (`dlp.portal.override`); None: never.
        self.override_offer: OverrideOffer | None = None
        self._audit = None if audit is None else MessageAudit(audit, self._run, self.background)

    async def _run(self, function: Callable[..., object], *args: object) -> object:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def process(self, message: Message) -> str:
        started = time.monotonic()
        self.metrics.in_flight.inc()
        record: dict[str, object] = {
            "id": message.id,
            "peer": message.peer,
            **({"client": message.client.to_dict()} if message.client else {}),
            "sender": message.sender,
            "size": len(message.raw),
            "recipients": len(message.recipients),
        }
        try:
            reply = await self._process(message, record)
            if not reply.startswith("4"):
                # Done with these recipients: a later retry of theirs would be a new message.
                self.accepted.forget(message.sender, message.raw, message.recipients)
        except Exception as error:
            # Anything unforeseen: the sending MTA keeps the message.
            log.exception("message %s failed", message.id)
            record["error"] = type(error).__name__
            reply = replies.TRY_LATER_SCAN
        finally:
            self.metrics.in_flight.dec()
        elapsed = time.monotonic() - started
        self.metrics.message_seconds.observe(elapsed)
        outcome = {"2": "accepted", "4": "tempfail", "5": "rejected"}.get(reply[:1], "other")
        if reply == replies.BUSY:
            outcome = "busy"
        self.metrics.messages.labels(outcome).inc()
        record["reply"] = reply[:3]
        record["outcome"] = outcome
        record.setdefault("timings_ms", {})
        timings = record["timings_ms"]
        assert isinstance(timings, dict)
        timings["total"] = round(elapsed * 1000, 1)
        log_message(record)
        return reply

    async def _process(self, message: Message, record: dict[str, object]) -> str:
        bundle = self.bundle
        record["policy_version"] = bundle.version
        timings: dict[str, float] = {}
        record["timings_ms"] = timings
        subject, message_id, header_from = _headers(message.raw)
        record["message_id"] = mask_message_id(message_id)
        started = time.monotonic()
        ask = Ask(
            message.sender,
            message.recipients,
            subject_tag_present=bundle.policy.encryption.tag_in(subject),
            sender_students=await self._sender_students(message.sender, bundle),
            header_from=header_from,
        )
        try:
            checked = await self._check(message.raw, ask, bundle.rules)
        except Saturated:
            self.metrics.scan_failures.labels("saturated").inc()
            return replies.BUSY
        except ScanFailed as failure:
            self.metrics.scan_failures.labels(failure.kind).inc()
            record["scan_failure"] = failure.kind
            if self.options.on_scan_failure is ScanFailure.TEMPFAIL:
                return replies.TRY_LATER_SCAN
            reason = (
                UnscannableReason.TIMEOUT
                if failure.kind == "timeout"
                else UnscannableReason.CORRUPT
            )
            scan = ScanResult(
                unscannable=(Unscannable(MESSAGE_LOCATION, reason, f"scan {failure.kind}"),)
            )
            checked = Checked.of(scan, ask, bundle.rules)  # nothing found: quick on the loop
        scan, decision = checked.scan, checked.decision
        # From here on only the masked Message-ID is written anywhere (log, audit, quarantine).
        message_id = scan.message_id.masked if scan.message_id else mask_message_id(message_id)
        record["message_id"] = message_id
        scan_seconds = time.monotonic() - started
        self.metrics.scan_seconds.observe(scan_seconds)
        timings["scan"] = round(scan_seconds * 1000, 1)

        record["findings"] = {s.entity_type: s.count for s in decision.findings}
        if scan.beyond_cap:
            record["beyond_cap"] = dict(scan.beyond_cap)  # those counts are lower bounds
        record["unscannable"] = len(scan.unscannable)
        record["verdicts"] = {
            address: verdict.verdict.value for address, verdict in decision.per_recipient.items()
        }
        for verdict in decision.per_recipient.values():
            self.metrics.recipients.labels(verdict.verdict.value).inc()

        started = time.monotonic()
        attempt = _Attempt(message, bundle, decision, scan, message_id, record)
        decision_seq = await self._audit_decision(attempt)  # before any action; raises: 451
        try:
            await self._act(attempt)
            timings["act"] = round((time.monotonic() - started) * 1000, 1)
            reply = await self._finish(attempt)
        except BaseException:
            self._remember(message, attempt.outcome)
            raise
        if decision_seq is not None:
            await self._audit_outcome(attempt, decision_seq, reply)  # never raises
        if self.observers:
            outcome = attempt.outcome
            decided = Decided(
                decision,
                message.id,
                attempt.message_id,
                dict(outcome.held),
                tuple(outcome.refused),
                tuple(outcome.delivered),
                reply,
                bundle.version,
                time.time(),
                attempt.scan,
            )
            for observer in self.observers:
                try:
                    await observer.decided(decided)
                except Exception as error:  # the copies are out: a 4xx now would duplicate them
                    log_event(
                        "observer-failed",
                        logging.ERROR,
                        id=message.id,
                        observer=type(observer).__name__,
                        error=type(error).__name__,
                    )
        return reply

    async def _sender_students(self, sender: str, bundle: PolicyBundle) -> frozenset[str]:
        """The sender's students sent outside over 24 hours, when a rule asks for
        `sender.students_24h`; none (logged) when the database cannot say."""
        if self.sender_history is None or not sender:
            return frozenset()
        if not any(SENDER_STUDENTS_24H in rule.names for rule in bundle.policy.rules):
            return frozenset()
        try:
            found = await self.sender_history(sender)
        except Exception as error:
            log_event("sender-history-unavailable", logging.ERROR, error=type(error).__name__)
            return frozenset()
        assert isinstance(found, frozenset)
        return found

    async def _audit_decision(self, attempt: _Attempt) -> int | None:
        """The decision's audit entry, durable before any copy goes out (`MessageAudit`);
        None when this message is not audited."""
        decision = attempt.decision
        clean = attempt.scan.is_clean and all(
            verdict.intended is Verdict.DELIVER for verdict in decision.per_recipient.values()
        )
        if self._audit is None or (clean and not self.options.audit_clean_messages):
            return None
        fields = decision.audit_fields(attempt.message_id)
        fields["gateway_id"] = attempt.message.id
        if attempt.scan.message_id is not None:
            fields["message_id_digest"] = attempt.scan.message_id.digest
        if attempt.message.client is not None:
            fields["client"] = attempt.message.client.to_dict()
        fields["policy_version"] = attempt.bundle.version
        return await self._audit.decision(fields)

    async def _audit_outcome(self, attempt: _Attempt, decision_seq: int, reply: str) -> None:
        assert self._audit is not None
        outcome = attempt.outcome
        await self._audit.outcome(
            {
                "gateway_id": attempt.message.id,
                "message_id": attempt.message_id,
                "decision_seq": decision_seq,
                "delivered": list(outcome.delivered),
                "held": dict(outcome.held),
                "refused": list(outcome.refused),
                "refused_by_next_hop": [item.to_dict() for item in outcome.failed],
                "put_off": [item.to_dict() for item in outcome.temporary],
                "accepted_before": list(outcome.before),
                "reply": reply[:3],
            }
        )

    def _remember(self, message: Message, outcome: _Outcome) -> None:
        """Before a 4xx: who already has a copy (delivered or held) of this very message."""
        self.accepted.remember(
            message.sender, message.raw, [*outcome.delivered, *outcome.held, *outcome.before]
        )

    async def _finish(self, attempt: _Attempt) -> str:
        """The reply, once every recipient was acted on."""
        message, bundle, decision = attempt.message, attempt.bundle, attempt.decision
        message_id, record, outcome = attempt.message_id, attempt.record, attempt.outcome
        if outcome.held:
            record["held"] = outcome.held
        if outcome.before:
            record["accepted_before"] = outcome.before
        if outcome.temporary:
            record["next_hop"] = [item.to_dict() for item in outcome.temporary]
            self._remember(message, outcome)
            return replies.TRY_LATER_HOLD if outcome.hold_failed else replies.TRY_LATER_NEXT_HOP
        if outcome.failed:
            record["refused_by_next_hop"] = [item.to_dict() for item in outcome.failed]

        if not outcome.delivered and not outcome.held and not outcome.before:
            if outcome.refused and self.options.on_reject is RejectStyle.SMTP:
                return replies.POLICY_REJECT.format(reason=_reason(decision, message))
            if outcome.failed and not outcome.refused:
                first = outcome.failed[0]
                code = first.code if 500 <= first.code < 600 else 554
                return replies.one_line(f"{code} {first.detail or 'refused by the next hop'}")
        await self._notify(message, bundle, decision, message_id, outcome)
        return replies.QUEUED.format(id=message.id)

    async def _act(self, attempt: _Attempt) -> None:
        """Deliveries group by group, then the holds (see the module's order of work)."""
        message, bundle, decision = attempt.message, attempt.bundle, attempt.decision
        outcome = attempt.outcome
        groups = sorted(decision.groups().items(), key=lambda item: item[0][0].rank)
        to_hold: list[str] = []
        # Recipients that have their copy (delivered or held) from an earlier attempt at this
        # very message, answered 4xx: the sender's retry does not give them a second one.
        already = self.accepted.already(message.sender, message.raw)
        if already:
            outcome.before.extend(a for a in message.recipients if a in already)
        for (verdict, encryption), group in groups:
            if verdict is Verdict.REJECT:
                outcome.refused.extend(group)
                continue
            addresses = [address for address in group if address not in already]
            if not addresses:
                continue
            if verdict is Verdict.QUARANTINE or (
                encryption is Encryption.PORTAL and self.portal is None
            ):
                to_hold.extend(addresses)
                continue
            if encryption is Encryption.PORTAL:
                if not await self._deposit(attempt, addresses):
                    return
                continue
            fields = [
                ("X-DLP-Verdict", verdict.value),
                ("X-DLP-Policy-Version", bundle.version),
                ("X-DLP-Id", message.id),
            ]
            if self.loop_stamp is not None:
                fields.append(self.loop_stamp.field(message.id, addresses))
            rules = sorted({r.name for a in addresses for r in decision.per_recipient[a].rules})
            if rules:
                fields.append(("X-DLP-Rules", ", ".join(rules)))
            encryptor = Encryptor(bundle.certificates, bundle.policy.encryption.neutral_subject)
            sent = await self._run(
                self.step.send,
                message.raw,
                message.sender,
                addresses,
                fields,
                encryption,
                encryptor,
                message.client.attributes() if message.client is not None else None,
                attempt.disclosure(),
            )
            assert isinstance(sent, Sent)
            if sent.unsent:
                # A certificate that vanished or cannot be used: hold, never send in clear.
                log_event("encryption-failed", logging.WARNING, id=message.id, error=sent.reason)
                to_hold.extend(sent.unsent)
            for item in sent.result.recipients:
                if item.outcome is Outcome.ACCEPTED:
                    outcome.delivered.append(item.address)
                elif item.tls_refused:
                    self.metrics.next_hop_errors.labels("tls").inc()
                    to_hold.append(item.address)
                elif item.outcome is Outcome.PERMANENT:
                    self.metrics.next_hop_errors.labels("permanent").inc()
                    outcome.failed.append(item)
                else:
                    self.metrics.next_hop_errors.labels("temporary").inc()
                    outcome.temporary.append(item)
            if outcome.temporary:
                return
        if to_hold:
            try:
                held = await self._run(self.holder.hold, *attempt.stored(to_hold))
            except Exception as error:
                log_event("hold-failed", logging.ERROR, id=message.id, error=type(error).__name__)
                outcome.store_failed(to_hold)
                return
            for address in to_hold:
                outcome.held[address] = str(held)

    async def _deposit(self, attempt: _Attempt, addresses: list[str]) -> bool:
        """Sealed for pickup on the portal, the notices queued (`dlp.portal.deposit`): those
        recipients count as delivered. False (with them put off) when the store failed."""
        assert self.portal is not None
        message, outcome = attempt.message, attempt.outcome
        try:
            deposited = await self._run(self.portal.deposit, *attempt.stored(addresses), message.id)
        except Exception as error:
            log_event("portal-failed", logging.ERROR, id=message.id, error=type(error).__name__)
            outcome.store_failed(addresses)
            return False
        assert isinstance(deposited, Deposited)
        outcome.delivered.extend(addresses)
        portal = attempt.record.setdefault("portal", {})
        assert isinstance(portal, dict)
        portal.update(dict.fromkeys(addresses, deposited.held_id))
        for entry in deposited.queued:
            task = asyncio.get_running_loop().create_task(self._attempt(entry))
            self.background.add(task)
            task.add_done_callback(self.background.discard)
        return True

    async def _notify(
        self,
        message: Message,
        bundle: PolicyBundle,
        decision: Decision,
        message_id: str,
        outcome: _Outcome,
    ) -> None:
        """Queue the sender's notices (durably: this runs after every delivery and hold, and
        before the reply); their first attempt runs in the background."""
        if not message.sender or not self.options.notify_sender:
            return  # never answer a bounce
        mails: list[NoticeMail] = []
        if outcome.held or outcome.refused or decision.intended_blocked:
            try:
                links = (
                    message_links(self.options.public_url, outcome.held)
                    if not isinstance(self.holder, FolderHolder)  # no page for a folder's file
                    else {}
                )
                notice = bundle.renderer.render(decision, bundle.policy, message_id, links)
            except ValueError as error:
                log_event("notice-failed", logging.ERROR, id=message.id, error=str(error))
                notice = None
            if notice is not None:
                body = notice.body + await self._override_paragraph(message, decision, outcome)
                data = compose(bundle.notice_from, message.sender, notice.subject, body, message_id)
                mails.append(NoticeMail(message.sender, data, "notice", message.id))
        if outcome.failed:
            subject, body = failure_report(message_id, outcome.failed)
            data = compose(bundle.notice_from, message.sender, subject, body, message_id)
            mails.append(NoticeMail(message.sender, data, "failure-report", message.id))
        if not mails:
            return
        queued = await self._run(self.step.queue, mails)
        assert isinstance(queued, list)
        for entry in queued:
            task = asyncio.get_running_loop().create_task(self._attempt(entry))
            self.background.add(task)
            task.add_done_callback(self.background.discard)

    async def _override_paragraph(
        self, message: Message, decision: Decision, outcome: _Outcome
    ) -> str:
        """The notice's override link, when every holding rule allows one; "" otherwise (and
        when the link cannot be stored: the notice goes without it)."""
        offer = self.override_offer
        held_ids = set(outcome.held.values())
        if offer is None or len(held_ids) != 1 or outcome.refused:
            return ""
        try:
            url = await self._run(
                offer.offer,
                held_ids.pop(),
                message.sender,
                decision.to_dict(),
                tuple(outcome.held),
            )
        except Exception as error:
            log_event(
                "override-link-failed", logging.ERROR, id=message.id, error=type(error).__name__
            )
            return ""
        return offer.paragraph(url) if isinstance(url, str) else ""

    async def _attempt(self, entry: QueuedMail) -> None:
        tried = await self._run(self.step.attempt, entry)
        assert isinstance(tried, Tried)
        self.metrics.notices.labels(tried.attempt.value).inc()
