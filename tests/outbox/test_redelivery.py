"""Every task is a no-op when delivered again after its work is done, and logs no ERROR: with
its outbox row (a redelivery by the broker, a re-send by the sweeper: the row is gone) and
without one (a message sent by hand), however late and whatever the state its work left."""

import logging

import pytest
from django.db.models import Count

from claims.models import Claim, ClaimStatus, Payout
from claims.services import PAY_TASK, SCREEN_TASK, claim_approve
from config.celery import app as celery_app
from insurance.models import LedgerTransfer, WebhookAttempt, WebhookDelivery
from insurance.services.orders import OPEN_EVENT_CLAIM_TASK
from outbox.models import OutboxTask
from tests.claims.conftest import delivered_policy
from tests.claims.helpers import photo, submit
from tests.insurance.helpers import PRODUCE, SHIPPING, issue
from tests.insurance.webhook_world import Receiver, register

pytestmark = pytest.mark.django_db

# Tasks that take no ids (the periodic ones): running them again is running them again.
PERIODIC = {
    "outbox.sweep",
    "insurance.policies_expire",
    "insurance.risk_profiles_refresh",
    "insurance.housekeeping",
    "platform.ping",
}


@pytest.fixture(autouse=True, scope="module")
def _tasks_registered():
    """Every app's tasks module, found as a worker finds them."""
    celery_app.loader.import_default_modules()


def _deliver(name: str, kwargs: dict) -> None:
    celery_app.tasks[name].apply(kwargs=kwargs, throw=True)


def _run_outbox_row(task_name: str) -> dict:
    """Run the one outbox row of `task_name` as a worker would; returns its message."""
    row = OutboxTask.objects.get(task_name=task_name)
    message = {**row.kwargs, "outbox_id": row.pk}
    _deliver(task_name, message)
    assert not OutboxTask.objects.filter(pk=row.pk).exists()  # done
    return message


def _books() -> tuple:
    return (
        list(Claim.objects.values_list("pk", "status").order_by("pk")),
        list(Claim.objects.annotate(n=Count("events")).values_list("pk", "n").order_by("pk")),
        Payout.objects.count(),
        LedgerTransfer.objects.count(),
        OutboxTask.objects.count(),
        WebhookAttempt.objects.count(),
    )


def _twice_more(name: str, message: dict) -> None:
    """Deliver the message twice more, then twice without its outbox row: nothing changes."""
    before = _books()
    for kwargs in (message, message, *[{k: v for k, v in message.items() if k != "outbox_id"}] * 2):
        _deliver(name, kwargs)
        assert _books() == before, (name, kwargs)


@pytest.fixture
def no_errors(caplog):
    caplog.set_level(logging.INFO)
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_every_task_type_is_covered_here():
    ours = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert ours == PERIODIC | {
        OPEN_EVENT_CLAIM_TASK,
        SCREEN_TASK,
        PAY_TASK,
        "insurance.webhook_deliver",
    }


def test_an_order_event_s_claim_opened_and_paid_is_not_opened_again(api, no_errors):
    policy = delivered_policy(api, "RD-1", SHIPPING)
    api.post(
        "/api/v1/orders/RD-1/events",
        {"kind": "return_shipped", "tracking_number": "SF0000000009"},
        format="json",
    )
    message = _run_outbox_row(OPEN_EVENT_CLAIM_TASK)
    claim = Claim.objects.get(policy=policy)
    assert claim.status == ClaimStatus.PAID  # its cover is used up: a new claim would fail

    _twice_more(OPEN_EVENT_CLAIM_TASK, message)


def test_a_screened_and_paid_photo_claim_is_not_screened_or_paid_again(api, no_errors):
    policy = delivered_policy(api, "RD-2", PRODUCE)
    response = api.post(
        "/api/v1/claims",
        {
            "policy_id": policy.pk,
            "claimant_ref": policy.buyer_ref,
            "amount": "30.00",
            "photos": [photo(901)],
        },
        format="multipart",
    )
    assert response.status_code == 201
    message = _run_outbox_row(SCREEN_TASK)
    assert Claim.objects.get(policy=policy).status == ClaimStatus.PAID

    _twice_more(SCREEN_TASK, message)
    _twice_more(PAY_TASK, {"claim_id": Claim.objects.get(policy=policy).pk})


def test_a_reviewer_s_payout_is_paid_once_however_often_it_comes(api, settings, no_errors):
    settings.CLAIM_APPROVAL_UNDO_SECONDS = 0
    submit(delivered_policy(api, "RD-3", {**PRODUCE, "buyer_ref": "one"}), photos=[photo(902)])
    flagged = submit(
        delivered_policy(api, "RD-4", {**PRODUCE, "buyer_ref": "two"}), photos=[photo(902)]
    )
    assert flagged.status == ClaimStatus.NEEDS_REVIEW
    claim_approve(claim_id=flagged.pk, actor="user:rita")
    message = _run_outbox_row(PAY_TASK)
    assert Claim.objects.get(pk=flagged.pk).status == ClaimStatus.PAID

    _twice_more(PAY_TASK, message)


def test_a_delivered_webhook_is_not_sent_again(api, settings, no_errors):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    receiver = Receiver()
    try:
        register(api, receiver.url)
        issue(api, "RD-5", PRODUCE)
        message = _run_outbox_row("insurance.webhook_deliver")
        assert WebhookDelivery.objects.get().status == "delivered"

        _twice_more("insurance.webhook_deliver", message)
        assert len(receiver.requests) == 1
    finally:
        receiver.server.shutdown()


@pytest.mark.parametrize("name", sorted(PERIODIC))
def test_periodic_tasks_run_again_harmlessly(name, no_errors):
    _deliver(name, {})
    before = _books()
    _deliver(name, {})
    assert _books() == before
