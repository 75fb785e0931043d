"""Load benchmark: generated demo data at a given scale -> canonical tables -> the data stage.

Measures, in one process: loading and validating the CSV files, writing the data stage (Parquet)
and reading it back, with the peak resident memory after each step. The demo data is generated
by a separate `cartwise generate` process (so its memory does not count) unless --data is given.

Targets (issue 2): load <= 60 s and peak memory <= 6 GB at Instacart scale on 2 cores.

    python benchmarks/bench_load.py --scale full          # 200k users x 50k products
    python benchmarks/bench_load.py --data /tmp/cw_full   # an existing Instacart-layout folder
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import peak_rss_mb, table, write_report  # noqa: E402

from cartwise.data.load import load_source, resolve_source  # noqa: E402
from cartwise.data.stage import build_data_stage, load_data  # noqa: E402
from cartwise.store import Store  # noqa: E402

SCALES = {"small": (20_000, 5_000), "full": (200_000, 50_000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--data", type=Path, help="existing data folder (skips generation)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep generated data and store")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cw-bench-load-"))
    rows = []
    data_dir = args.data
    if data_dir is None:
        users, products = SCALES[args.scale]
        data_dir = work / "data"
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cartwise.cli", "generate", "--out", str(data_dir),
             "--users", str(users), "--products", str(products), "--seed", str(args.seed)],
            check=True,
        )
        rows.append(("generate (separate process)", f"{time.perf_counter() - t0:.1f}", "-"))
    size_mb = sum(p.stat().st_size for p in data_dir.rglob("*.csv")) / 2**20

    t0 = time.perf_counter()
    source = resolve_source(data_dir)
    data = load_source(source)
    load_s = time.perf_counter() - t0
    rows.append(("load + validate CSV", f"{load_s:.1f}", f"{peak_rss_mb():,.0f}"))
    counts = {name: len(df) for name, df in data.tables().items()}
    del data

    store = Store(work / "store")
    t0 = time.perf_counter()
    with store.lock():
        build_data_stage(store, source, force=True)
    rows.append(("build data stage (load + Parquet)", f"{time.perf_counter() - t0:.1f}",
                 f"{peak_rss_mb():,.0f}"))
    t0 = time.perf_counter()
    load_data(store)
    rows.append(("read data stage", f"{time.perf_counter() - t0:.1f}", f"{peak_rss_mb():,.0f}"))

    body = (
        f"Input: `{data_dir}` ({size_mb:,.0f} MiB of CSV): "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + "\n\n"
        + table(["step", "seconds", "peak RSS so far (MiB)"], rows)
        + f"\n\n## Targets\n\n- load <= 60 s: {'met' if load_s <= 60 else 'MISSED'} "
        f"({load_s:.1f} s)\n- peak memory <= 6 GB: "
        f"{'met' if peak_rss_mb() <= 6 * 1024 else 'MISSED'} ({peak_rss_mb() / 1024:.2f} GiB)"
    )
    write_report(f"load-{args.scale if args.data is None else 'data'}", "Data load benchmark",
                 body)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
