"""Every idempotent POST, with every body shape it takes, under one Idempotency-Key: a replay
gets the first answer and changes nothing; clients racing with one key create one thing.

The shapes are those a checkout system sends: a quote, binding a quote, issuing directly, a
cart batch with a quote and a direct item, an order event, a claim with photos, a cancel."""

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection

from claims.models import Claim
from insurance.models import OrderEvent, Policy, Quote
from tests.claims.helpers import photo
from tests.conftest import client_for
from tests.insurance.helpers import PRODUCE, SHIPPING, issue

RACERS = 6


@dataclass(frozen=True)
class Shape:
    """One POST: where it goes, its body, and what it creates (counted to see it once)."""

    path: str
    body: Callable[[], dict | None]  # a fresh body each call: uploads are read once
    format: str
    created: Callable[[], int]
    creates: int = 1


def _quote(api) -> str:
    response = api.post("/api/v1/quotes", PRODUCE, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _delivered(api, order_ref: str) -> int:
    policy = issue(api, order_ref, PRODUCE)
    response = api.post(f"/api/v1/orders/{order_ref}/events", {"kind": "delivered"}, format="json")
    assert response.status_code == 201, response.content
    return policy["id"]


def shape(name: str, api) -> Shape:
    """The shape called `name`, with what it needs made first through the API."""
    if name == "quote":
        return Shape("/api/v1/quotes", lambda: PRODUCE, "json", Quote.objects.count)
    if name == "bind a quote":
        quote_id = _quote(api)
        body = {"quote_id": quote_id, "order_ref": "Q-ORDER"}
        return Shape("/api/v1/policies", lambda: body, "json", Policy.objects.count)
    if name == "issue directly":
        body = {**PRODUCE, "order_ref": "D-ORDER"}
        return Shape("/api/v1/policies", lambda: body, "json", Policy.objects.count)
    if name == "cart batch":
        quote_id = _quote(api)
        items = [{"quote_id": quote_id, "order_ref": "CART"}, {**SHIPPING, "order_ref": "CART"}]
        return Shape(
            "/api/v1/policies/batch",
            lambda: {"items": items},
            "json",
            Policy.objects.count,
            creates=len(items),
        )
    if name == "order event":
        issue(api, "E-ORDER", SHIPPING)
        body = {"kind": "return_shipped", "tracking_number": "SF100"}
        return Shape(
            "/api/v1/orders/E-ORDER/events", lambda: body, "json", OrderEvent.objects.count
        )
    if name == "claim with photos":
        policy_id = _delivered(api, "C-ORDER")

        def claim() -> dict:
            return {
                "policy_id": policy_id,
                "claimant_ref": "buyer-1",
                "amount": "50.00",
                "photos": [photo(1), photo(2)],
            }

        return Shape("/api/v1/claims", claim, "multipart", Claim.objects.count)
    if name == "cancel":
        policy_id = issue(api, "X-ORDER", PRODUCE)["id"]
        return Shape(
            f"/api/v1/policies/{policy_id}/cancel",
            lambda: None,
            "json",
            lambda: Policy.objects.filter(status="cancelled").count(),
        )
    raise AssertionError(name)


SHAPES = [
    "quote",
    "bind a quote",
    "issue directly",
    "cart batch",
    "order event",
    "claim with photos",
    "cancel",
]


def send(api, request: Shape, key: str):
    return api.post(request.path, request.body(), format=request.format, HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SHAPES)
def test_a_replay_gets_the_first_answer_and_creates_nothing(api, name):
    request = shape(name, api)
    before = request.created()

    first = send(api, request, f"{name}-key")
    replay = send(api, request, f"{name}-key")

    assert first.status_code in (200, 201), first.content
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert replay["Idempotent-Replayed"] == "true"
    assert request.created() == before + request.creates


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", SHAPES)
def test_clients_racing_with_one_key_create_one_thing(merchant, openapi, name):
    api = client_for(merchant, openapi)
    request = shape(name, api)
    before = request.created()
    start = threading.Barrier(RACERS)
    answers = []

    def racer() -> None:
        client = client_for(merchant, openapi)
        body = request.body()
        start.wait()
        try:
            response = client.post(
                request.path, body, format=request.format, HTTP_IDEMPOTENCY_KEY="race-key"
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == RACERS
    assert answers[0][0] in (200, 201), answers[0]
    assert all(answer == answers[0] for answer in answers), answers
    assert request.created() == before + request.creates
