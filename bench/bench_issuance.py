"""Issuance under load: single binds, cart batches and an overload, against two baselines measured
in the same run on the same PostgreSQL: the peer (the most naive Django + DRF create a team could
write instead, bench/peer/) and pgbench inserting one policy-like row per transaction.

Starts each server on the production settings and a scratch database, drives it with wrk (a
separate C program, not the server) and reports:

    BENCH issuance.single policies_per_s=... p50_ms=... p99_ms=... peer_req_per_s=...
          peer_ratio=... pgbench_tps=... ratio=...
    BENCH issuance.batch items=... (the same keys)
    BENCH issuance.overload offered_per_s=... accepted_per_s=... shed_per_s=...
          accepted_p99_ms=... errors=...

peer_ratio is policies/s over the peer's requests/s; ratio is policies/s over pgbench's
transactions/s. The overload offers twice the single-bind rate just measured, for
BENCH_OVERLOAD_SECONDS, and then checks every accepted policy in the database.

Environment: BENCH_SECONDS (20), BENCH_OVERLOAD_SECONDS (20), BENCH_WEB_WORKERS (4),
BENCH_CART_ITEMS (20), BENCH_PROFILE (a file: py-spy samples the platform's single binds into it),
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
    PROJECT_DIR,
    bench_line,
    free_port,
    fresh_database,
    manage,
    pgbench_inserts,
    platform_env,
    profiled,
    scratch_dir,
    start,
    wait_healthy,
    web_server_args,
    wrk,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
OVERLOAD_SECONDS = int(os.environ.get("BENCH_OVERLOAD_SECONDS", "20"))
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", "4")
CART_ITEMS = int(os.environ.get("BENCH_CART_ITEMS", "20"))
PROFILE = os.environ.get("BENCH_PROFILE")
WRK_DIR = Path(__file__).resolve().parent / "wrk"
SCRIPT = WRK_DIR / "issue.lua"
PEER_DATABASE_URL = DATABASE_URL + "_peer"
OVERLOAD_CONNECTIONS = 256


def peer_requests_per_s(scratch: Path) -> float:
    """The peer's creates per second under the same load as the platform's single binds."""
    fresh_database(PEER_DATABASE_URL)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(PROJECT_DIR / "bench"),
        "DJANGO_SETTINGS_MODULE": "peer.settings",
        "PEER_DATABASE_URL": PEER_DATABASE_URL,
    }
    migrate = start(
        "peer-migrate", [str(BIN / "django-admin"), "migrate", "--run-syncdb"], env, scratch
    )
    if migrate.popen.wait() != 0:
        raise RuntimeError(migrate.log.read_text())
    port = free_port()
    peer = start(
        "peer",
        [str(BIN / "gunicorn"), "peer.wsgi", "-w", WEB_WORKERS, "-b", f"127.0.0.1:{port}"],
        env,
        scratch,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, peer, path="/policies?id=0")
        script = WRK_DIR / "peer.lua"
        wrk(url=base, script=script, connections=8, seconds=3, env={"BENCH_RUN": "warm"})
        result = wrk(
            url=base, script=script, connections=16, seconds=SECONDS, env={"BENCH_RUN": "peer"}
        )
    finally:
        peer.stop()
    print(
        f"peer: {result.ok_requests} ok and {result.failed_requests} failed requests in "
        f"{result.seconds:.1f}s; p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )
    return result.ok_requests / result.seconds


def issued_policies(prefix: str = "") -> int:
    with psycopg.connect(DATABASE_URL) as conn:
        return conn.execute(
            "SELECT count(*) FROM insurance_policy WHERE order_ref LIKE %s", [prefix + "%"]
        ).fetchone()[0]


INCOMPLETE = """
SELECT
  (SELECT count(*) FROM insurance_policy p WHERE p.order_ref LIKE %(p)s AND NOT EXISTS
     (SELECT 1 FROM insurance_policyevent e WHERE e.policy_id = p.id)),
  (SELECT count(*) FROM insurance_policy p WHERE p.order_ref LIKE %(p)s AND NOT EXISTS
     (SELECT 1 FROM insurance_ledgertransfer t WHERE t.policy_id = p.id)),
  (SELECT count(*) FROM insurance_policy p WHERE p.order_ref LIKE %(p)s AND NOT EXISTS
     (SELECT 1 FROM insurance_idempotencyrecord r WHERE r.key = p.order_ref
      AND r.merchant_id = p.merchant_id AND r.response_status = 201)),
  (SELECT count(*) FROM insurance_idempotencyrecord r WHERE r.key LIKE %(p)s AND NOT EXISTS
     (SELECT 1 FROM insurance_policy p WHERE p.order_ref = r.key AND p.merchant_id = r.merchant_id))
