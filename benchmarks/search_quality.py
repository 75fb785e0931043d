"""Search quality on labelled queries: the query sets, relevance, precision@5 by kind, the
close-match signal, and an Online Retail II product index (used by ``bench_retrieval.py``).

Query sets (``benchmarks/queries/``), one JSON object a line with ``query`` and ``kind`` (plain,
misspelled or descriptive):

* ``instacart_tune.jsonl``: the queries search was tuned on (the first 107 are the original
  ``queries_instacart.jsonl``); ``instacart_report.jsonl``: written before any tuning and never
  used to choose a setting. A result is relevant when its aisle is one of the query's
  ``aisles`` or its department one of its ``departments``.
* ``online_retail_tune.jsonl`` / ``online_retail_report.jsonl``: the same split over the Online
  Retail II product names. A result is relevant when its name matches every regular expression
  in ``all`` (upper case) and none in ``none``; precision@5 divides by ``min(5, relevant
  products in the catalogue)``, so a query with four relevant products can score 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from cartwise.retrieval.search import ProductHit, ProductSearch

HERE = Path(__file__).resolve().parent
QUERY_DIR = HERE / "queries"
RETAIL = HERE.parent.parent / "shared" / "data" / "online_retail_ii"
KINDS = ("plain", "misspelled", "descriptive")
#: Requests no product of the catalogue answers (the close-match signal should say so).
NONSENSE = ("zqxv blorft", "qwerty uiop", "lorem ipsum", "jet engine", "mortgage advice",
            "car insurance", "tax return", "plane tickets")
#: The issue's three Online Retail II examples, with what they should find.
RETAIL_EXAMPLES = ("candle holder", "something for a tea party", "kitchen storage")
RETAIL_WATCH = "WHITE HANGING HEART T-LIGHT HOLDER"

Query = Mapping[str, Any]


def load_queries(name: str) -> list[dict[str, Any]]:
    """The queries of ``benchmarks/queries/<name>.jsonl``."""
    path = QUERY_DIR / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def aisle_relevant(hit: ProductHit, q: Query) -> bool:
    return (hit.product.aisle in q.get("aisles", ())
            or hit.product.department in q.get("departments", ()))


def name_relevant(name: str, q: Query) -> bool:
    n = str(name).upper()
    return (all(re.search(r, n) for r in q["all"])
            and not any(re.search(r, n) for r in q.get("none", ())))


def precision_by_kind(search: Callable[[str], list[ProductHit]], queries: Sequence[Query],
                      relevant: Callable[[ProductHit, Query], bool],
                      denominators: Sequence[int] | None = None
                      ) -> tuple[dict[str, float], list[tuple[str, float, list[str]]]]:
    """Mean precision@5 per kind and over all (``"all"``), and each query's top 5.

    ``denominators``: per query, what its precision divides by (default 5)."""
    per: dict[str, list[float]] = {}
    detail = []
    for i, q in enumerate(queries):
        hits = search(q["query"])[:5]
        den = denominators[i] if denominators is not None else 5
        p = sum(relevant(h, q) for h in hits) / den
        per.setdefault(q["kind"], []).append(p)
        per.setdefault("all", []).append(p)
        detail.append((q["query"], p, [h.product.name + ("" if h.close else " (not close)")
                                       for h in hits]))
    return {k: float(np.mean(v)) for k, v in per.items()}, detail


def without_reranking(ps: ProductSearch) -> ProductSearch:
    """``ps`` ranking by fused and name scores only (the ranking before re-ranking); the
    close-match cut-offs are kept. Changes ``ps`` in place and returns it."""
    ps.reranking = replace(ps.reranking, dense_weight=0.0, consensus_weight=0.0,
                           popularity_weight=0.0, aisle_weight=0.0)
    return ps


def close_signal(ps: ProductSearch, queries: Sequence[Query]) -> dict[str, float]:
    """Share of nonsense requests with no close hit in their top 5, and share of labelled
    queries with at least one."""
    none = [not any(h.close for h in ps.search(s, k=5)) for s in NONSENSE]
    some = [any(h.close for h in ps.search(q["query"], k=5)) for q in queries]
    return {"nonsense_no_close": float(np.mean(none)), "labelled_some_close": float(np.mean(some))}


def retail_denominators(ps: ProductSearch, queries: Sequence[Query]) -> list[int]:
    names = [str(n) for n in ps.catalog.names]
    return [max(1, min(5, sum(name_relevant(n, q) for n in names))) for q in queries]


def rank_of(ps: ProductSearch, query: str, name: str, k: int = 100) -> int | None:
    """1-based rank of the product called ``name`` in the top ``k`` for ``query``."""
    for i, h in enumerate(ps.search(query, k=k)):
        if h.product.name == name:
            return i + 1
    return None


def retail_files() -> list[Path]:
    return sorted(RETAIL.glob("online_retail_ii_*.csv"))


def table_rows(label: str, scores: Mapping[str, float], n: Mapping[str, int]) -> tuple[str, ...]:
    """One table row: label, all, then each kind with its query count."""
    return (label, f"{scores['all']:.3f}",
            *[f"{scores[k]:.3f} ({n[k]})" if k in scores else "-" for k in KINDS])
