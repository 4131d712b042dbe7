"""Photo reuse: the public bench (../shared/fraud-bench, seed 7) and lookup time at scale.

Builds the bench under .bench/fraud-seed7 once (from ../shared/datasets/produce-photos), runs
`manage.py fraud_bench` on it through the claims code path, scores the answers with the
bench's own scorer, then fills a scratch index with BENCH_FRAUD_SCALE synthetic fingerprints
(1,000,000 by default; about 25 minutes on 2 cores) and times lookups against a full scan.

    BENCH fraud.photos index_photos_per_s=... check_photos_per_s=...
    BENCH fraud.bench recall=... false_alarm_rate=... wrong_match=... small_rotate=... ...
    BENCH fraud.scale photos=... bytes_per_photo=... payload_file_bytes=... lookup_p50_ms=...
          lookup_p99_ms=... scan_p50_ms=... speedup=...
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import PROJECT_DIR, bench_line, fresh_database, manage, platform_env

SHARED = PROJECT_DIR.parent / "shared"
BENCH_DIR = PROJECT_DIR / ".bench" / "fraud-seed7"
SCALE = int(os.environ.get("BENCH_FRAUD_SCALE", "1000000"))


def build_bench() -> None:
    if (BENCH_DIR / "truth.csv").exists():
        return
    subprocess.run(
        [sys.executable, str(SHARED / "fraud-bench" / "make_bench.py"),
         str(SHARED / "datasets" / "produce-photos"), str(BENCH_DIR), "--seed", "7"],
        check=True,
    )  # fmt: skip


def score(results: Path) -> dict[str, str]:
    report = subprocess.run(
        [sys.executable, str(SHARED / "fraud-bench" / "score_bench.py"), str(BENCH_DIR),
         str(results)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    print(report)
    figures = dict(re.findall(r"(\w+)=([\d.]+)", report.splitlines()[-1]))
    figures.update(re.findall(r"^(\w+)\s+recall\s+([\d.]+)", report, re.MULTILINE))
    return figures


def main() -> int:
    fresh_database()
    with tempfile.TemporaryDirectory() as scratch:
        env = platform_env(Path(scratch))
        manage(env, "migrate", "--noinput")
        if (SHARED / "fraud-bench").exists():
            build_bench()
            results = Path(scratch) / "results.jsonl"
            output = manage(env, "fraud_bench", str(BENCH_DIR), "--out", str(results))
            print(output, end="")
            bench_line("fraud.bench", **score(results))
        else:
            print(f"{SHARED / 'fraud-bench'} is missing: the public bench is skipped")
        print(manage(env, "fraud_bench", "--scale", str(SCALE)), end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
