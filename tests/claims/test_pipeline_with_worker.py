"""The claims pipeline end to end on PostgreSQL and Redis with a real Celery worker process."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from claims.models import Claim, ClaimEvent, ClaimStatus, Payout
from claims.photos import photo_check
from claims.services import claim_approve, claim_reject, claim_screen, claim_submit
from config.errors import ConflictError
from tests.claims.conftest import delivered_policy
from tests.claims.helpers import photo, submit
from tests.factories import ApiKeyFactory
from tests.insurance.helpers import PRODUCE, SHIPPING, issue
from tests.photos import blank, blurred, jpeg, near_uniform, tiny_subject
from tests.processes import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def file_claim(api, policy, seed: int, **headers) -> dict:
    response = api.post(
        "/api/v1/claims",
        {
            "policy_id": policy.pk,
            "claimant_ref": policy.buyer_ref,
            "amount": "60.00",
            "photos": [SimpleUploadedFile(f"{seed}.jpg", jpeg(seed))],
        },
        format="multipart",
        **headers,
    )
    assert response.status_code == 201, response.content
    return response.json()


def settled(claim_id: int, status: str):
    return lambda: Claim.objects.get(pk=claim_id).status == status


def test_a_fresh_produce_claim_with_a_new_photo_is_paid(api, celery_worker):
    claim = file_claim(api, delivered_policy(api, "W-1"), seed=100)

    wait_for(settled(claim["id"], ClaimStatus.PAID), timeout=30, what="the claim to be paid")

    body = api.get(f"/api/v1/claims/{claim['id']}").json()
    assert body["payout"]["amount"] == "60.00"
    assert [e["to_status"] for e in body["events"]] == [
        "submitted",
        "screening",
        "approved",
        "paid",
    ]


def test_a_claim_whose_photo_was_used_before_goes_to_review(api, celery_worker):
    first = file_claim(api, delivered_policy(api, "W-2", {**PRODUCE, "buyer_ref": "ann"}), 101)
    wait_for(settled(first["id"], ClaimStatus.PAID), timeout=30, what="the first claim")

    second = file_claim(api, delivered_policy(api, "W-3", {**PRODUCE, "buyer_ref": "ben"}), 101)

    wait_for(settled(second["id"], ClaimStatus.NEEDS_REVIEW), timeout=30, what="the review")
    body = api.get(f"/api/v1/claims/{second['id']}").json()
    assert body["review_reasons"] == ["photo_reused_other_claimant"]
    assert body["payout"] is None


def test_photos_that_show_nothing_are_never_paid_by_the_worker(api, celery_worker):
    """Blank, near-uniform, tiny-subject and blurred evidence, each on a photo-required claim
    screened by a real worker; the blank frame is sent twice by two claimants."""
    evidence = {
        "blank": blank((0, 0, 0)),
        "blank-again": blank((0, 0, 0)),
        "near-uniform": near_uniform(3),
        "tiny-subject": tiny_subject(105),
        "blurred": blurred(106),
    }
    claims = {}
    for n, (name, content) in enumerate(evidence.items()):
        policy = delivered_policy(api, f"WU-{n}", {**PRODUCE, "buyer_ref": f"buyer-{n}"})
        response = api.post(
            "/api/v1/claims",
            {
                "policy_id": policy.pk,
                "claimant_ref": policy.buyer_ref,
                "amount": "60.00",
                "photos": [SimpleUploadedFile(name, content)],  # no extension: any format
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        claims[name] = response.json()["id"]
        wait_for(settled(claims[name], ClaimStatus.NEEDS_REVIEW), timeout=30, what=name)

    reasons = {
        name: api.get(f"/api/v1/claims/{claim_id}").json()["review_reasons"]
        for name, claim_id in claims.items()
    }
    assert all(codes[0] == "photo_unusable" for codes in reasons.values()), reasons
    assert reasons["blank-again"] == ["photo_unusable", "photo_reused_other_claimant"]
    assert not Payout.objects.filter(claim_id__in=claims.values()).exists()


def test_a_shipped_return_opens_its_claim_and_it_is_paid(api, celery_worker):
    policy = issue(api, "W-4", SHIPPING)
    api.post("/api/v1/orders/W-4/events", {"kind": "delivered"}, format="json")

    response = api.post(
        "/api/v1/orders/W-4/events",
        {"kind": "return_shipped", "tracking_number": "SF0000000042"},
        format="json",
    )

    assert response.json()["claims_opening"] == 1
    wait_for(
        lambda: Claim.objects.filter(policy_id=policy["id"], status="paid").exists(),
        timeout=30,
        what="the return's claim to be paid",
    )
    claim = Claim.objects.get(policy_id=policy["id"])
    assert (claim.origin, claim.tracking_number, claim.amount) == (
        "order_event",
        "SF0000000042",
        claim.policy.cover,
    )


def test_duplicate_intake_requests_at_once_file_one_claim(api, web_server):
    policy = delivered_policy(api, "W-5")
    key = ApiKeyFactory.create_raw(merchant=policy.merchant)
    photo = jpeg(102)

    def send(_):
        return httpx.post(
            f"{web_server}/api/v1/claims",
            timeout=30,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "same-claim"},
            data={"policy_id": policy.pk, "claimant_ref": policy.buyer_ref, "amount": "20.00"},
            files={"photos": ("box.jpg", photo, "image/jpeg")},
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, range(12)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Claim.objects.filter(policy=policy).count() == 1


def test_two_reviewers_deciding_one_claim_at_once_decide_it_once(api):
    submit(delivered_policy(api, "W-6", {**PRODUCE, "buyer_ref": "cat"}), photos=[photo(103)])
    claim = submit(
        delivered_policy(api, "W-7", {**PRODUCE, "buyer_ref": "dog"}), photos=[photo(103)]
    )
    assert claim.status == ClaimStatus.NEEDS_REVIEW
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(name: str, action) -> None:
        start.wait()
        try:
            action()
            outcomes[name] = "decided"
        except ConflictError as conflict:
            outcomes[name] = conflict.code
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=decide,
            args=("approver", lambda: claim_approve(claim_id=claim.pk, actor="user:a")),
        ),
        threading.Thread(
            target=decide,
            args=(
                "rejecter",
                lambda: claim_reject(claim_id=claim.pk, actor="user:b", reason_code="other"),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values())[0] in {"claim_state_changed", "claim_already_decided"}
    assert sorted(outcomes.values())[1] == "decided"
    decisions = ClaimEvent.objects.filter(claim=claim, from_status="needs_review")
    assert decisions.count() == 1
    assert Claim.objects.get(pk=claim.pk).status == decisions.get().to_status
    assert not Payout.objects.filter(claim=claim).exists()


def test_two_claims_with_one_photo_screened_at_once_are_not_both_paid(api):
    first = delivered_policy(api, "W-8", {**PRODUCE, "buyer_ref": "eve"})
    second = delivered_policy(api, "W-9", {**PRODUCE, "buyer_ref": "fay"})
    claims = [
        claim_submit(
            merchant=policy.merchant,
            policy_id=policy.pk,
            claimant_ref=policy.buyer_ref,
            amount=Decimal("20.00"),
            description="",
            photos=[photo_check(photo(104))],
            actor="test",
        )
        for policy in (first, second)
    ]
    start = threading.Barrier(2)

    def screen(claim_id: int) -> None:
        start.wait()
        try:
            claim_screen(claim_id=claim_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=screen, args=(claim.pk,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(
        Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)
    )
    assert statuses in (["needs_review", "paid"], ["needs_review", "needs_review"])
