"""Claims under a steady stream: time from submission to decision and to paid.

Starts the production setup (the web server, a Celery worker, beat, PostgreSQL, Redis) on a scratch
database, issues the policies, then offers claims at a constant rate from this process (a
load generator apart from the server): 80% shipping-return claims opened by `return_shipped`
order events (no photo), 20% fresh-produce claims with one phone-sized JPEG each (12 MP, made
from the real produce photos in ../shared/datasets), a tenth of those reusing an earlier
photo. Decisions and payouts are read from the database afterwards.

Baseline in the same run: a no-op Celery task's round trip through the same broker.

    BENCH claims.baseline noop_p50_ms=... noop_p99_ms=...
    BENCH claims p50_ms=... p99_ms=... claims_per_s=... offered_per_s=... (submission to paid)

Environment: BENCH_CLAIMS_RATE (50 per second), BENCH_CLAIMS_SECONDS (30), BENCH_PHOTOS_DIR,
BENCH_PROFILE (a path prefix: py-spy samples the web server into PREFIX-web.txt and the worker
into PREFIX-worker.txt while claims are offered; read them with profile_breakdown.py or
`grep`), BENCH_DATABASE_URL, BENCH_BROKER_URL (RabbitMQ), BENCH_CACHE_URL (Redis).
"""

import asyncio
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import psycopg
from PIL import Image

# bench/ for the harness, the project for its code (run as `python bench/bench_claims.py`).
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from harness import (  # noqa: E402
    BIN,
    CACHE_URL,
    DATABASE_URL,
    bench_line,
    free_port,
    fresh_database,
    manage,
    platform_env,
    profiled,
    scratch_dir,
    start,
    wait_healthy,
    web_server_args,
)

from fraud.synthetic import produce_photo  # noqa: E402

RATE = float(os.environ.get("BENCH_CLAIMS_RATE", "50"))
SECONDS = int(os.environ.get("BENCH_CLAIMS_SECONDS", "30"))
PHOTOS_DIR = Path(
    os.environ.get(
        "BENCH_PHOTOS_DIR",
        Path(__file__).resolve().parents[2] / "shared" / "datasets" / "produce-photos",
    )
)
PROFILE = os.environ.get("BENCH_PROFILE")
PHOTO_SHARE = 0.2
REUSE_SHARE = 0.1
random.seed(7)


