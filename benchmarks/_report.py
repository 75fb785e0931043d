"""Shared helpers of the benchmark scripts: machine facts, peak memory, Markdown tables."""

from __future__ import annotations

import os
import platform
import resource
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).resolve().parent / "reports"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One line describing the machine: CPU count, memory, Python, platform."""
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.platform()}")


def percentiles(values: Sequence[float], digits: int = 2) -> str:
    """``"p50 / p95 / p99"`` of ``values`` with ``digits`` decimals."""
    import numpy as np

    a = np.asarray(values, dtype=float)
    return " / ".join(f"{np.percentile(a, q):.{digits}f}" for q in (50, 95, 99))


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name: str, title: str, body: str) -> Path:
    """Print ``body`` and write it, with machine, command and date, to reports/NAME.md."""
    command = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    text = (f"# {title}\n\n- machine: {machine()}\n- command: `{command}`\n"
            f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{body}\n")
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    print(text)
    return path


def loaded_services(settings: Any, build: bool = True) -> tuple[Any, float, float]:
    """``(services, build seconds, load seconds)`` of the store of ``settings``: built first
    when ``build`` (nothing to do when it is up to date), then every part loaded
    (``Services.warm``: the services load lazily, so opening them alone loads nothing)."""
    from cartwise.build import build_store
    from cartwise.services import build_services

    t0 = time.perf_counter()
    if build:
        build_store(settings)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    services = build_services(settings)
    services.warm()
    return services, build_s, time.perf_counter() - t0
