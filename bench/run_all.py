"""Run every benchmark in bench/ (files named bench_*.py), one after the other.

Each benchmark starts what it measures, stops it after, and ends with one line
`BENCH <name> key=value ...`; this runner fails if any benchmark fails.
"""

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main() -> int:
    benches = sorted(BENCH_DIR.glob("bench_*.py"))
    if not benches:
        print("No benchmarks in bench/ yet.")
        return 0
    failed = []
    for bench in benches:
        print(f"== {bench.name}", flush=True)
        if subprocess.run([sys.executable, str(bench)], cwd=BENCH_DIR.parent).returncode != 0:
            failed.append(bench.name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
