"""Time the demo data generator at a given scale; report speed, peak memory and output sizes.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_generate.py --users 200000 --products 50000 --out /tmp/cw_full

Prints a Markdown table and writes it to ``benchmarks/reports/generate.md``. The generated data is
left in ``--out`` (other benchmarks load it). Peak memory is the process's maximum resident set
size (``ru_maxrss``), which includes the interpreter and imported libraries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import resource
import sys
import time
from pathlib import Path

from cartwise.data.generate import generate_demo

REPORT = Path(__file__).resolve().parent / "reports" / "generate.md"
SCALES = {"small": (20_000, 5_000), "full": (200_000, 50_000)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default=None,
                        help="small = 20,000 x 5,000; full = 200,000 x 50,000 (Instacart scale)")
    parser.add_argument("--users", type=int, default=20_000, help="shoppers (default 20,000)")
    parser.add_argument("--products", type=int, default=5_000,
                        help="catalogue size (default 5,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("/tmp/cw_bench_generate"),
                        help="output folder (replaced; default /tmp/cw_bench_generate)")
    parser.add_argument("--catalog", type=Path, default=None,
                        help="an Instacart catalogue folder to use instead of the built-in one")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    if args.scale is not None:
        args.users, args.products = SCALES[args.scale]
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    started = time.perf_counter()
    report = generate_demo(args.out, users=args.users, products=args.products, seed=args.seed,
                           catalog_dir=args.catalog, progress=not args.no_progress)
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    sizes = sorted((p.relative_to(args.out).as_posix(), p.stat().st_size)
                   for p in args.out.rglob("*") if p.is_file())
    total_bytes = sum(s for _, s in sizes)
    rows = [
        ("users", f"{report.users:,}"),
        ("products", f"{report.products:,}"),
        ("orders", f"{report.orders:,}"),
        ("lines (prior + train)", f"{report.lines:,} ({report.prior_lines:,} + "
                                  f"{report.train_lines:,})"),
        ("funnel visitors", f"{report.funnel_visitors:,}"),
        ("reorder rate", f"{report.reorder_rate:.3f}"),
        ("mean basket size", f"{report.mean_basket_size:.2f}"),
        ("wall time", f"{wall:.1f} s"),
        ("throughput", f"{report.lines / wall:,.0f} lines/s, {report.orders / wall:,.0f} orders/s"),
        ("peak RSS", f"{peak_mib:,.0f} MiB"),
        ("output size", f"{total_bytes / 2**20:,.1f} MiB in {len(sizes)} files"),
    ]
    lines = [
        "# Demo data generator benchmark",
        "",
        f"`bench_generate.py --users {args.users} --products {args.products} --seed {args.seed}"
        + (f" --catalog {args.catalog}" if args.catalog else "") + f"` -> `{args.out}`",
        "",
        f"Run {dt.datetime.now().isoformat(timespec='seconds')} on {platform.node() or 'host'}: "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}.",
        "",
        "| measure | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in rows),
        "",
        "| file | size |",
        "|---|---:|",
        *(f"| {name} | {size / 2**20:,.1f} MiB |" for name, size in sizes),
        "",
    ]
    table = "\n".join(lines)
    print(table)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(table, encoding="utf-8")
    print(f"report written to {REPORT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
