"""The precomputed analytics: per-shopper and per-product tables, favourites, partners, results.

:func:`shopper_table` joins everything known about each shopper (statistics, churn, RFM,
lifetime value, spending segment, rankings) into one frame; :class:`Precomputed` holds it with
the other pieces and writes / reads them in a store folder: Parquet for tables, ``.npz``
(no pickle) for arrays, JSON for the small results.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics import churn as churn_mod
from cartwise.analytics import ltv as ltv_mod
from cartwise.analytics import stats as stats_mod
from cartwise.analytics.affinity import Partners
from cartwise.analytics.clock import SNAPSHOT, Timeline
from cartwise.analytics.index import TableIndex
from cartwise.analytics.ledger import LEDGER_DIR, Ledger, load_ledger
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.results import CURRENCY, ITEMS, jsonable
from cartwise.analytics.segments import SEGMENT_NAMES, Clusters, kmeans_clusters, rfm_table
from cartwise.analytics.source import Favourites
from cartwise.analytics.stats import spending_bounds, spending_segment, top_categories, user_stats
from cartwise.analytics.value_churn import FALLBACK, churn_reason, value_and_churn
from cartwise.errors import StoreError
from cartwise.store import READ_ERRORS

log = logging.getLogger(__name__)

#: Favourite departments and aisles kept per shopper.
TOP_CATEGORIES = 3

USERS_FILE = "users.parquet"
PRODUCTS_FILE = "products.parquet"
FAVOURITES_FILE = "favourites.npz"
PARTNERS_FILE = "partners.npz"
RESULTS_FILE = "results.json"
CONTEXT_FILE = "context.json"


def shopper_table(index: TableIndex, timeline: Timeline, ordered_at: pd.Series,
                  params: AnalyticsParams) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every shopper's statistics, churn, RFM, lifetime value and rankings, plus population facts.

    Returns:
        ``(users, context)``: ``users`` has one row per user (sorted by ``user_id``) with the
        columns of :func:`~cartwise.analytics.stats.user_stats` plus the lifetime-value and
        churn columns of :mod:`~cartwise.analytics.value_churn` (:data:`~cartwise.analytics.
        value_churn.COLUMNS`: ``churn_score`` 0..1, ``churn_level`` a code into
        :data:`~cartwise.analytics.churn.LEVELS` or -1 unknown, ``visits``, ``p_active``,
        ``expected_orders``, ``projected``, ``ltv``, ...; by the repeat-buying model or the
        usual-gap fallback, as ``context["clv"]["method"]`` says), ``r``/``f``/``m``/``fm``
        (1..5), ``segment`` (code into :data:`~cartwise.analytics.segments.SEGMENTS`),
        ``spending`` (code into :data:`~cartwise.analytics.stats.SPENDING_SEGMENTS`),
        ``value_tier``, ``value_rank`` (0 = most valuable), ``risk_rank`` (0 = most at risk
        among the at-risk candidates: valuable and not yet lost, see
        :func:`~cartwise.analytics.churn.at_risk_order`; -1 if not a candidate) and
        ``last_order_at`` (NaT without timestamps). ``context`` is JSON-able; its ``clv`` entry
        is :attr:`~cartwise.analytics.value_churn.ValueChurn.facts` (method, reason, fitted
        parameters).
    """
    stats = user_stats(index, timeline)
    vc = value_and_churn(index, timeline, ordered_at, stats, params)
    ch = vc.table
    rfm = rfm_table(stats["user_id"].to_numpy(), stats["recency_days"].to_numpy(),
                    stats["n_orders"].to_numpy(), stats["monetary"].to_numpy())
    active = stats["n_baskets"].to_numpy() > 0
    monetary = stats["monetary"].to_numpy()
    bounds = spending_bounds(monetary, active)
    n = len(stats)
    ltv_values = ch["ltv"].to_numpy()
    value_order = np.lexsort((np.arange(n), -ltv_values))
    value_rank = np.empty(n, dtype=np.int32)
    value_rank[value_order] = np.arange(n, dtype=np.int32)
    lost = rfm["segment"].to_numpy() == SEGMENT_NAMES.index("Lost")
    risk = churn_mod.at_risk_order(ch["churn_score"].to_numpy(), ch["away_ratio"].to_numpy(),
                                   monetary, params.churn_value_quantile,
                                   params.churn_lost_ratio, lost)
    risk_rank = np.full(n, -1, dtype=np.int32)
    risk_rank[risk] = np.arange(len(risk), dtype=np.int32)
    last = timeline.user_last
    last_at = pd.Series(pd.NaT, index=range(n), dtype="datetime64[s]")
    if timeline.has_calendar:
        has = last >= 0
        last_at[has] = ordered_at.to_numpy()[last[has]]
    users = pd.concat([stats, ch, rfm[["r", "f", "m", "fm", "segment"]]], axis=1)
    users["spending"] = spending_segment(monetary, bounds)
    users["value_tier"] = ltv_mod.value_tier(ltv_values)
    users["value_rank"] = value_rank
    users["risk_rank"] = risk_rank
    users["last_order_at"] = last_at.to_numpy()
    value_floor = float(np.quantile(monetary, params.churn_value_quantile)) if n else None
    context = {
        "time_kind": timeline.kind,
        "time_note": timeline.note,
        "now": timeline.now.isoformat() if timeline.now is not None else None,
        "has_prices": index.has_prices,
        "value_unit": CURRENCY if index.has_prices else ITEMS,
        "pop_gap": vc.facts["pop_gap"],
        "spending_bounds": bounds,
        "tau_days": vc.facts["tau_days"],
        "repeat_share": vc.facts["repeat_share"],
        "horizon_days": params.ltv_horizon_days,
        "clv": vc.facts,
        "risk_value_floor": value_floor,
        "risk_candidates": int(len(risk)),
        "n_users": n,
        "n_active_users": int(active.sum()),
        "n_products": index.n_products,
        "n_orders": index.n_orders,
        "n_lines": index.n_lines,
        "churn_levels": churn_mod.level_counts(ch["churn_level"].to_numpy()),
    }
    return users, jsonable(context)


