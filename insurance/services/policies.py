"""Quotes, issuance (single and cart batches), and the policy lifecycle."""

from __future__ import annotations

import calendar
import dataclasses
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django_guid import set_guid

from config import clock
from config.errors import ApplicationError, ConflictError
from config.transitions import status_event, status_move
from fraud.selectors import claimant_trust_levels, claimant_trust_levels_from, claimant_trust_rows
from insurance.models import (
    POLICY_TRANSITIONS,
    CoverEnd,
    CoverStart,
    IdempotencyRecord,
    LedgerTransfer,
    Merchant,
    Policy,
    PolicyEvent,
    PolicyStatus,
    Quote,
    RefundRule,
    TransferKind,
    WebhookEventType,
)
from insurance.money import has_minor_unit_precision, money_text, prorate
from insurance.rating import Price, RatingInputs, distance_band, price
from insurance.selectors import (
    ProductOffer,
    product_offer_for,
    quote_get_for_merchant,
    risk_histories,
    risk_histories_from,
    risk_profile_rows,
)
from insurance.services.ledger import (
    claim_journal_ref,
    ledger_post,
    ledger_transfer,
    policy_journal_ref,
)
from insurance.services.rows import (
    Statement,
    query_statement,
    rows_execute,
    rows_insert,
    rows_statement,
)
from insurance.services.webhooks import webhook_events_emit

