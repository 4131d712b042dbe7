"""The photo-reuse benchmarks, on a scratch namespace of the index that never mixes with claims.

    manage.py fraud_bench BENCH_DIR --out RESULTS.jsonl   # ../shared/fraud-bench's contract
    manage.py fraud_bench BENCH_DIR --make-kinds OUT_DIR  # re-shots and collages (bench_kinds)
    manage.py fraud_bench --scale N                       # lookup time at N indexed photos

The first indexes BENCH_DIR/index/ through the code path claims use (photo_index), checks every
photo in BENCH_DIR/query/ (photo_matches, without adding them to the index) and writes one JSON
line per query. `--make-kinds` writes a bench of the same layout (index/ is the public bench's,
linked) whose queries are the kinds of fraud.bench_kinds: each indexed photo re-shot from a
screen and from a print, in a collage and in a screenshot, and the same made of photos that
were never indexed (which must match nothing). The last fills the index with N synthetic
fingerprints and times lookups against a full scan of the same table in the same run.
"""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from PIL import Image

from fraud import bench_kinds
from fraud import fingerprint as fp
from fraud.models import PhotoFingerprint
from fraud.services import (
    PhotoSubject,
    _candidates,
    _payload_name,
    payloads_delete,
    photo_index,
    photo_matches,
)
from fraud.synthetic import produce_photo

PLANTED = 20  # real photos hidden among the synthetic ones, looked up by a changed copy
COPY_BATCH = 10_000


