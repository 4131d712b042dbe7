"""Issuance under load: single binds and cart batches over HTTP, against pgbench in the same run.

Starts the production setup (gunicorn, PostgreSQL, Redis for rate limits) on a scratch
database, measures pgbench inserting one policy-like row per transaction into the same
PostgreSQL, then drives the API with wrk (a separate C program, not the server) and reports:

    BENCH issuance.single policies_per_s=... p50_ms=... p99_ms=... pgbench_tps=... ratio=...
    BENCH issuance.batch items=... policies_per_s=... p50_ms=... p99_ms=... (the same keys)

Environment: BENCH_SECONDS (20), BENCH_WEB_WORKERS (4), BENCH_CART_ITEMS (20),
BENCH_DATABASE_URL, BENCH_BROKER_URL.
"""

import os
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BIN,
    DATABASE_URL,
    bench_line,
    free_port,
    fresh_database,
    manage,
    pgbench_inserts,
    platform_env,
    scratch_dir,
    start,
    wait_healthy,
    wrk,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", "4")
CART_ITEMS = int(os.environ.get("BENCH_CART_ITEMS", "20"))
SCRIPT = Path(__file__).resolve().parent / "wrk" / "issue.lua"


def issued_policies() -> int:
    with psycopg.connect(DATABASE_URL) as conn:
        return conn.execute("SELECT count(*) FROM insurance_policy").fetchone()[0]


def main() -> None:
    fresh_database()
    with scratch_dir() as scratch:
        port = free_port()
        env = platform_env(
            scratch, WEB_ADDR=f"127.0.0.1:{port}", WEB_CONCURRENCY=WEB_WORKERS, WEB_THREADS="1"
        )
        manage(env, "migrate", "--noinput")
        manage(env, "create_merchant", "--slug", "bench-shop", "--name", "Bench shop")
        # No rate limit of its own beyond the platform's: the load is the point.
        key = manage(
            env, "create_api_key", "--merchant", "bench-shop", "--rate-limit", "100000000"
        ).strip()
        web = start(
            "gunicorn",
            [str(BIN / "gunicorn"), "config.wsgi", "--config", "python:config.gunicorn"],
            env,
            scratch,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, web)
            pgbench_tps = pgbench_inserts(clients=8, seconds=SECONDS, scratch=scratch)
            print(f"pgbench: {pgbench_tps:.0f} inserts/s (one row per transaction, 8 clients)")
            wrk_env = {"BENCH_API_KEY": key}
            wrk(
                url=base,
                script=SCRIPT,
                connections=8,
                seconds=3,
                env={**wrk_env, "BENCH_RUN": "warm"},
            )
            for name, items, connections in (("single", 1, 16), ("batch", CART_ITEMS, 8)):
                before = issued_policies()
                result = wrk(
                    url=base,
                    script=SCRIPT,
                    connections=connections,
                    seconds=SECONDS,
                    env={**wrk_env, "BENCH_ITEMS": str(items), "BENCH_RUN": name},
                )
                issued = issued_policies() - before
                policies_per_s = issued / result.seconds
                print(
                    f"{name}: {result.ok_requests} ok and {result.failed_requests} failed "
                    f"requests in {result.seconds:.1f}s; {issued} policies in the database"
                )
                figures = {"items": items} if items > 1 else {}
                bench_line(
                    f"issuance.{name}",
                    **figures,
                    policies_per_s=round(policies_per_s),
                    p50_ms=round(result.p50_ms, 1),
                    p99_ms=round(result.p99_ms, 1),
                    pgbench_tps=round(pgbench_tps),
                    ratio=round(policies_per_s / pgbench_tps, 3),
                )
        finally:
            web.stop()


if __name__ == "__main__":
    main()
