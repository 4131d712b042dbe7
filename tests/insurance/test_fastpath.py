"""The lean issuance path (insurance.api.fastpath) keeps every guarantee of the DRF view it stands
in front of: the same answers to the same bodies, good or bad; one policy per order and product
and one answer per Idempotency-Key under concurrency; a cart issued whole or not at all; keys
revoked and limits kept; overload shed in the error shape with nothing half-written.

The HTTP tests run the production server (config.server) in a real process; its log says which
answers came from the group commit, so a test can tell the lean path did the work."""

import json
import threading
import time
from collections import Counter
from decimal import Decimal

import httpx
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from insurance.api.serializers import BindInput, PolicyOutput, direct_issue_from, policy_output
from insurance.models import ApiKey, IdempotencyRecord, LedgerTransfer, Policy, PolicyEvent
from insurance.services.api_keys import api_key_create, api_key_revoke
from insurance.services.policies import (
    BindRequest,
    CoverRequest,
    IssueRequest,
    policies_issue_group,
    policy_bind,
    policy_cancel,
)
from tests.insurance.helpers import DEPOSIT, PRODUCE, SHIPPING, issue
from tests.insurance.webhook_world import register, verify
from tests.processes import wait_for

RACERS = 8


# --- The lean reading of a body is BindInput's ---------------------------------------------
TEXT = st.one_of(
    st.text(max_size=110),
    st.sampled_from(["", " ", "A-1", "x\x00", "é", "a" * 100, "a" * 101, "CN-SH/Shanghai"]),
)
VALUES = st.one_of(
    TEXT,
    st.integers(min_value=-5, max_value=130),
    st.sampled_from([None, True, 1.0, 12.5, [], {}, "12.00", "0.5", "1e3", "-1.00", "12.345"]),
    st.sampled_from(["CNY", "USD", "XXX", "shipping_return", "fresh_produce", "apparel"]),
)
NAMES = st.sampled_from(
    [
        "product",
        "order_ref",
        "buyer_ref",
        "currency",
        "order_value",
        "deposit_amount",
        "term_months",
        "category",
        "buyer_region",
        "seller_region",
        "transit_days",
        "quote_id",
        "unknown",
    ]
)


@given(
    base=st.sampled_from([SHIPPING, PRODUCE, DEPOSIT]),
    changes=st.dictionaries(NAMES, VALUES, max_size=4),
    dropped=st.sets(NAMES, max_size=2),
)
@settings(max_examples=600, deadline=None)
def test_what_the_lean_path_reads_bind_input_reads_the_same(base, changes, dropped):
    body = {k: v for k, v in {**base, "order_ref": "O-1", **changes}.items() if k not in dropped}

    lean = direct_issue_from(body)

    if lean is not None:
        drf = BindInput(data=body)
        assert drf.is_valid(), (body, drf.errors)
        assert BindInput.to_bind(drf.validated_data) == lean


@pytest.mark.parametrize("body", [SHIPPING, PRODUCE, DEPOSIT])
def test_the_lean_path_reads_what_checkouts_send(body):
    assert direct_issue_from({**body, "order_ref": "O-1"}) is not None


@pytest.mark.django_db
def test_policy_output_is_policy_output_serializer(merchant):
    def bound(order_ref: str, body: dict):
        return policy_bind(
            merchant=merchant,
            bind=BindInput.to_bind(_valid({**body, "order_ref": order_ref})),
            actor="test",
        )

    policies = [bound("P-1", SHIPPING), bound("P-2", DEPOSIT), bound("P-3", PRODUCE)]
    policies.append(policy_cancel(policy=policies[2], actor="test"))
    policies += list(Policy.objects.all())  # as read back from the database

    for policy in policies:
        assert policy_output(policy) == json.loads(json.dumps(PolicyOutput(policy).data))


def _valid(body: dict) -> dict:
    data = BindInput(data=body)
    assert data.is_valid(), data.errors
    return data.validated_data


# --- The group commit, as a service ---------------------------------------------------------
def _request(merchant, order_ref: str, *, key: str | None = None, **cover) -> IssueRequest:
    cover = {**PRODUCE, "order_value": Decimal("80.00"), **cover}
    del cover["transit_days"]
    return IssueRequest(
        merchant=merchant,
        actor="api_key:test",
        binds=[BindRequest(order_ref=order_ref, cover=CoverRequest(**cover))],
        batch=False,
        idempotency_key=key,
        fingerprint="f" * 64,
    )


