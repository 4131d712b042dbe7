"""Production backends with a real worker process: PostgreSQL, Redis, JSON logs, request ids."""

import json

import pytest
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus
from tests.processes import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_claim_is_paid_by_the_worker_and_its_logs_carry_the_request_id(api, celery_worker):
    policy = api.post(
        "/api/v1/policies",
        {
            "product": "shipping_return",
            "order_ref": "W-1",
            "buyer_ref": "w-buyer",
            "order_value": "70.00",
            "buyer_region": "CN-SH",
        },
        format="json",
    ).json()

    api.post("/api/v1/orders/W-1/events", {"kind": "delivered"}, format="json")
    response = api.post(
        "/api/v1/orders/W-1/events",
        {"kind": "return_shipped", "tracking_number": "YT1234567890"},
        format="json",
        HTTP_X_REQUEST_ID="req-worker-1",
    )

    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-worker-1"
    wait_for(
        lambda: Claim.objects.filter(policy_id=policy["id"], status=ClaimStatus.PAID).exists(),
        timeout=30,
        what="the worker to open and pay the return's claim",
    )
    # The line written when the task ran (it opened, screened and paid the claim).
    task_lines = [line for line in celery_worker.json_lines() if line["name"] == "celery.app.trace"]
    assert len(task_lines) == 1
    assert {line["request_id"] for line in task_lines} == {"req-worker-1"}
    assert {"time", "level", "name", "message"} <= set(task_lines[0])


def test_every_log_line_of_the_worker_is_one_json_object(celery_worker):
    lines = [line for line in celery_worker.text().splitlines() if line.strip()]

    assert lines
    for line in lines:
        assert isinstance(json.loads(line), dict), line


def test_the_api_answers_with_a_fresh_request_id_when_none_is_sent():
    response = APIClient().get("/api/v1/policies/1")

    assert len(response["X-Request-ID"]) == 32
