"""Where a web process spends its time: py-spy's raw stacks (bench_issuance.py with
BENCH_PROFILE=FILE) summed into the stages of a bind.

    .venv/bin/python bench/profile_breakdown.py FILE

Each sample goes to the most specific stage named in its stack, so a stage's share includes
the ORM and database calls under it. What no stage names is the server and framework around
the request. py-spy samples running threads only: time waiting on a socket is not counted.
"""

import sys
from collections import Counter

# (stage, markers), most specific first: frames are "function (file:line)", and a sample goes
# to the first stage one of whose markers is in any frame of its stack.
STAGES = [
    ("commit", ["_commit (django/db", "commit (psycopg"]),
    ("API key lookup", ["authenticate (", "ApiKeyCache", "api_key_touch"]),
    ("rate limit", ["allow_request (", "RateLimits"]),
    ("parse JSON", ["BoundedJSONParser", "orjson", "_read_body ("]),
    ("validate input", ["is_valid (", "bind_requests_from (", "body_fingerprint ("]),
    ("risk history reads", ["History.load"]),
    ("pricing", ["_policy_from ("]),
    ("write: idempotency record", ["_claim_key", "_answers_store (", "IdempotencyRecord"]),
    ("write: policies", ["_policies_insert (", "_store_issued ("]),
    ("write: events, ledger, webhooks", ["_record_issued ("]),
    ("render JSON", ["to_representation (", "policy_output (", "render (", "_respond ("]),
    ("group writer, other", ["policies_issue_group (", "GroupWriter"]),
    ("Django middleware and DRF dispatch", ["django/", "rest_framework/"]),
]
SERVER = "server (HTTP, event loop, worker)"


def stage_of(stack: str) -> str:
    for stage, markers in STAGES:
        if any(marker in stack for marker in markers):
            return stage
    return SERVER


def breakdown(path: str) -> Counter:
    counts: Counter = Counter()
    with open(path) as raw:
        for line in raw:
            stack, _, samples = line.rstrip("\n").rpartition(" ")
            if samples.isdigit():
                counts[stage_of(stack)] += int(samples)
    return counts


def main() -> None:
    counts = breakdown(sys.argv[1])
    total = sum(counts.values()) or 1
    for stage, samples in counts.most_common():
        print(f"{samples / total:7.1%}  {stage}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