@pytest.mark.django_db(transaction=True)
def test_a_group_is_one_transaction_and_what_it_cannot_issue_is_left_whole(merchant):
    issue_existing = _request(merchant, "TAKEN")
    assert policies_issue_group(requests=[issue_existing], answer=lambda r, ps: {}) != [None]
    cart = IssueRequest(
        merchant=merchant,
        actor="api_key:test",
        binds=[*_request(merchant, "CART-OK").binds, *_request(merchant, "TAKEN").binds],
        batch=True,
    )
    requests = [
        _request(merchant, "G-1", key="k1"),
        _request(merchant, "G-2", key="k1"),  # the same key again: the first one has it
        _request(merchant, "TAKEN"),  # issued before
        _request(merchant, "G-3", order_value=Decimal("0.00")),  # cannot be priced
        cart,  # one item issued before: none of it
        _request(merchant, "G-4"),
        _request(merchant, "G-4", key="k2"),  # the same order and product as the one before
    ]

    answers = policies_issue_group(
        requests=requests, answer=lambda r, ps: {"ids": [p.pk for p in ps]}
    )

    issued_or_not = [answer is not None for answer in answers]
    assert issued_or_not == [True, False, False, False, False, True, False]
    issued = Policy.objects.exclude(order_ref="TAKEN")
    assert sorted(issued.values_list("order_ref", flat=True)) == ["G-1", "G-4"]
    assert {answers[0]["ids"][0], answers[5]["ids"][0]} == set(issued.values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT xmin::text) FROM insurance_policy WHERE order_ref <> 'TAKEN'"
        )
        assert cursor.fetchone()[0] == 1  # one transaction
    for policy in issued:
        assert PolicyEvent.objects.filter(policy=policy, reason="issued").count() == 1
        assert LedgerTransfer.objects.filter(policy=policy, kind="premium_written").count() == 1
    record = IdempotencyRecord.objects.get(merchant=merchant, key="k1")
    assert (record.response_status, record.response_body) == (201, answers[0])
    assert not IdempotencyRecord.objects.filter(key="k2").exists()


# --- Over HTTP, against the production server ------------------------------------------------


def group_committed(tmp_path) -> Counter:
    """Answers the lean path gave, by status, from the server's JSON log."""
    counts = Counter()
    for line in (tmp_path / "web.log").read_text(errors="replace").splitlines():
        if line.startswith("{") and '"group_commit"' in line:
            record = json.loads(line)
            counts[(record["status"], record["group_commit"])] += 1
    return counts


@pytest.fixture
def server(start_web):
    return start_web(LOG_LEVEL="INFO", LOG_FORMAT="json")


@pytest.fixture
def raw_key(merchant):
    return api_key_create(merchant=merchant, name="lean")[1]


@pytest.fixture
def http(server, raw_key):
    with httpx.Client(
        base_url=server, headers={"Authorization": f"Bearer {raw_key}"}, timeout=30
    ) as client:
        yield client


