"""Sync throughput: 1,000,000 contacts from CSV to a null sink and to a SQLite table.

    .venv/bin/python bench/sync_throughput.py [--rows 1000000] [--change 0.01]

Phases (each a separate `cauce sync run` process, so peak RSS is per run):
1. first run to the null sink, 2. first run to a SQLite table,
3. change 1% of the rows in the CSV, 4./5. re-run both: only the changed
rows must be written. Prints records/s, rows written and peak RSS per run.
Not a test: figures go into bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

FIRST = [
    "lucia",
    "mateo",
    "sofia",
    "hugo",
    "martina",
    "leo",
    "valentina",
    "santiago",
    "camila",
    "thiago",
    "julia",
    "daniel",
]
LAST = [
    "garcia",
    "fernandez",
    "martinez",
    "lopez",
    "sanchez",
    "gomez",
    "rodriguez",
    "hernandez",
    "diaz",
    "torres",
]
CITIES = [
    ("Madrid", "ES"),
    ("Sevilla", "ES"),
    ("Ciudad de México", "MX"),
    ("Bogotá", "CO"),
    ("Buenos Aires", "AR"),
    ("Lima", "PE"),
]

CONFIG = """
store:
  url: sqlite:///{store}
connections:
  files: {{connector: csv, config: {{directory: {data}}}}}
  void: {{connector: "null", config: {{}}}}
  db: {{connector: sql, config: {{url: "sqlite:///{db}"}}}}
syncs:
  to_null:
    source: {{connection: files, stream: contacts}}
    destination: {{connection: void, object: contacts}}
    batch_size: 1000
    mapping: &m
      email: email
      first_name: first_name
      last_name: last_name
      city: city
      country: country
      phone: phone
      total_spent: {{field: total_spent, type: decimal}}
      last_order_on: {{field: last_order_on, type: date}}
      lifecycle_stage: lifecycle_stage
  to_sqlite:
    source: {{connection: files, stream: contacts}}
    destination: {{connection: db, object: contacts}}
    batch_size: 1000
    options: {{create_table: true}}
    mapping: *m
"""


def row(i: int, rng: random.Random, version: int = 0) -> list[str]:
    city, country = CITIES[i % len(CITIES)]
    return [
        f"{FIRST[i % 12]}.{LAST[i % 10]}{i}@example.com",
        FIRST[i % 12].title(),
        LAST[i % 10].title(),
        city if not version else f"{city} (moved)",
        country,
        f"+34 6{i % 100000000:08d}",
        f"{rng.randint(0, 500000) / 100:.2f}",
        f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        ["subscriber", "lead", "customer"][i % 3] if not version else "customer",
        f"{version}",
    ]


HEADER = [
    "email",
    "first_name",
    "last_name",
    "city",
    "country",
    "phone",
    "total_spent",
    "last_order_on",
    "lifecycle_stage",
    "version",
]


def write_csv(path: Path, rows: int, changed: set[int]) -> None:
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(row(i, rng, version=1 if i in changed else 0))


def run_measured(config: Path, sync: str) -> dict[str, object]:
    """Run one sync in a child process; return its outcome plus wall time and peak RSS."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child: exec the CLI with stdout to a file
        out = os.open(str(config.parent / f"{sync}.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        err = os.open(str(config.parent / f"{sync}.err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "cauce.cli.main",
                "sync",
                "run",
                sync,
                "--json",
                "--config",
                str(config),
            ],
        )
    _, status, usage = os.wait4(pid, 0)
    seconds = time.monotonic() - started
    if status != 0:
        sys.exit(f"{sync} failed:\n{(config.parent / f'{sync}.err').read_text()[-3000:]}")
    result: dict[str, object] = json.loads((config.parent / f"{sync}.json").read_text())
    result["wall_seconds"] = seconds
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--change", type=float, default=0.01)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cauce-bench-") as tmp:
        base = Path(tmp)
        data = base / "data"
        data.mkdir()
        csv_path = data / "contacts.csv"
        t0 = time.monotonic()
        write_csv(csv_path, args.rows, set())
        print(
            f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.monotonic() - t0:.1f}s"
        )
        config = base / "cauce.yml"
        config.write_text(
            CONFIG.format(store=base / "store.db", data=data, db=base / "warehouse.db")
        )
        results = []
        for phase, sync in (("first run", "to_null"), ("first run", "to_sqlite")):
            results.append((phase, sync, run_measured(config, sync)))
        changed = set(random.Random(7).sample(range(args.rows), int(args.rows * args.change)))
        write_csv(csv_path, args.rows, changed)
        for sync in ("to_null", "to_sqlite"):
            results.append((f"{args.change:.0%} changed", sync, run_measured(config, sync)))
        print(
            f"\n{'phase':<14} {'sync':<10} {'read':>10} {'written':>9} {'seconds':>8} "
            f"{'records/s':>10} {'peak RSS':>9}"
        )
        for phase, sync, r in results:
            counts = r["counts"]  # type: ignore[index]
            written = counts["created"] + counts["updated"]  # type: ignore[index]
            secs = float(r["wall_seconds"])  # type: ignore[arg-type]
            print(
                f"{phase:<14} {sync:<10} {counts['read']:>10,} {written:>9,} {secs:>8.1f} "  # type: ignore[index]
                f"{counts['read'] / secs:>10,.0f} {float(r['peak_rss_mb']):>7.0f}MB"  # type: ignore[index,arg-type]
            )
        expected = len(changed)
        for _phase, sync, r in results[2:]:
            counts = r["counts"]  # type: ignore[index]
            written = counts["created"] + counts["updated"]  # type: ignore[index]
            verdict = (
                "exactly the changed rows" if written == expected else f"EXPECTED {expected:,}"
            )
            print(f"re-sync {sync}: wrote {written:,} rows — {verdict}")


if __name__ == "__main__":
    main()