class Command(BaseCommand):
    help = "Photo-reuse benchmark (BENCH_DIR --out RESULTS.jsonl) or index scale (--scale N)."

    def add_arguments(self, parser):
        parser.add_argument("bench_dir", nargs="?", type=Path)
        parser.add_argument("--out", type=Path, help="where the JSON lines go")
        parser.add_argument(
            "--make-kinds", type=Path, help="write a bench of re-shots and collages here"
        )
        parser.add_argument("--seed", type=int, default=7, help="for --make-kinds")
        parser.add_argument("--scale", type=int, help="synthetic fingerprints to index")
        parser.add_argument(
            "--brute-queries", type=int, default=3, help="full scans to time (each is slow)"
        )

    def handle(self, *args, bench_dir, out, scale, brute_queries, make_kinds, seed, **options):
        if bench_dir and make_kinds:
            self._make_kinds(bench_dir, make_kinds, seed)
            return
        # As short as the claims' own namespace: --scale measures the bytes of its rows.
        namespace = f"bench{uuid.uuid4().hex[:6]}"
        try:
            if scale:
                self._scale(namespace, scale, brute_queries)
            elif bench_dir and out:
                self._bench(namespace, bench_dir, out)
            else:
                raise CommandError(
                    "give BENCH_DIR --out RESULTS.jsonl, BENCH_DIR --make-kinds OUT_DIR, "
                    "or --scale N"
                )
        finally:  # the scratch namespace goes, whatever happened
            payloads_delete(namespace=namespace)
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM fraud_photofingerprint WHERE namespace = %s", [namespace]
                )

    # The public photo-reuse bench -------------------------------------------------------------

    def _bench(self, namespace: str, bench_dir: Path, out: Path) -> None:
        index_paths, query_paths = (
            sorted(p for p in (bench_dir / folder).glob("*") if p.is_file())
            for folder in ("index", "query")
        )
        if not index_paths or not query_paths:
            raise CommandError(f"{bench_dir} needs photos in index/ and in query/")
        started = time.perf_counter()
        for path in index_paths:
            subject = PhotoSubject(path.name, f"bench:{path.name}", "bench:index", None)
            photo_index(subject=subject, data=path.read_bytes(), namespace=namespace)
        index_rate = len(index_paths) / (time.perf_counter() - started)
        self.stdout.write(f"indexed {len(index_paths)} photos: {index_rate:.1f} photos/s")

        query_subject = PhotoSubject("", "bench:query", "bench:query", None)
        fingerprinting = searching = 0.0
        unreadable = 0
        with out.open("w") as results:
            for path in query_paths:
                started = time.perf_counter()
                try:
                    query = fp.fingerprint(path.read_bytes())
                except (fp.UnreadablePhoto, fp.UnusablePhoto):
                    query, unreadable = None, unreadable + 1
                fingerprinted = time.perf_counter()
                found = (
                    photo_matches(query=query, subject=query_subject, namespace=namespace)
                    if query
                    else []
                )
                searching += time.perf_counter() - fingerprinted
                fingerprinting += fingerprinted - started
                line = {"query": path.name, "matches": [_contract(m) for m in found]}
                results.write(json.dumps(line) + "\n")
        checked = len(query_paths)
        check_rate = checked / (fingerprinting + searching)
        self.stdout.write(
            f"checked {checked} photos: {check_rate:.1f} photos/s "
            f"(fingerprint {1000 * fingerprinting / checked:.1f} ms, "
            f"search and verify {1000 * searching / checked:.1f} ms per photo; "
            f"{unreadable} unreadable or unusable)"
        )
        self.stdout.write(
            f"BENCH fraud.photos index_photos_per_s={index_rate:.1f} "
            f"check_photos_per_s={check_rate:.1f}"
        )

    # Re-shots and collages of the public bench's photos ---------------------------------------

    def _make_kinds(self, bench_dir: Path, out: Path, seed: int) -> None:
        indexed = sorted((bench_dir / "index").glob("orig_*.jpg"))
        unseen = sorted((bench_dir / "query").glob("n_*_exact.jpg"))
        if not indexed or len(unseen) < 4:
            raise CommandError(f"{bench_dir} is not a bench made by make_bench.py")
        (out / "query").mkdir(parents=True, exist_ok=True)
        if not (out / "index").exists():
            (out / "index").symlink_to((bench_dir / "index").resolve())
        rng = random.Random(seed)  # noqa: S311 - a reproducible bench, not secrets
        rows = []
        for paths, prefix in ((indexed, "q"), (unseen, "n")):
            for number, path in enumerate(paths):
                earlier = Image.open(path).convert("RGB")
                fillers = [p for p in unseen if p != path]
                for kind, make in bench_kinds.KINDS.items():
                    others = [Image.open(p).convert("RGB") for p in rng.sample(fillers, 3)]
                    name = f"{prefix}_{number:04d}_{kind}.jpg"
                    make(earlier, others, rng).save(
                        out / "query" / name, "JPEG", quality=rng.randint(80, 95)
                    )
                    expected = path.name if prefix == "q" else ""
                    rows.append((name, expected, kind if prefix == "q" else f"new_{kind}"))
        with (out / "truth.csv").open("w", newline="") as truth:
            writer = csv.writer(truth)
            writer.writerow(["query", "expected_original", "kind"])
            writer.writerows(rows)
        self.stdout.write(f"{len(rows)} queries of {len(bench_kinds.KINDS)} kinds in {out}")

    # Lookup at scale ----------------------------------------------------------------------------

    def _scale(self, namespace: str, count: int, brute_queries: int) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("--scale times PostgreSQL's index; set DATABASE_URL to it")
        if count < 1000 or brute_queries < 1:
            raise CommandError("--scale takes 1000 photos or more, --brute-queries 1 or more")
        rng = random.Random(7)  # noqa: S311 - synthetic data, not secrets
        started = time.perf_counter()
        planted = self._plant(namespace)
        self._fill(namespace, count - len(planted), rng)
        with connection.cursor() as cursor:  # as autovacuum would, before lookups are timed
            cursor.execute("VACUUM ANALYZE fraud_photofingerprint")
            cursor.execute(
                "SELECT pg_total_relation_size('fraud_photofingerprint'), "
                "pg_relation_size('fraud_photofingerprint'), "
                "pg_relation_size('fingerprint_keys'), COUNT(*) FROM fraud_photofingerprint"
            )
            total, heap, gin, rows = cursor.fetchone()
        # What verification compares lives in the file storage: its size, over the real photos.
        payload_sizes = [
            default_storage.size(_payload_name(bytes(digest)))
            for digest in PhotoFingerprint.objects.filter(
                namespace=namespace, error=""
            ).values_list("sha256", flat=True)
        ]
        bytes_per_photo = total / rows
        self.stdout.write(
            f"indexed {count} fingerprints ({len(planted)} real, the rest synthetic) "
            f"in {time.perf_counter() - started:.0f} s; PostgreSQL holds {total / 2**20:.0f} MiB "
            f"for {rows} photos: {bytes_per_photo:.0f} bytes a photo (table {heap / rows:.0f}, "
            f"key index {gin / rows:.0f}, other indexes and TOAST "
            f"{(total - heap - gin) / rows:.0f}); payload files "
            f"{statistics.mean(payload_sizes):.0f} bytes a real photo in the file storage"
        )

        subject = PhotoSubject("", "bench:query", "bench:query", None)
        for _, query in planted:  # one round untimed: a live index is read all day, hence hot
            photo_matches(query=query, subject=subject, namespace=namespace)
        timings, searches, found_names = [], [], set()
        for _ in range(3):
            for name, query in planted:
                started = time.perf_counter()
                matches = photo_matches(query=query, subject=subject, namespace=namespace)
                timings.append(1000 * (time.perf_counter() - started))
                if any(m.photo_ref == name for m in matches):
                    found_names.add(name)
                started = time.perf_counter()  # the index search alone, without verification
                _candidates(namespace, fp.query_keys(query), "", settings.FRAUD_MAX_CANDIDATES)
                searches.append(1000 * (time.perf_counter() - started))
        found = len(found_names)
        p50, p99 = _percentile(timings, 50), _percentile(timings, 99)

        brute = []
        for _, query in planted[:brute_queries]:
            started = time.perf_counter()
            self._full_scan(namespace, query)
            brute.append(1000 * (time.perf_counter() - started))
        brute_p50 = statistics.median(brute)
        self.stdout.write(
            f"lookup p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(timings)} lookups "
            f"(of which the index search p50 {_percentile(searches, 50):.1f} ms, "
            f"p99 {_percentile(searches, 99):.1f} ms; {len(fp.query_keys(planted[0][1]))} "
            "keys per query); "
            f"found {found}/{len(planted)} planted copies; "
            f"full scan of the same table p50 {brute_p50:.0f} ms ({len(brute)} scans)"
        )
        self.stdout.write(
            f"BENCH fraud.scale photos={count} bytes_per_photo={bytes_per_photo:.0f} "
            f"payload_file_bytes={statistics.mean(payload_sizes):.0f} "
            f"lookup_p50_ms={p50:.1f} lookup_p99_ms={p99:.1f} "
            f"scan_p50_ms={brute_p50:.0f} speedup={brute_p50 / p50:.0f} "
            f"found={found}/{len(planted)}"
        )

    def _plant(self, namespace: str) -> list[tuple[str, fp.Fingerprint]]:
        """Real photos in the index; each is looked up by a turned, cropped, re-saved copy."""
        planted = []
        for seed in range(PLANTED):
            data = produce_photo(seed=10_000 + seed, size=(800, 600))
            name = f"planted-{seed}"
            photo_index(
                subject=PhotoSubject(name, f"bench:{name}", "bench:index", None),
                data=data,
                namespace=namespace,
            )
            image = Image.open(io.BytesIO(data)).rotate(90, expand=True)
            width, height = image.size
            image = image.crop((width // 12, height // 12, width, height - height // 16))
            copy = io.BytesIO()
            image.save(copy, "JPEG", quality=50)
            query = fp.fingerprint(copy.getvalue())
            fp.query_keys(query)  # computed now: lookups are timed, not feature extraction
            planted.append((name, query))
        return planted

    def _fill(self, namespace: str, count: int, rng: random.Random) -> None:
        """Synthetic fingerprints with the statistics of real ones.

        Global hashes come in clusters (photos of similar scenes sit 15-25 bits apart, as
        product shots on white do); local keys are mostly distinct but some recur across many
        photos (flat patches, straight edges), drawn from a small, skewed pool. Synthetic rows
        carry no payload and are marked unreadable: they take part in the index search (and
        can crowd planted photos out of the candidates) but are never verified, so the
        lookup time holds verification of real candidates only.
        """
        clusters = [rng.getrandbits(64) for _ in range(max(1, count // 50))]
        common_keys = [fp.local_key(rng.getrandbits(32)) for _ in range(10_000)]
        local_keys = len(fp.LOCAL_KEY_BITS) * fp.INDEXED_KEYPOINTS
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM fraud_photofingerprint")
            next_id = cursor.fetchone()[0] + 1
            for start in range(0, count, COPY_BATCH):
                ids = range(next_id + start, next_id + min(count, start + COPY_BATCH))
                with cursor.copy(
                    "COPY fraud_photofingerprint (id, namespace, photo_ref, claim_ref, "
                    "claimant_ref, merchant_id, sha256, keys, error, unusable, indexed_at) "
                    "FROM STDIN"
                ) as copy:
                    for row_id in ids:
                        phash = rng.choice(clusters)
                        for bit in rng.sample(range(64), rng.randint(6, 14)):
                            phash ^= 1 << bit
                        keys = set(fp.global_keys(phash))
                        for _ in range(local_keys):
                            keys.add(
                                common_keys[int(rng.paretovariate(1.2)) % len(common_keys)]
                                if rng.random() < 0.1
                                else fp.local_key(rng.getrandbits(32))
                            )
                        # References as long as the claims' own (claim-photo:N, claim:N).
                        copy.write_row(
                            (row_id, namespace, f"claim-photo:{row_id}", f"claim:{row_id}",
                             f"buyer-{rng.randrange(10**6)}", rng.randrange(1, 500),
                             rng.randbytes(32), sorted(keys), "synthetic", "",
                             "2026-01-01T00:00:00Z")
                        )  # fmt: skip
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('fraud_photofingerprint', 'id'), "
                "(SELECT MAX(id) FROM fraud_photofingerprint))"
            )

    def _full_scan(self, namespace: str, query: fp.Fingerprint) -> None:
        """The brute-force baseline: the same keys counted in one pass over every photo's keys
        (no index), with as many parallel workers as PostgreSQL gives a query by default.
        Only the search: verification would cost both sides the same."""
        keys = fp.query_keys(query)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            # The query's keys are a constant array: PostgreSQL hashes it, one probe per key.
            cursor.execute(
                "SELECT id, shared FROM (SELECT id, (SELECT COUNT(*) FROM unnest(keys) key "
                "WHERE key = ANY(%s)) shared FROM fraud_photofingerprint WHERE namespace = %s) "
                "counted WHERE shared > 0 ORDER BY shared DESC, id LIMIT %s",
                [keys, namespace, settings.FRAUD_MAX_CANDIDATES],
            )
            cursor.fetchall()


def _contract(match) -> dict:
    return {
        "photo": match.photo_ref,
        "distance": match.distance,
        "score": match.score,
        "inliers": match.inliers,
        "method": match.method,
        "transform": match.transform,
    }


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]