def _phone_photo(image: Image.Image, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    image = image.convert("RGB").resize((4032, 3024))
    pixels = np.asarray(image, dtype=np.int16) + rng.normal(0, 3, (3024, 4032, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def phone_photos(count: int) -> list[bytes]:
    """Distinct 12-megapixel JPEGs as a phone takes them: the real produce photos first
    (upscaled, with a little sensor noise so they weigh what phone photos weigh), then
    generated ones. Kept in .bench/ between runs: making them takes a while."""
    cache = Path(__file__).resolve().parent.parent / ".bench" / "phone-photos"
    cache.mkdir(parents=True, exist_ok=True)
    sources = sorted(PHOTOS_DIR.glob("*.jpg"))
    photos = []
    for number in range(count):
        path = cache / f"{number:04d}.jpg"
        if not path.exists():
            image = (
                Image.open(sources[number])
                if number < len(sources)
                else Image.open(io.BytesIO(produce_photo(seed=number, size=(1008, 756))))
            )
            path.write_bytes(_phone_photo(image, seed=number))
        photos.append(path.read_bytes())
    return photos


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _delivered(client: httpx.AsyncClient, policy: dict) -> None:
    for _ in range(20):
        try:
            answer = await client.post(
                f"/api/v1/orders/{policy['order_ref']}/events", json={"kind": "delivered"}
            )
        except httpx.TransportError:  # a kept-alive connection closed under it: again
            continue
        if answer.status_code != 503:
            answer.raise_for_status()
            return
        await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
    answer.raise_for_status()


async def issue_policies(client: httpx.AsyncClient, product: str, count: int) -> list[dict]:
    body = {
        "shipping_return": {
            "product": "shipping_return",
            "order_value": "99.00",
            "category": "apparel",
            "buyer_region": "CN-SH",
        },
        "fresh_produce": {
            "product": "fresh_produce",
            "order_value": "180.00",
            "category": "fruit",
            "transit_days": 1,
        },
    }[product]
    policies = []
    for first in range(0, count, 100):
        items = [
            {**body, "order_ref": f"{product}-{n}", "buyer_ref": f"buyer-{product}-{n}"}
            for n in range(first, min(first + 100, count))
        ]
        response = await client.post("/api/v1/policies/batch", json={"items": items})
        response.raise_for_status()
        policies += response.json()["policies"]
    # Cover starts on delivery: every order is delivered before anything is claimed.
    for first in range(0, len(policies), 16):
        await asyncio.gather(*[_delivered(client, p) for p in policies[first : first + 16]])
    return policies


async def offer_claims(
    client: httpx.AsyncClient, shipping: list[dict], produce: list[dict], photos: list[bytes]
) -> list[dict]:
    """Send claims at a constant rate (open loop: a slow answer does not slow the offer)."""
    sent: list[dict] = []
    tasks = []
    interval = 1 / RATE
    used_photos: list[int] = []
    began = time.monotonic()
    total = int(RATE * SECONDS)
    for number in range(total):
        await asyncio.sleep(max(0.0, began + number * interval - time.monotonic()))
        if random.random() < PHOTO_SHARE and produce:
            policy = produce.pop()
            reuse = bool(used_photos) and random.random() < REUSE_SHARE
            index = random.choice(used_photos) if reuse else len(used_photos)
            if not reuse:
                used_photos.append(index)
            record = {"kind": "reuse" if reuse else "photo", "policy": policy["id"]}
            request = client.post(
                "/api/v1/claims",
                data={
                    "policy_id": policy["id"],
                    "claimant_ref": policy["buyer_ref"],
                    "amount": "60.00",
                },
                files={"photos": ("photo.jpg", photos[index], "image/jpeg")},
            )
        else:
            policy = shipping.pop()
            record = {"kind": "return", "policy": policy["id"]}
            request = client.post(
                f"/api/v1/orders/{policy['order_ref']}/events",
                json={"kind": "return_shipped", "tracking_number": f"SF{number:010d}"},
            )
        record["sent_at"] = time.time()
        sent.append(record)
        tasks.append(asyncio.ensure_future(request))
    responses = await asyncio.gather(*tasks, return_exceptions=True)
    for record, response in zip(sent, responses, strict=True):
        record["status"] = getattr(response, "status_code", repr(response))
    return sent


def outcomes(sent: list[dict], deadline: float) -> dict[int, tuple]:
    """Each offered claim's (status, decided_at, paid_at), once all have settled."""
    policies = [record["policy"] for record in sent]
    with psycopg.connect(DATABASE_URL) as conn:
        while True:
            rows = conn.execute(
                "SELECT policy_id, status, extract(epoch from decided_at), "
                "extract(epoch from paid_at) FROM claims_claim WHERE policy_id = ANY(%s)",
                [policies],
            ).fetchall()
            unsettled = sum(row[1] in ("submitted", "screening", "approved") for row in rows)
            if (len(rows) == len(policies) and not unsettled) or time.time() > deadline:
                return {row[0]: row[1:] for row in rows}
            time.sleep(1)


def noop_round_trips(env: dict[str, str], count: int = 200) -> list[float]:
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "CELERY_BROKER_URL",
                "CELERY_BROKER_KEY_PREFIX",
                "CACHE_URL",
                "CELERY_RESULT_BACKEND",
                "SECRET_KEY",
                "ENVIRONMENT",
                "DATA_DIR",
                "LOG_LEVEL",
            )
        }
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from config.celery import ping

    ping.delay().get(timeout=30)  # warm the connections
    times = []
    for _ in range(count):
        started = time.perf_counter()
        ping.delay().get(timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def drive(base: str, key: str, photos: list[bytes]) -> list[dict]:
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(
        base_url=base, timeout=60, limits=limits, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        total = int(RATE * SECONDS)
        shipping = await issue_policies(client, "shipping_return", total)
        produce = await issue_policies(client, "fresh_produce", int(total * 0.4) + 10)
        print(
            f"issued {len(shipping) + len(produce)} policies; offering {total} claims at "
            f"{RATE:g}/s for {SECONDS} s",
            flush=True,
        )
        return await offer_claims(client, shipping, produce, photos)


def main() -> None:
    photos = phone_photos(int(RATE * SECONDS * PHOTO_SHARE * 1.5) + 10)
    print(
        f"{len(photos)} phone-sized photos, {statistics.mean(map(len, photos)) / 1e6:.1f} MB "
        "each on average",
        flush=True,
    )
    fresh_database()
    with scratch_dir() as scratch:
        port = free_port()
        env = platform_env(
            scratch,
            WEB_ADDR=f"127.0.0.1:{port}",
            CELERY_RESULT_BACKEND=CACHE_URL,
            MEDIA_ROOT=str(scratch / "media"),
        )
        manage(env, "migrate", "--noinput")
        manage(env, "create_merchant", "--slug", "bench-shop", "--name", "Bench shop")
        key = manage(
            env, "create_api_key", "--merchant", "bench-shop", "--rate-limit", "100000000"
        ).strip()
        celery = str(BIN / "celery")
        processes = [
            start("web", web_server_args(), env, scratch),
            start(
                "worker",
                [
                    celery,
                    "-A",
                    "config",
                    "--quiet",
                    "worker",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                env,
                scratch,
            ),
            start(
                "beat",
                [celery, "-A", "config", "--quiet", "beat", "--loglevel=WARNING"],
                env,
                scratch,
            ),
        ]
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, processes[0])
            noop = noop_round_trips(env)
            bench_line(
                "claims.baseline",
                noop_p50_ms=round(percentile(noop, 0.5), 1),
                noop_p99_ms=round(percentile(noop, 0.99), 1),
            )
            with (
                profiled(processes[0], PROFILE and f"{PROFILE}-web.txt", SECONDS + 20),
                profiled(processes[1], PROFILE and f"{PROFILE}-worker.txt", SECONDS + 20),
            ):
                sent = asyncio.run(drive(base, key, photos))
            report(sent, outcomes(sent, deadline=time.time() + 300))
        finally:
            for process in processes:
                process.stop()


def report(sent: list[dict], settled: dict[int, tuple]) -> None:
    refused = [record for record in sent if record["status"] != 201]
    print(
        f"{len(sent)} claims offered, {len(refused)} refused or failed "
        f"({sorted({str(r['status']) for r in refused})})"
    )
    to_paid: dict[str, list[float]] = {}
    to_decision: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    for record in sent:
        status, decided_at, paid_at = settled.get(record["policy"], ("missing", None, None))
        statuses[status] = statuses.get(status, 0) + 1
        if decided_at is not None:
            to_decision.setdefault(record["kind"], []).append(
                (float(decided_at) - record["sent_at"]) * 1000
            )
        if paid_at is not None:
            to_paid.setdefault(record["kind"], []).append(
                (float(paid_at) - record["sent_at"]) * 1000
            )
    print(f"claim statuses: {statuses}")
    for kind in sorted(to_decision):
        paid = to_paid.get(kind, [])
        print(
            f"  {kind:7} n={len(to_decision[kind]):5}  to decision p50 "
            f"{percentile(to_decision[kind], 0.5):7.0f} ms p99 "
            f"{percentile(to_decision[kind], 0.99):7.0f} ms   to paid "
            + (
                f"p50 {percentile(paid, 0.5):7.0f} ms p99 {percentile(paid, 0.99):7.0f} ms"
                if paid
                else "(none: sent to review)"
            )
        )
    every_paid = [value for values in to_paid.values() for value in values]
    first_sent = min(record["sent_at"] for record in sent)
    last_settled = max(float(row[1] or 0) for row in settled.values() if row[1] is not None)
    decided = sum(len(values) for values in to_decision.values())
    bench_line(
        "claims",
        p50_ms=round(percentile(every_paid, 0.5)),
        p99_ms=round(percentile(every_paid, 0.99)),
        claims_per_s=round(decided / (last_settled - first_sent), 1),
        offered_per_s=RATE,
        failed=len(refused),
    )


if __name__ == "__main__":
    main()