"""


def incomplete_policies(prefix: str) -> int:
    """Policies missing their event, ledger transfer or stored answer, and stored answers
    without their policy: zero when nothing was half-written."""
    with psycopg.connect(DATABASE_URL) as conn:
        return sum(conn.execute(INCOMPLETE, {"p": prefix + "%"}).fetchone())


def main() -> None:
    fresh_database()
    with scratch_dir() as scratch:
        peer_rps = peer_requests_per_s(scratch)
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
        web = start("web", web_server_args(), env, scratch)
        base = f"http://127.0.0.1:{port}"
        results = {}
        try:
            wait_healthy(base, web)
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
                with profiled(web, PROFILE if name == "single" else None, SECONDS):
                    result = wrk(
                        url=base,
                        script=SCRIPT,
                        connections=connections,
                        seconds=SECONDS,
                        env={**wrk_env, "BENCH_ITEMS": str(items), "BENCH_RUN": name},
                    )
                issued = issued_policies() - before
                print(
                    f"{name}: {result.ok_requests} ok and {result.failed_requests} failed "
                    f"requests in {result.seconds:.1f}s; {issued} policies in the database"
                )
                results[name] = (items, issued / result.seconds, result)
            offered = 2 * results["single"][1]
            overload = wrk(
                url=base,
                script=SCRIPT,
                connections=OVERLOAD_CONNECTIONS,
                seconds=OVERLOAD_SECONDS,
                env={
                    **wrk_env,
                    "BENCH_RUN": "overload",
                    "BENCH_OFFERED_PER_S": str(round(offered)),
                    "BENCH_CONNECTIONS": str(OVERLOAD_CONNECTIONS),
                },
            )
        finally:
            web.stop()
        issued = issued_policies("overload-")
        incomplete = incomplete_policies("overload-")
        print(
            f"overload: offered {offered:.0f}/s; {overload.accepted} accepted, {overload.shed} "
            f"shed, {overload.other} other answers, {overload.socket_errors} socket errors; "
            f"{issued} policies in the database ({issued - overload.accepted} answered after wrk "
            f"stopped), {incomplete} incomplete"
        )
        pgbench_tps = pgbench_inserts(clients=8, seconds=SECONDS, scratch=scratch)
        print(f"pgbench: {pgbench_tps:.0f} inserts/s (one row per transaction, 8 clients)")
    for name, (items, policies_per_s, result) in results.items():
        bench_line(
            f"issuance.{name}",
            **({"items": items} if items > 1 else {}),
            policies_per_s=round(policies_per_s),
            p50_ms=round(result.p50_ms, 1),
            p99_ms=round(result.p99_ms, 1),
            peer_req_per_s=round(peer_rps),
            peer_ratio=round(policies_per_s / peer_rps, 2),
            pgbench_tps=round(pgbench_tps),
            ratio=round(policies_per_s / pgbench_tps, 3),
        )
    answered = overload.accepted + overload.shed + overload.other
    # Requests still under way when wrk stops are issued without wrk counting the answer, so
    # the database may hold more than were accepted; an accepted one missing is an error.
    errors = (
        overload.other + overload.socket_errors + max(0, overload.accepted - issued) + incomplete
    )
    bench_line(
        "issuance.overload",
        offered_per_s=round(answered / overload.seconds),
        accepted_per_s=round(overload.accepted / overload.seconds),
        shed_per_s=round(overload.shed / overload.seconds),
        accepted_p99_ms=round(overload.accepted_p99_ms, 1),
        errors=errors,
    )


if __name__ == "__main__":
    main()