def _without_instance_values(answer: dict) -> dict:
    """An answer with what differs between two issues of the same body left out."""
    return {
        k: v
        for k, v in answer.items()
        if k not in {"id", "order_ref", "issued_at", "cover_starts_at", "cover_ends_at"}
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_good_bodies_get_the_answers_and_rows_the_drf_view_gives(http, api, tmp_path):
    for n, body in enumerate([SHIPPING, PRODUCE, DEPOSIT, {**SHIPPING, "currency": "CNY"}]):
        lean = http.post(
            "/api/v1/policies",
            json={**body, "order_ref": f"LEAN-{n}"},
            headers={"Idempotency-Key": f"lean-{n}"},
        )
        drf = api.post(
            "/api/v1/policies",
            {**body, "order_ref": f"DRF-{n}"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"drf-{n}",
        )

        assert (lean.status_code, drf.status_code) == (201, 201), lean.text
        assert _without_instance_values(lean.json()) == _without_instance_values(drf.json())
        for answer in (lean.json(), drf.json()):
            policy = Policy.objects.get(pk=answer["id"])
            assert policy_output(policy) == answer  # the answer is what was stored
            record = IdempotencyRecord.objects.get(response_body__id=answer["id"])
            assert record.response_body == answer
            assert list(policy.events.values_list("from_status", "to_status", "reason")) == [
                ("", "active", "issued")
            ]
            assert list(policy.transfers.values_list("kind", "amount")) == [
                ("premium_written", Decimal(answer["premium"]))
            ]
        assert lean.headers["content-language"] == drf["Content-Language"]
    assert group_committed(tmp_path) == {(201, True): 4}


BAD_BODIES = [
    {**SHIPPING},  # no order_ref
    {**SHIPPING, "order_ref": ""},
    {**SHIPPING, "order_ref": "B", "order_value": 129},
    {**SHIPPING, "order_ref": "B", "order_value": "0.00"},
    {**SHIPPING, "order_ref": "B", "product": "pet_insurance"},
    {**SHIPPING, "order_ref": "B", "currency": "USD"},
    {**SHIPPING, "order_ref": "B", "buyer_region": "Shanghai"},
    {**DEPOSIT, "order_ref": "B", "term_months": 7},
    {**SHIPPING, "order_ref": "B", "quote_id": "00000000-0000-0000-0000-000000000000"},
    {"order_ref": "B", "quote_id": "00000000-0000-0000-0000-000000000000"},
    {**SHIPPING, "order_ref": "TAKEN"},
    [],
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_bad_bodies_get_the_answers_the_drf_view_gives(http, api):
    issue(api, "TAKEN", SHIPPING)
    for body in BAD_BODIES:
        lean = http.post("/api/v1/policies", json=body)
        drf = api.post("/api/v1/policies", body, format="json")
        assert (lean.status_code, lean.json()) == (drf.status_code, drf.json()), body
    cart = {"items": [{**PRODUCE, "order_ref": "C-1"}, {**SHIPPING, "order_ref": "TAKEN"}]}
    lean = http.post("/api/v1/policies/batch", json=cart)
    drf = api.post("/api/v1/policies/batch", cart, format="json")
    assert (lean.status_code, lean.json()) == (drf.status_code, drf.json())
    assert lean.json()["error"]["code"] == "batch_rejected"
    assert Policy.objects.count() == 1


def _race(send, racers: int = RACERS) -> list[httpx.Response]:
    start = threading.Barrier(racers)
    answers: list[httpx.Response] = []

    def racer(n: int) -> None:
        start.wait()
        answers.append(send(n))

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _racing_issues(client, request_of, racers: int = RACERS) -> list[httpx.Response]:
    """Issue requests sent at once; request_of(n) is the n-th one's body and key."""

    def send(n: int) -> httpx.Response:
        body, key = request_of(n)
        return client.post("/api/v1/policies", json=body, headers={"Idempotency-Key": key})

    return _race(send, racers)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_duplicates_issue_one_policy(http, tmp_path):
    answers = _racing_issues(http, lambda n: ({**SHIPPING, "order_ref": "DUP"}, f"dup-{n}"))

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
        "policy_already_issued"
    }
    policy = Policy.objects.get(order_ref="DUP")
    assert policy.events.count() == policy.transfers.count() == 1
    # Only the issued one's key is kept: a refused request can be tried again with its key.
    assert list(IdempotencyRecord.objects.values_list("response_body__id", flat=True)) == [
        policy.pk
    ]
    assert group_committed(tmp_path)[(201, True)] == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_from_many_clients_gets_one_answer(http, tmp_path):
    answers = _racing_issues(http, lambda n: ({**PRODUCE, "order_ref": "ONE-KEY"}, "the-key"))

    assert all((a.status_code, a.json()) == (201, answers[0].json()) for a in answers)
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == RACERS - 1
    assert Policy.objects.get().pk == answers[0].json()["id"]
    assert group_committed(tmp_path)[(201, True)] == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_racing_carts_are_each_issued_whole_or_not_at_all(http, tmp_path):
    # Each cart shares one order with the next: at most every other one can be issued.
    def cart(n: int) -> httpx.Response:
        items = [
            {**SHIPPING, "order_ref": f"OWN-{n}"},
            {**PRODUCE, "order_ref": f"SHARED-{n}"},
            {**PRODUCE, "order_ref": f"SHARED-{(n + 1) % RACERS}"},
        ]
        return http.post("/api/v1/policies/batch", json={"items": items})

    answers = _race(cart)

    issued = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert issued, [a.text for a in answers]
    assert {(a.status_code, a.json()["error"]["code"]) for a in refused} <= {
        (422, "batch_rejected"),
        (409, "policy_already_issued"),
    }
    ids = [p["id"] for a in issued for p in a.json()["policies"]]
    assert sorted(Policy.objects.values_list("id", flat=True)) == sorted(ids)
    assert PolicyEvent.objects.count() == LedgerTransfer.objects.count() == len(ids)
    assert group_committed(tmp_path)[(201, True)] >= 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_cart_failing_half_way_writes_nothing(http):
    issue_first = http.post("/api/v1/policies", json={**PRODUCE, "order_ref": "HALF-3"})
    assert issue_first.status_code == 201
    items = [{**SHIPPING, "order_ref": f"HALF-{n}"} for n in range(6)]
    items[3] = {**PRODUCE, "order_ref": "HALF-3"}

    response = http.post(
        "/api/v1/policies/batch", json={"items": items}, headers={"Idempotency-Key": "half"}
    )

    assert response.status_code == 422
    assert [item["status"] for item in response.json()["error"]["fields"]["items"]] == [
        "ok",
        "ok",
        "ok",
        "error",
        "ok",
        "ok",
    ]
    assert list(Policy.objects.values_list("order_ref", flat=True)) == ["HALF-3"]
    assert PolicyEvent.objects.count() == LedgerTransfer.objects.count() == 1
    assert not IdempotencyRecord.objects.filter(key="half").exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_revoked_key_is_refused_within_about_a_second(http, merchant):
    assert http.post("/api/v1/policies", json={**SHIPPING, "order_ref": "R-0"}).status_code == 201

    api_key_revoke(api_key=ApiKey.objects.get(merchant=merchant))
    revoked = time.monotonic()
    answers = []
    while time.monotonic() < revoked + 5:
        answers.append(
            http.post("/api/v1/policies", json={**SHIPPING, "order_ref": f"R-{len(answers) + 1}"})
        )
        if answers[-1].status_code != 201:
            break
        time.sleep(0.05)
    refused_after = time.monotonic() - revoked

    assert answers[-1].status_code == 401, answers[-1].text
    assert answers[-1].json()["error"]["code"] == "authentication_failed"
    # Each process reads the key change version at most once a second (ApiKeyCache).
    assert refused_after < 2.0
    assert Policy.objects.count() == len(answers)  # the 201s before the refusal, nothing else


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_key_over_its_limit_gets_429_on_the_lean_path(server, merchant, tmp_path):
    _, limited = api_key_create(merchant=merchant, name="limited", rate_limit_per_minute=3)
    statuses = []
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {limited}"}) as client:
        for n in range(5):
            statuses.append(
                client.post("/api/v1/policies", json={**SHIPPING, "order_ref": f"L-{n}"})
            )
            time.sleep(0.2)  # the counts reach Redis every 50 ms

    assert [s.status_code for s in statuses] == [201, 201, 201, 429, 429]
    assert statuses[3].json()["error"]["code"] == "rate_limited"
    assert 1 <= int(statuses[3].headers["Retry-After"]) <= 61
    assert Policy.objects.count() == 3
    assert group_committed(tmp_path)[(201, True)] == 3


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "limits",
    [
        {"ISSUANCE_MAX_IN_FLIGHT": "2"},  # more under way than the cap
        {"ISSUANCE_MAX_IN_FLIGHT": "1000", "ISSUANCE_MAX_QUEUE_SECONDS": "0"},  # any wait
    ],
)
def test_overload_is_shed_at_once_in_the_error_shape_and_nothing_is_half_written(
    start_web, raw_key, tmp_path, limits
):
    base = start_web(WEB_CONCURRENCY="1", LOG_LEVEL="INFO", LOG_FORMAT="json", **limits)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {raw_key}"}) as client:
        # The key is known and the writer running: what follows is steady work, not start-up.
        warm = client.post("/api/v1/policies", json={**SHIPPING, "order_ref": "WARM"})
        assert warm.status_code == 201, warm.text
        answers = _racing_issues(
            client, lambda n: ({**SHIPPING, "order_ref": f"O-{n}"}, f"o-{n}"), racers=40
        )

    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) == {201, 503} and statuses[503] > 0, statuses
    shed = next(a for a in answers if a.status_code == 503)
    assert shed.json()["error"] == {
        "code": "service_unavailable",
        "message": "The service is at capacity; nothing was issued. Retry after the "
        "Retry-After seconds.",
        "fields": {},
    }
    assert shed.headers["Retry-After"] == "1"
    issued = {a.json()["order_ref"] for a in answers if a.status_code == 201} | {"WARM"}
    assert set(Policy.objects.values_list("order_ref", flat=True)) == issued
    assert PolicyEvent.objects.count() == LedgerTransfer.objects.count() == len(issued)
    assert IdempotencyRecord.objects.filter(response_status=201).count() == len(issued) - 1
    assert IdempotencyRecord.objects.count() == len(issued) - 1  # the warm-up sent no key


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_policy_issued_on_the_lean_path_is_announced_by_a_signed_webhook(
    api, raw_key, receiver, start_web, start_worker, tmp_path, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver listens on 127.0.0.1
    endpoint = register(api, receiver.url)
    worker = start_worker(WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true")
    base = start_web(LOG_LEVEL="INFO", LOG_FORMAT="json")

    issued = httpx.post(
        f"{base}/api/v1/policies",
        json={**PRODUCE, "order_ref": "WH-LEAN"},
        headers={"Authorization": f"Bearer {raw_key}", "X-Request-ID": "lean-webhook-1"},
    )

    assert issued.status_code == 201, issued.text
    wait_for(lambda: receiver.requests, timeout=60, what="the webhook")
    event = verify(receiver.requests[0], endpoint["secret"])
    assert (event["type"], event["data"]["policy_id"]) == ("policy.issued", issued.json()["id"])
    assert group_committed(tmp_path)[(201, True)] == 1
    # The request id goes with the delivery task into the worker's log lines.
    wait_for(
        lambda: '"lean-webhook-1"' in worker.text(),
        timeout=30,
        what="the worker's log lines of the delivery",
    )