def churn_reason_for(row: dict[str, Any], context: dict[str, Any]) -> str:
    """The churn reason sentence of one shopper's row, true for the method that produced the
    score (see :func:`cartwise.analytics.value_churn.churn_reason`)."""
    facts = context.get("clv") or {"method": FALLBACK, "pop_gap": context.get("pop_gap")}
    return churn_reason(row, facts, context["time_kind"] == SNAPSHOT)


def clusters_for(users: pd.DataFrame, params: AnalyticsParams) -> Clusters:
    """K-means clusters of the shoppers of ``users`` on their RFM values."""
    return kmeans_clusters(users["recency_days"].to_numpy(), users["n_orders"].to_numpy(),
                           users["monetary"].to_numpy(), params.kmeans_min_k,
                           params.kmeans_max_k, params.kmeans_sample, params.seed)


def favourites_for(index: TableIndex, products: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each shopper's top departments and aisles by lines bought.

    Returns:
        ``dept``, ``dept_n``, ``aisle``, ``aisle_n``: ``(n_users, TOP_CATEGORIES)`` int32 arrays
        of department / aisle ids (-1 = none) and line counts.
    """
    out = {}
    aisle = products["aisle_id"].to_numpy(dtype=np.int64)
    dept = products["department_id"].to_numpy(dtype=np.int64)
    # one pass over the lines: count (aisle, department) combinations, then fold them
    combo, pairs = pd.factorize(pd.MultiIndex.from_arrays([aisle, dept]), sort=True)
    n_combo = len(pairs)
    dense = index.n_users * n_combo <= stats_mod.DENSE_CELLS
    counts = (stats_mod.category_counts(index.line_user, combo[index.line_product],
                                        index.n_users, n_combo) if dense else None)
    for name, level in (("dept", 1), ("aisle", 0)):
        codes, uniq = pd.factorize(pairs.get_level_values(level), sort=True)
        if counts is not None:
            # sum the columns of the combinations that share this level's code
            order = np.argsort(codes, kind="stable")
            starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
            folded = np.add.reduceat(counts[:, order], starts, axis=1)
            c, n = stats_mod.top_k_rows(folded, TOP_CATEGORIES)
        else:
            c, n = top_categories(index.line_user, codes[combo[index.line_product]],
                                  index.n_users, TOP_CATEGORIES)
        mapped = np.where(c >= 0, np.asarray(uniq)[np.maximum(c, 0)], -1).astype(np.int32)
        out[name], out[f"{name}_n"] = mapped, n
    return out


def favourites_of(table: dict[str, np.ndarray], user_row: int) -> Favourites:
    """One shopper's favourites from the :func:`favourites_for` arrays."""
    return Favourites(table["dept"][user_row].tolist(), table["dept_n"][user_row].tolist(),
                      table["aisle"][user_row].tolist(), table["aisle_n"][user_row].tolist())


def user_favourites(index: TableIndex, products: pd.DataFrame, user_row: int) -> Favourites:
    """One shopper's favourites from their own lines only (what :func:`favourites_for` gives
    for them, without computing everyone's)."""
    theirs = np.zeros(index.n_orders, dtype=bool)
    theirs[index.order_user == user_row] = True
    mine = index.line_product[theirs[index.line_order]]
    out = []
    for col in ("department_id", "aisle_id"):
        ids, counts = np.unique(products[col].to_numpy()[mine], return_counts=True)
        order = np.lexsort((ids, -counts))[:TOP_CATEGORIES]
        out.append((ids[order].tolist(), counts[order].tolist()))
    return Favourites(out[0][0], out[0][1], out[1][0], out[1][1])


@dataclass
class Precomputed:
    """Everything the analytics stage serves without touching orders or lines (what
    :meth:`~cartwise.analytics.calculator.Calculator.precompute` returns and
    :class:`~cartwise.analytics.reader.PrecomputedReader` serves).

    Attributes:
        params: the parameters it was computed with.
        context: population facts (JSON-able; see :func:`shopper_table`), plus ``kmeans``.
        users: the shopper table (:func:`shopper_table`, with ``cluster``).
        products: per-product statistics (:func:`~cartwise.analytics.stats.product_stats`),
            by product row (catalogue order).
        favourites: :func:`favourites_for` arrays.
        partners: each product's best bought-together partners.
        results: finished results of the aggregate calls, by call key
            (:func:`~cartwise.analytics.cache.result_key`).
        ledger: the order ledger (loaded mapped, read-only).
    """

    params: AnalyticsParams
    context: dict[str, Any]
    users: pd.DataFrame
    products: pd.DataFrame
    favourites: dict[str, np.ndarray]
    partners: Partners | None
    results: dict[str, Any] = field(default_factory=dict)
    ledger: Ledger | None = None

    def save(self, folder: Path) -> None:
        """Write into ``folder`` (which must exist)."""
        self.users.to_parquet(folder / USERS_FILE, index=False, compression="zstd")
        self.products.to_parquet(folder / PRODUCTS_FILE, index=False, compression="zstd")
        np.savez(folder / FAVOURITES_FILE, **self.favourites)
        if self.partners is not None:
            self.partners.save(folder / PARTNERS_FILE)
        if self.ledger is not None:
            self.ledger.save(folder)
        (folder / RESULTS_FILE).write_text(json.dumps(jsonable(self.results)), encoding="utf-8")
        (folder / CONTEXT_FILE).write_text(
            json.dumps(jsonable({"params": self.params.to_dict(), **self.context}), indent=1),
            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Precomputed:
        """Read what :meth:`save` wrote; :class:`StoreError` when a file is missing or broken."""
        name = CONTEXT_FILE
        try:
            ctx = json.loads((folder / name).read_text(encoding="utf-8"))
            params = AnalyticsParams.from_dict(ctx.pop("params", {}))
            name = USERS_FILE
            users = pd.read_parquet(folder / name)
            name = PRODUCTS_FILE
            products = pd.read_parquet(folder / name)
            name = FAVOURITES_FILE
            with np.load(folder / name, allow_pickle=False) as z:
                fav = {k: z[k] for k in z.files}
            name = RESULTS_FILE
            results = json.loads((folder / name).read_text(encoding="utf-8"))
        except READ_ERRORS as exc:
            what = (f"is missing {name}" if isinstance(exc, FileNotFoundError)
                    else f"has a damaged {name} ({type(exc).__name__}: {exc})")
            raise StoreError(f"the analytics stage in {folder} {what}: rebuild it with "
                             "`cartwise build --force`") from exc
        partners = (Partners.load(folder / PARTNERS_FILE)
                    if (folder / PARTNERS_FILE).is_file() else None)
        ledger = load_ledger(folder) if (folder / LEDGER_DIR).is_dir() else None
        return cls(params, ctx, users, products, fav, partners, results, ledger)
