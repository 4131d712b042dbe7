"""The index in the database: what photo_check finds, and the benchmark command's contract."""

import json

import pytest
from django.core.management import call_command

from fraud import fingerprint as fp
from fraud.models import PhotoFingerprint
from fraud.services import PhotoSubject, photo_check
from tests.fraud.photos import REUSES, jpeg, textured
from tests.photos import blank

pytestmark = pytest.mark.django_db


def subject(photo: str, claim: str, claimant: str, merchant: int = 1) -> PhotoSubject:
    return PhotoSubject(
        photo_ref=photo, claim_ref=claim, claimant_ref=claimant, merchant_id=merchant
    )


@pytest.fixture
def indexed_photo():
    original = textured(seed=5)
    photo_check(subject=subject("p-1", "claim-1", "alice"), data=jpeg(original))
    for seed in range(30, 40):  # unrelated photos in the same index
        photo_check(
            subject=subject(f"other-{seed}", f"claim-{seed}", "bob"), data=jpeg(textured(seed))
        )
    return original


@pytest.mark.parametrize(
    "claimant, merchant, relation",
    [("alice", 1, "same_claimant"), ("carol", 1, "other_claimant"), ("alice", 2, "other_merchant")],
)
def test_a_reused_photo_is_found_with_where_it_came_from(
    indexed_photo, claimant, merchant, relation
):
    copy = REUSES["rot90_cropped_recompressed"](indexed_photo)

    check = photo_check(subject=subject("p-2", "claim-2", claimant, merchant), data=jpeg(copy))

    assert check.readable
    [match] = check.matches
    assert (match.photo_ref, match.claim_ref, match.claimant_ref) == ("p-1", "claim-1", "alice")
    assert match.relation == relation
    assert match.method in ("orb-ransac", "phash-dihedral") and match.score > 0.3


def test_a_new_photo_matches_nothing_and_is_indexed_for_later(indexed_photo):
    check = photo_check(subject=subject("p-new", "claim-9", "dave"), data=jpeg(textured(77)))

    assert check.readable and check.matches == []
    row = PhotoFingerprint.objects.get(photo_ref="p-new")
    assert len(row.keys) > 4 and set(row.keys) >= set(
        fp.global_keys(fp.fingerprint(jpeg(textured(77))).features.phash)
    )


def test_photos_of_the_same_claim_do_not_match_each_other():
    original = textured(seed=6)
    photo_check(subject=subject("a", "claim-1", "alice"), data=jpeg(original))
    check = photo_check(subject=subject("b", "claim-1", "alice"), data=jpeg(original, quality=60))
    assert check.matches == []


@pytest.mark.parametrize(
    "data",
    [blank((0, 0, 0)), b"not a photo", jpeg(textured(8))],
    ids=["blank", "unreadable", "ordinary"],
)
def test_the_same_bytes_again_are_a_reuse_whatever_they_show(data):
    first = photo_check(subject=subject("a", "claim-1", "alice"), data=data)

    again = photo_check(subject=subject("b", "claim-2", "bob", merchant=2), data=data)

    assert first.matches == []
    [match] = again.matches
    assert (match.photo_ref, match.method, match.relation) == ("a", "sha256", "other_merchant")
    assert (match.score, match.distance) == (1.0, 0)


def test_an_unusable_photo_is_recorded_with_what_was_measured_and_never_proposed():
    check = photo_check(subject=subject("blank", "claim-1", "alice"), data=blank((0, 0, 0)))
    other = photo_check(subject=subject("white", "claim-2", "bob"), data=blank((255, 0, 0)))

    assert check.readable and check.unusable == "uniform"
    assert check.measured["contrast"] == 0
    assert other.unusable == "uniform" and other.matches == []  # no keys: nothing to meet
    row = PhotoFingerprint.objects.get(photo_ref="blank")
    assert (row.unusable, row.keys) == ("uniform", [])


def test_an_unreadable_photo_is_recorded_once_with_its_reason():
    first = photo_check(subject=subject("bad", "claim-1", "alice"), data=b"not a photo")
    again = photo_check(subject=subject("bad", "claim-1", "alice"), data=b"not a photo")

    assert not first.readable and "UnidentifiedImageError" in first.error
    assert again == first
    assert PhotoFingerprint.objects.filter(photo_ref="bad").count() == 1


def test_the_bench_command_writes_the_contract_and_leaves_no_trace(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "query").mkdir()
    for seed in (1, 2, 3):
        (tmp_path / "index" / f"orig_{seed}.jpg").write_bytes(jpeg(textured(seed)))
    (tmp_path / "query" / "q_1_rot90.jpg").write_bytes(jpeg(REUSES["rot90"](textured(1))))
    (tmp_path / "query" / "q_2_crop.jpg").write_bytes(jpeg(REUSES["cropped"](textured(2))))
    (tmp_path / "query" / "n_1.jpg").write_bytes(jpeg(textured(50)))
    (tmp_path / "query" / "n_2.jpg").write_bytes(b"broken")
    out = tmp_path / "results.jsonl"

    call_command("fraud_bench", str(tmp_path), "--out", str(out))

    lines = {
        line["query"]: line["matches"] for line in map(json.loads, out.read_text().splitlines())
    }
    assert [m["photo"] for m in lines["q_1_rot90.jpg"]] == ["orig_1.jpg"]
    assert [m["photo"] for m in lines["q_2_crop.jpg"]] == ["orig_2.jpg"]
    assert lines["n_1.jpg"] == [] and lines["n_2.jpg"] == []
    assert {"distance", "score", "method", "transform"} <= set(lines["q_1_rot90.jpg"][0])
    assert not PhotoFingerprint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_scale_command_finds_every_planted_copy_and_leaves_no_trace(capsys):
    call_command("fraud_bench", "--scale", "1000", "--brute-queries", "1")

    out = capsys.readouterr().out
    assert "found=20/20" in out and "BENCH fraud.scale photos=1000 " in out
    assert not PhotoFingerprint.objects.exists()