REGION_PATTERN = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}(/[\w .'-]{1,40})?$", re.IGNORECASE)
HISTORY_INPUTS = {
    "buyer_return_rate",
    "buyer_claim_rate",
    "merchant_return_rate",
    "merchant_claim_rate",
}


@dataclass(frozen=True)
class CoverRequest:
    """What a checkout sends to price cover (already type-checked by the API layer)."""

    product: str
    buyer_ref: str = ""
    currency: str = ""
    order_value: Decimal | None = None
    deposit_amount: Decimal | None = None
    term_months: int | None = None
    category: str = ""
    buyer_region: str = ""
    seller_region: str = ""
    transit_days: int | None = None


@dataclass(frozen=True)
class BindRequest:
    """One policy to issue: from a held quote, or priced now from `cover`."""

    order_ref: str
    quote_id: str | None = None
    cover: CoverRequest | None = None


@dataclass(frozen=True)
class History:
    """What the platform knows of the buyers of one request: loaded once for a whole cart."""

    rates: dict[str, dict[str, Decimal]]
    trust: dict[str, int]

    @classmethod
    def load(cls, merchant: Merchant, requests: list[CoverRequest]) -> History:
        buyer_refs = {request.buyer_ref for request in requests}
        if not buyer_refs:
            return cls(rates={}, trust={})
        return cls(
            rates=risk_histories(buyer_refs=buyer_refs, merchant=merchant),
            trust=claimant_trust_levels(claimant_refs=buyer_refs),
        )


def _field_error(code: str, field: str, message: str) -> ApplicationError:
    return ApplicationError(code, message, fields={field: [message]})


def _term_months(product, requested: int | None) -> int:
    """The term a quote asks for; a product sold for one term needs no input."""
    allowed = product.term_months_allowed
    if requested is None and len(allowed) == 1:
        return allowed[0]
    if requested not in allowed:
        raise _field_error("invalid_term", "term_months", f"term_months must be one of {allowed}.")
    return requested


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _rating_inputs(
    offer: ProductOffer, merchant: Merchant, request: CoverRequest, history: History
) -> RatingInputs:
    """Check the request against the product and gather every value its factors read."""
    terms, product = offer.terms, offer.product
    if request.currency and request.currency != terms.currency:
        raise _field_error(
            "currency_mismatch",
            "currency",
            f"{product.code} is sold in {terms.currency}, not {request.currency}.",
        )
    exposure_field = product.exposure
    for field in (exposure_field, *product.required_inputs):
        if getattr(request, field) in (None, ""):
            raise _field_error("missing_input", field, f"{field} is required for {product.code}.")
    exposure_amount = getattr(request, exposure_field)
    if not has_minor_unit_precision(exposure_amount, terms.currency):
        raise _field_error(
            "amount_precision",
            exposure_field,
            f"{exposure_field} has more decimals than {terms.currency} amounts have.",
        )
    if exposure_amount <= 0 or exposure_amount > terms.max_exposure:
        raise _field_error(
            "amount_out_of_range",
            exposure_field,
            f"{exposure_field} must be above 0 and at most {terms.max_exposure}.",
        )
    used = {spec["input"] for spec in terms.rating_factors}
    values: dict = {"category": request.category}
    if product.term_months_allowed:
        term = _term_months(product, request.term_months)
        values["term_months"] = str(term)
    if "distance_band" in used or terms.cover_rule == "distance_band":
        seller_region = request.seller_region or merchant.region
        for field, region in (
            ("buyer_region", request.buyer_region),
            ("seller_region", seller_region),
        ):
            if not REGION_PATTERN.match(region or ""):
                raise _field_error(
                    "invalid_region", field, f"{field} must look like CN-ZJ or CN-ZJ/Hangzhou."
                )
        values["distance_band"] = distance_band(request.buyer_region, seller_region)
    if "transit_days" in used:
        values["transit_days"] = Decimal(
            request.transit_days if request.transit_days is not None else 1
        )
    if used & HISTORY_INPUTS:
        values.update(history.rates[request.buyer_ref])
    if "trust_level" in used:
        values["trust_level"] = Decimal(history.trust[request.buyer_ref])
    return RatingInputs(exposure_amount=exposure_amount, values=values)


def _priced(
    merchant: Merchant, request: CoverRequest, history: History
) -> tuple[ProductOffer, Price, dict]:
    offer = product_offer_for(merchant=merchant, code=request.product)
    inputs = _rating_inputs(offer, merchant, request, history)
    stored_inputs = {
        field.name: (str(v) if isinstance(v, Decimal) else v)
        for field in dataclasses.fields(request)
        if (v := getattr(request, field.name)) not in (None, "")
    }
    if "term_months" in inputs.values:  # the term the cover runs for, also when implied
        stored_inputs["term_months"] = int(inputs.values["term_months"])
    return offer, price(offer.terms, inputs), stored_inputs


def quote_create(*, merchant: Merchant, request: CoverRequest) -> Quote:
    offer, priced, stored_inputs = _priced(merchant, request, History.load(merchant, [request]))
    return Quote.objects.create(
        merchant=merchant,
        product=offer.product,
        inputs=stored_inputs,
        currency=priced.currency,
        exposure_amount=Decimal(priced.breakdown["exposure"]),
        premium=priced.premium,
        cover=priced.cover,
        rating=priced.breakdown,
        payer=offer.payer,
        claim_window_hours=offer.claim_window_hours,
        expires_at=clock.now() + timedelta(seconds=offer.product.quote_ttl_seconds),
    )


def _policy_from(merchant: Merchant, bind: BindRequest, now: datetime, history: History) -> Policy:
    """An unsaved policy for one bind request; raises ApplicationError if it cannot be issued."""
    if bind.quote_id is not None:
        quote = quote_get_for_merchant(merchant=merchant, quote_id=bind.quote_id)
        if quote.expires_at <= now:
            raise ConflictError(
                "quote_expired",
                f"Quote {quote.pk} expired at {quote.expires_at.isoformat()}; ask for a new quote.",
            )
        product, inputs, rating = quote.product, quote.inputs, quote.rating
        premium, cover, currency = quote.premium, quote.cover, quote.currency
        exposure_amount, payer, window = (
            quote.exposure_amount,
            quote.payer,
            quote.claim_window_hours,
        )
    else:
        offer, priced, inputs = _priced(merchant, bind.cover, history)
        product, rating = offer.product, priced.breakdown
        premium, cover, currency = priced.premium, priced.cover, priced.currency
        exposure_amount = Decimal(priced.breakdown["exposure"])
        payer, window = offer.payer, offer.claim_window_hours
        quote = None
    cover_starts_at, cover_ends_at = None, now + timedelta(days=product.max_cover_days)
    if product.cover_starts == CoverStart.ISSUANCE:
        cover_starts_at, cover_ends_at = _cover_period(product, inputs, start=now)
    return Policy(
        merchant=merchant,
        product=product,
        quote=quote,
        order_ref=bind.order_ref,
        buyer_ref=inputs.get("buyer_ref", ""),
        payer=payer,
        status=PolicyStatus.ACTIVE,
        currency=currency,
        exposure_amount=exposure_amount,
        premium=premium,
        cover=cover,
        inputs=inputs,
        rating=rating,
        claim_window_hours=window,
        cover_starts_at=cover_starts_at,
        cover_ends_at=cover_ends_at,
        issued_at=now,  # given, not defaulted: a default calls the clock once per row
    )


def _cover_period(product, inputs: dict, *, start: datetime) -> tuple[datetime, datetime]:
    """Cover from `start`: for its term, or until the order completes (at the longest
    max_cover_days after issuance, which the caller's end already holds for order cover)."""
    if product.cover_ends == CoverEnd.TERM:
        return start, _add_months(start, int(inputs["term_months"]))
    return start, start + timedelta(days=product.max_cover_days)


def policy_cover_start(*, policy: Policy, at: datetime, actor: str, reason: str) -> None:
    """The event the product's cover waits for happened: cover runs from `at` (caller's
    transaction, holding the policy's row lock). An order cover keeps its backstop end."""
    starts_at, ends_at = _cover_period(policy.product, policy.inputs, start=at)
    if policy.product.cover_ends != CoverEnd.TERM:
        ends_at = policy.cover_ends_at
    Policy.objects.filter(pk=policy.pk).update(cover_starts_at=starts_at, cover_ends_at=ends_at)
    policy.cover_starts_at, policy.cover_ends_at = starts_at, ends_at
    policy_note(policy=policy, actor=actor, reason=reason)


def policy_note(*, policy: Policy, actor: str, reason: str) -> None:
    """An event row for a change that keeps the status (cover starts, a claim event)."""
    status_event(row=policy, event_model=PolicyEvent, actor=actor, reason=reason)


def _covers(binds: list[BindRequest]) -> list[CoverRequest]:
    """The cover requests to price now (binds of a held quote are priced already)."""
    return [bind.cover for bind in binds if bind.cover is not None]


def _conflicts(merchant: Merchant, policies: list[Policy]) -> dict[int, ApplicationError]:
    """Items that would break a uniqueness rule, by index: a second policy for an order and
    product (in the database or earlier in the same batch), or a quote bound twice."""
    errors: dict[int, ApplicationError] = {}
    order_refs = {p.order_ref for p in policies}
    taken = set(
        Policy.objects.filter(merchant=merchant, order_ref__in=order_refs).values_list(
            "order_ref", "product_id"
        )
    )
    quote_ids = [p.quote_id for p in policies if p.quote_id]
    bound = set(Policy.objects.filter(quote_id__in=quote_ids).values_list("quote_id", flat=True))
    for index, policy in enumerate(policies):
        if (policy.order_ref, policy.product_id) in taken:
            errors[index] = ConflictError(
                "policy_already_issued",
                f"A {policy.product.code} policy for order {policy.order_ref!r} was already "
                "issued.",
            )
        elif policy.quote_id in bound:
            errors[index] = ConflictError(
                "quote_already_bound", f"Quote {policy.quote_id} is already bound to a policy."
            )
        taken.add((policy.order_ref, policy.product_id))
        if policy.quote_id:
            bound.add(policy.quote_id)
    return errors


def _policy_payload(policy: Policy) -> dict:
    return {
        "policy_id": policy.pk,
        "product": policy.product.code,
        "order_ref": policy.order_ref,
        "status": policy.status,
        "premium": money_text(policy.premium, policy.currency),
        "cover": money_text(policy.cover, policy.currency),
        "currency": policy.currency,
    }


def _unique_violation(refused: list[Policy], policies: list[Policy]) -> ConflictError:
    """The conflict a unique index reported when another request got there first."""
    quote_ids = [p.quote_id for p in refused if p.quote_id]
    if quote_ids and Policy.objects.filter(quote_id__in=quote_ids).exists():
        return ConflictError("quote_already_bound", "This quote is already bound to a policy.")
    what = (
        f"order {policies[0].order_ref!r} and {policies[0].product.code}"
        if len(policies) == 1
        else "one of these orders and products"
    )
    return ConflictError("policy_already_issued", f"A policy for {what} was already issued.")


def _unique_key(policy: Policy) -> tuple:
    return (policy.merchant_id, policy.order_ref, policy.product_id)


def _policy_ids_statement(count: int) -> Statement:
    return Statement(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [Policy._meta.db_table, count],
        returning=True,
    )


def _policy_ids_allocate(policies: list[Policy]) -> None:
    """Give the policies without one their ids before they are written, in their order (a
    cart's ids follow its items), so that their rows can go in the order of their unique key
    and every row and answer that names a policy can be made before anything is sent. On
    PostgreSQL; elsewhere the INSERT gives the ids."""
    policies = [policy for policy in policies if policy.pk is None]
    if connection.vendor != "postgresql" or not policies:
        return
    ids = rows_execute([_policy_ids_statement(len(policies))])[0]
    for policy, (pk,) in zip(policies, ids, strict=True):
        policy.pk = pk


def _policies_insert(policies: list[Policy]) -> list[Policy]:
    """Insert policies in one statement and give them their ids; returns those a unique index
    refused (the order and product issued already, or the quote bound already), unsaved.

    The rows go in the order of their unique key, so transactions that insert several wait
    on each other in one order and never deadlock. ON CONFLICT DO NOTHING leaves the
    transaction usable, so one refused policy does not undo the others (bulk_create cannot
    say which rows it skipped).
    """
    _policy_ids_allocate(policies)
    ordered = sorted(policies, key=_unique_key)
    inserted = rows_insert(
        ordered, conflict_ignore=True, returning=("id", "merchant_id", "order_ref", "product_id")
    )
    ids = {tuple(key): pk for pk, *key in inserted}
    refused = []
    for policy in ordered:
        # A second row with the same key in one statement is refused: the first one went in.
        policy.pk = ids.pop(_unique_key(policy), None)
        if policy.pk is None:
            refused.append(policy)
        else:
            policy._state.adding, policy._state.db = False, connection.alias
    return refused


def _issued_rows(issued: list[tuple[Policy, str]]) -> list[list]:
    """What every issued policy writes with it, unsaved: its event (by its actor) and its
    premium in the ledger."""
    events = [
        PolicyEvent(
            policy=p,
            from_status=PolicyStatus.QUOTED if p.quote_id else "",
            to_status=PolicyStatus.ACTIVE,
            actor=actor,
            reason="bound from quote" if p.quote_id else "issued",
            created_at=p.issued_at,
        )
        for p, actor in issued
    ]
    transfers = [
        ledger_transfer(
            policy=p,
            kind=TransferKind.PREMIUM_WRITTEN,
            amount=p.premium,
            journal_ref=policy_journal_ref(p),
            at=p.issued_at,
        )
        for p, _ in issued
    ]
    return [rows for rows in (events, [t for t in transfers if t is not None]) if rows]


def _issued_webhooks(policies: list[Policy]) -> None:
    """The policy.issued webhooks of the policies' merchants (no query for a merchant
    without endpoints)."""
    payloads: dict[int, list[dict]] = defaultdict(list)
    for p in policies:
        payloads[p.merchant_id].append(_policy_payload(p))
    for merchant_id, merchant_payloads in payloads.items():
        webhook_events_emit(
            merchant_id=merchant_id,
            event_type=WebhookEventType.POLICY_ISSUED,
            payloads=merchant_payloads,
        )


def _store_issued(policies: list[Policy], actor: str) -> list[Policy]:
    refused = _policies_insert(policies)
    if refused:
        raise _unique_violation(refused, policies)
    issued = [(p, actor) for p in policies]
    rows_execute([rows_statement(rows) for rows in _issued_rows(issued)])
    _issued_webhooks(policies)
    return policies


def policy_bind(*, merchant: Merchant, bind: BindRequest, actor: str) -> Policy:
    """Issue one policy, from a quote or priced now. One transaction.

    The unique indexes refuse a second policy for the order and product, or a second bind of
    the quote; no look-before-insert query is needed. Any error aborts the caller's whole
    transaction, so no savepoint is taken.
    """
    now = clock.now()
    with transaction.atomic(savepoint=False):
        policy = _policy_from(merchant, bind, now, History.load(merchant, _covers([bind])))
        return _store_issued([policy], actor)[0]


class BatchRejected(ApplicationError):
    """A cart batch with at least one item that cannot be issued: nothing was issued."""

    def __init__(self, items: list[dict]) -> None:
        failed = sum(item["status"] == "error" for item in items)
        super().__init__(
            "batch_rejected",
            f"{failed} of {len(items)} items cannot be issued; none were issued.",
            fields={"items": items},
        )


def policies_issue_batch(
    *, merchant: Merchant, binds: list[BindRequest], actor: str
) -> list[Policy]:
    """Issue the policies of a whole cart: all of them in one transaction, or none.

    Every item is checked before anything is written, so a rejection reports each item's own
    result: "ok" (would have been issued) or its error.
    """
    if not binds:
        raise _field_error("validation_error", "items", "A batch needs at least one item.")
    if len(binds) > settings.POLICY_BATCH_MAX_ITEMS:
        raise _field_error(
            "batch_too_large",
            "items",
            f"A batch takes at most {settings.POLICY_BATCH_MAX_ITEMS} items.",
        )
    now = clock.now()
    with transaction.atomic(savepoint=False):
        errors: dict[int, ApplicationError] = {}
        policies: dict[int, Policy] = {}
        history = History.load(merchant, _covers(binds))
        for index, bind in enumerate(binds):
            try:
                policies[index] = _policy_from(merchant, bind, now, history)
            except ApplicationError as error:
                errors[index] = error
        candidates = sorted(policies)
        for position, error in _conflicts(merchant, [policies[i] for i in candidates]).items():
            errors[candidates[position]] = error
        if errors:
            items = [
                {"index": i, "status": "ok"}
                if i not in errors
                else {
                    "index": i,
                    "status": "error",
                    "code": errors[i].code,
                    "message": errors[i].message,
                    "fields": errors[i].fields,
                }
                for i in range(len(binds))
            ]
            raise BatchRejected(items)
        return _store_issued([policies[i] for i in range(len(binds))], actor)


@dataclass
class IssueRequest:
    """One issue request (a single bind, or a cart batch that is issued whole or not at all)
    waiting for a group commit: who sends it, under which Idempotency-Key, and what it binds.
    Only direct issues (priced now) come this way."""

    merchant: Merchant
    actor: str
    binds: list[BindRequest]
    batch: bool
    idempotency_key: str | None = None
    fingerprint: str = ""
    request_id: str = ""  # carried into the Celery tasks the request queues


def policies_issue_group(
    *, requests: list[IssueRequest], answer: Callable[[IssueRequest, list[Policy]], dict]
) -> list[dict | None]:
    """Issue the policies of many requests in one transaction: requests that arrive together
    share one commit (one WAL flush), one INSERT per table and one round trip for all INSERTs.

    Returns each request's answer body (from `answer`, kept under its Idempotency-Key with
    it), or None for a request this group did not issue: its key was used before (or by an
    earlier request of the group), one of its policies exists already, or an item cannot be
    priced. Nothing of such a request is written, and the caller answers it through
    policy_bind or policies_issue_batch, which say why exactly as they always do.
    """
    now = clock.now()
    priced: dict[int, list[Policy]] = {}
    by_merchant: dict[int, list[int]] = defaultdict(list)
    keys = set()
    for index, request in enumerate(requests):
        key = (request.merchant.pk, request.idempotency_key)
        if request.idempotency_key is None or key not in keys:
            keys.add(key)
            by_merchant[request.merchant.pk].append(index)
    histories, ids = _group_reads(requests, by_merchant)
    for merchant_id, indexes in by_merchant.items():
        merchant = requests[indexes[0]].merchant
        for index in indexes:
            try:
                priced[index] = [
                    _policy_from(merchant, bind, now, histories[merchant_id])
                    for bind in requests[index].binds
                ]
            except ApplicationError:
                continue
    if ids:
        for policy in (p for index in sorted(priced) for p in priced[index]):
            policy.pk = next(ids)
    bodies: dict[int, dict] = {}
    while priced:
        written = _group_write(requests, priced, answer)
        if isinstance(written, dict):
            bodies = written
            break
        for index in written:  # refused: the others go again, in a new transaction
            del priced[index]
    return [bodies.get(index) for index in range(len(requests))]


def _group_reads(
    requests: list[IssueRequest], by_merchant: dict[int, list[int]]
) -> tuple[dict[int, History], Iterator[int] | None]:
    """All a group reads before it writes, in one round trip: its buyers' risk profiles and
    trust levels, and (on PostgreSQL) ids for as many policies as it may issue."""
    covers = {
        merchant_id: [bind.cover for i in indexes for bind in requests[i].binds]
        for merchant_id, indexes in by_merchant.items()
    }
    buyer_refs = {
        cover.buyer_ref for merchant_covers in covers.values() for cover in merchant_covers
    }
    statements = [
        query_statement(risk_profile_rows(buyer_refs=buyer_refs, merchant_ids=set(covers))),
        query_statement(claimant_trust_rows(claimant_refs=buyer_refs)),
    ]
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        statements.append(_policy_ids_statement(sum(map(len, covers.values()))))
    results = rows_execute(statements)
    histories = {}
    for merchant_id, merchant_covers in covers.items():
        merchant = requests[by_merchant[merchant_id][0]].merchant
        refs = {cover.buyer_ref for cover in merchant_covers}
        histories[merchant_id] = History(
            rates=risk_histories_from(results[0], buyer_refs=refs, merchant=merchant),
            trust=claimant_trust_levels_from(results[1], claimant_refs=refs),
        )
    return histories, (iter(pk for (pk,) in results[2]) if on_postgresql else None)


def _group_write(
    requests: list[IssueRequest],
    priced: dict[int, list[Policy]],
    answer: Callable[[IssueRequest, list[Policy]], dict],
) -> dict[int, dict] | set[int]:
    """One try at writing a group: the answers, or the requests a unique index refused (then
    nothing was written).

    The policies get their ids first (_policy_ids_allocate); then the stored answers, the
    policies, their events and ledger transfers go in one pipeline. Idempotency records go in
    first and every table's rows in the order of their unique key, as on the one-request
    path, so concurrent writers wait on each other in one order and never deadlock; ON
    CONFLICT DO NOTHING reports a refused row without breaking the pipeline, and the whole
    group is rolled back if any row was refused.
    """
    with transaction.atomic():
        policies = [p for ps in priced.values() for p in ps]
        _policy_ids_allocate(policies)
        policies.sort(key=_unique_key)
        inserts = [rows_statement(policies, conflict_ignore=True, returning=("id",))]
        bodies = {index: answer(requests[index], ps) for index, ps in priced.items()}
        records = [
            IdempotencyRecord(
                merchant_id=requests[index].merchant.pk,
                key=requests[index].idempotency_key,
                request_fingerprint=requests[index].fingerprint,
                response_status=201,
                response_body=body,
            )
            for index, body in bodies.items()
            if requests[index].idempotency_key is not None
        ]
        if records:
            records.sort(key=lambda record: (record.merchant_id, record.key))
            inserts.insert(
                0, rows_statement(records, conflict_ignore=True, returning=("merchant_id", "key"))
            )
        issued = [(p, requests[index].actor) for index, ps in priced.items() for p in ps]
        inserts += [rows_statement(rows) for rows in _issued_rows(issued)]
        results = rows_execute(inserts)
        claimed = {tuple(row) for row in results[0]} if records else set()
        inserted = {pk for (pk,) in results[1 if records else 0]}
        refused = {
            index
            for index, ps in priced.items()
            if any(p.pk not in inserted for p in ps)
            or (
                requests[index].idempotency_key is not None
                and (requests[index].merchant.pk, requests[index].idempotency_key) not in claimed
            )
        }
        if refused:
            transaction.set_rollback(True)
            return refused
        for index, ps in priced.items():
            # After commit the queued deliveries are sent in this order, each request's
            # under its own request id.
            transaction.on_commit(functools.partial(set_guid, requests[index].request_id))
            _issued_webhooks(ps)
    return bodies


# --- Lifecycle -------------------------------------------------------------------------------
def policy_transition(
    *, policy: Policy, to_status: str, actor: str, reason: str, changes: dict | None = None
) -> None:
    """Move a policy along one edge of its transition table, with its event row (a guarded
    update: 409 policy_state_changed if another process moved it first)."""
    status_move(
        row=policy,
        transitions=POLICY_TRANSITIONS,
        event_model=PolicyEvent,
        to_status=to_status,
        actor=actor,
        reason=reason,
        changes=changes,
    )


def policy_refund_due(*, policy: Policy, now: datetime) -> Decimal:
    """What the product's refund rule gives back if the cover ends at `now`."""
    rule = policy.product.refund_rule
    if rule == RefundRule.NONE:
        return Decimal(0)
    if policy.cover_starts_at is None or policy.cover_starts_at > now:
        return policy.premium
    if rule == RefundRule.PRO_RATA:
        total = (policy.cover_ends_at - policy.cover_starts_at).total_seconds()
        left = (policy.cover_ends_at - now).total_seconds()
        return prorate(policy.premium, left, total, policy.currency)
    return Decimal(0)


def policy_end(
    *, policy: Policy, to_status: str, actor: str, reason: str, refund: Decimal, now: datetime
) -> None:
    """End a policy's cover: refund what is due and earn the rest of the premium."""
    policy_transition(
        policy=policy,
        to_status=to_status,
        actor=actor,
        reason=reason,
        changes={"ended_at": now, "refund_amount": refund},
    )
    journal_ref = policy_journal_ref(policy)
    ledger_post(
        transfers=[
            ledger_transfer(
                policy=policy,
                kind=TransferKind.PREMIUM_REFUNDED,
                amount=refund,
                journal_ref=journal_ref,
            ),
            ledger_transfer(
                policy=policy,
                kind=TransferKind.PREMIUM_EARNED,
                amount=policy.premium - refund,
                journal_ref=journal_ref,
            ),
        ]
    )


def policy_cancel(*, policy: Policy, actor: str, reason: str = "cancelled") -> Policy:
    now = clock.now()
    with transaction.atomic():
        policy = Policy.objects.select_for_update().select_related("product").get(pk=policy.pk)
        if policy.status != PolicyStatus.ACTIVE:
            raise ConflictError(
                "policy_not_active",
                f"Policy {policy.pk} is {policy.status}; only an active policy can be cancelled.",
            )
        policy_end(
            policy=policy,
            to_status=PolicyStatus.CANCELLED,
            actor=actor,
            reason=reason,
            refund=policy_refund_due(policy=policy, now=now),
            now=now,
        )
        webhook_events_emit(
            merchant_id=policy.merchant_id,
            event_type=WebhookEventType.POLICY_CANCELLED,
            payloads=[
                {
                    **_policy_payload(policy),
                    "refund_amount": money_text(policy.refund_amount, policy.currency),
                }
            ],
        )
    return policy


def policy_complete(*, policy: Policy, actor: str, reason: str) -> None:
    """The order completed: the cover ends and the premium is earned (caller's transaction)."""
    policy_end(
        policy=policy,
        to_status=PolicyStatus.COMPLETED,
        actor=actor,
        reason=reason,
        refund=Decimal("0.00"),
        now=clock.now(),
    )


def policies_expire(*, actor: str, limit: int = 1000) -> int:
    """End the cover of active policies whose cover period has run out."""
    now = clock.now()
    expired = 0
    with transaction.atomic():
        due = (
            Policy.objects.select_for_update(skip_locked=True)
            .select_related("product")
            .filter(status=PolicyStatus.ACTIVE, cover_ends_at__lte=now)[:limit]
        )
        for policy in due:
            policy_end(
                policy=policy,
                to_status=PolicyStatus.EXPIRED,
                actor=actor,
                reason="cover period ended",
                refund=Decimal("0.00"),
                now=now,
            )
            expired += 1
    return expired


def policy_record_payout(*, policy: Policy, claim_id: int, amount: Decimal, actor: str) -> Policy:
    """A claim on the policy is paid: use up cover and post the payout (caller's transaction,
    in which the caller holds the policy's row lock: select_for_update).

    The policy is claimed, its cover ended, once it has paid the product's claims_per_policy
    or its cover is used up. When the product recovers payouts from the merchant, the amount
    is owed back by the merchant.
    """
    if amount > policy.remaining_cover:
        raise ConflictError(
            "cover_exhausted",
            f"The policy has {policy.remaining_cover} of cover left, less than {amount}.",
        )
    policy.cover_used += amount
    Policy.objects.filter(pk=policy.pk).update(cover_used=policy.cover_used)
    payouts = (TransferKind.RECOVERY_RECEIVABLE, TransferKind.CLAIM_PAID)
    kind = payouts[0] if policy.product.recover_from_merchant else payouts[1]
    ledger_post(
        transfers=[
            ledger_transfer(
                policy=policy,
                kind=kind,
                amount=amount,
                journal_ref=claim_journal_ref(claim_id),
                claim_id=claim_id,
            )
        ]
    )
    limit = policy.product.claims_per_policy
    paid = LedgerTransfer.objects.filter(policy=policy, kind__in=payouts).count() if limit else 0
    if policy.status == PolicyStatus.ACTIVE and (
        (limit and paid >= limit) or policy.remaining_cover == 0
    ):
        policy_end(
            policy=policy,
            to_status=PolicyStatus.CLAIMED,
            actor=actor,
            reason=f"claim {claim_id} paid",
            refund=Decimal("0.00"),
            now=clock.now(),
        )
    return policy


def policy_record_recovery(
    *, policy_id: int, claim_id: int, amount: Decimal, written_off: bool, journal_ref: str
) -> None:
    """The merchant repaid a recoverable payout, or it was written off (caller's transaction).

    `journal_ref` names the entry: a recovery can be repaid in several parts.
    """
    policy = Policy.objects.get(pk=policy_id)
    kind = TransferKind.RECOVERY_WRITTEN_OFF if written_off else TransferKind.RECOVERY_REPAID
    ledger_post(
        transfers=[
            ledger_transfer(
                policy=policy, kind=kind, amount=amount, journal_ref=journal_ref, claim_id=claim_id
            )
        ]
    )
