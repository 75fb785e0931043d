"""Offline evaluation: each user's last basket is the target, everything before it is training.

Protocol (:func:`evaluate`): for every user with at least two orders with lines, the last such
order is held out; models are fitted on the orders before it (all users' earlier orders); each
strategy recommends k items per user (nothing filtered, re-ranking on), and Recall, NDCG, HitRate
and Precision at each k are averaged over users, with catalogue coverage. Two baselines run on the
same split: G-TopFreq (the globally most purchased items) and P-TopFreq (the user's own most
frequently purchased items, ties broken by recency, padded with G-TopFreq).

The same split one order earlier (each user's second-to-last basket as target) is the
*validation* split on which the repeat model's coefficients, the hybrid's weights and the
repurchase-cycle tolerance are chosen (:func:`tune`), so the test baskets are never used to
choose settings.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from cartwise.data.schema import CanonicalData
from cartwise.recsys.engine import Engine, normalised_pool
from cartwise.recsys.interactions import Interactions, build_interactions
from cartwise.recsys.metrics import METRICS, catalogue_coverage
from cartwise.recsys.models import fit_models
from cartwise.recsys.repeat import fit_coefficients
from cartwise.recsys.rerank import (
    CYCLE_TOLERANCES,
    DEFAULT_CYCLE_TOLERANCE,
    TuningConfig,
    rerank_factors,
)

log = logging.getLogger(__name__)


@dataclass
class Split:
    """A hold-out split: training orders/lines, and each evaluated user's target basket."""

    orders: pd.DataFrame
    lines: pd.DataFrame
    targets: dict[int, set[int]]  # external user id -> external product ids


def holdout_split(data: CanonicalData, skip_last: int = 0, max_users: int | None = None,
                  seed: int = 0) -> Split:
    """Hold out each user's last basket (``skip_last=1``: the one before, dropping the last).

    Only orders with lines count; users need ``2 + skip_last`` of them to be evaluated. With
    ``max_users`` a seeded sample of the evaluated users is kept (training data is unchanged).
    """
    with_lines = data.orders[data.orders["order_id"].isin(data.order_lines["order_id"])]
    ranked = with_lines.sort_values(["user_id", "order_number"])
    pos_from_end = ranked.groupby("user_id").cumcount(ascending=False)
    n_orders = ranked.groupby("user_id")["order_id"].transform("size")
    dropped = ranked.loc[pos_from_end < skip_last, "order_id"]
    target_orders = ranked[(pos_from_end == skip_last) & (n_orders >= 2 + skip_last)]
    if max_users is not None and len(target_orders) > max_users:
        target_orders = target_orders.sample(max_users, random_state=seed)
    held = set(dropped) | set(target_orders["order_id"])
    lines = data.order_lines[~data.order_lines["order_id"].isin(held)]
    orders = data.orders[~data.orders["order_id"].isin(held)]
    tl = data.order_lines[data.order_lines["order_id"].isin(target_orders["order_id"])]
    user_of = target_orders.set_index("order_id")["user_id"]
    targets = tl.groupby(tl["order_id"].map(user_of))["product_id"].agg(set).to_dict()
    return Split(orders, lines, {int(u): set(map(int, s)) for u, s in targets.items()})


def sample_users(data: CanonicalData, n: int, seed: int = 0) -> CanonicalData:
    """``data`` restricted to a seeded sample of ``n`` users' orders and lines (all if fewer)."""
    users = data.orders["user_id"].unique()
    if len(users) <= n:
        return data
    keep = np.random.default_rng(seed).choice(users, n, replace=False)
    orders = data.orders[data.orders["user_id"].isin(keep)]
    lines = data.order_lines[data.order_lines["order_id"].isin(orders["order_id"])]
    return replace(data, orders=orders, order_lines=lines)


@dataclass
class StrategyResult:
    """Mean metrics of one strategy: ``metrics["recall@10"]`` etc., plus coverage at each k."""

    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    users: int = 0
    seconds: float = 0.0


def score_lists(name: str, lists: dict[int, Sequence[int]], targets: dict[int, set[int]],
                ks: Sequence[int], n_items: int) -> StrategyResult:
    """Average every metric at every k over the users in ``lists`` (external ids)."""
    res = StrategyResult(name, users=len(lists))
    for k in ks:
        for metric, fn in METRICS.items():
            vals = [fn(lists[u], targets[u], k) for u in lists]
            res.metrics[f"{metric}@{k}"] = float(np.mean(vals)) if vals else 0.0
        res.metrics[f"coverage@{k}"] = catalogue_coverage(list(lists.values()), n_items, k)
    return res


def engine_lists(engine: Engine, users: Sequence[int], k: int, strategy: str
                 ) -> dict[int, list[int]]:
    """Each user's top-k external product ids from ``engine`` (no filters)."""
    x = engine.x
    out = {}
    for u in users:
        row = x.user_row(u)
        if row is None:  # no training history: popularity, as served
            items = engine.rank(-1, k, "popularity", use_rerank=False).items
        else:
            items = engine.rank(row, k, strategy).items
        out[u] = x.item_ids[items].tolist()
    return out


def baseline_lists(x: Interactions, users: Sequence[int], k: int) -> tuple[dict, dict]:
    """G-TopFreq and P-TopFreq lists (external ids) for ``users``."""
    purchases = np.bincount(x.counts.indices, weights=x.counts.data, minlength=x.n_items)
    global_top = np.lexsort((np.arange(x.n_items), -purchases))[:k]
    g = {u: x.item_ids[global_top].tolist() for u in users}
    p = {}
    for u in users:
        row = x.user_row(u)
        mine: list[int] = []
        if row is not None:
            a, b = x.counts.indptr[row], x.counts.indptr[row + 1]
            cols, cnt, last = x.counts.indices[a:b], x.counts.data[a:b], x.last_day.data[a:b]
            mine = cols[np.lexsort((cols, -last, -cnt))][:k].tolist()
        pad = [i for i in global_top if i not in set(mine)]
        p[u] = x.item_ids[(mine + pad)[:k]].tolist()
    return g, p


def evaluate(
    data: CanonicalData,
    weights: dict[str, float],
    ks: Sequence[int] = (10, 20),
    strategies: Sequence[str] = ("hybrid", "als", "item_cf", "popularity", "repeat"),
    model_params: dict[str, dict] | None = None,
    tuning: TuningConfig | None = None,
    max_users: int | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, StrategyResult]:
    """Run the protocol in the module doc; results keyed by strategy and baseline name."""
    split = holdout_split(data, max_users=max_users, seed=seed)
    x = build_interactions(data, split.orders, split.lines)
    t0 = time.perf_counter()
    engine = Engine(x, fit_models(x, model_params), weights, tuning)
    if progress:
        progress(f"fitted models on the training split in {time.perf_counter() - t0:.1f} s")
    users = sorted(split.targets)
    kmax = max(ks)
    results = {}
    for strategy in strategies:
        t0 = time.perf_counter()
        lists = engine_lists(engine, users, kmax, strategy)
        res = score_lists(strategy, lists, split.targets, ks, x.n_items)
        res.seconds = time.perf_counter() - t0
        results[strategy] = res
        if progress:
            progress(f"{strategy}: recall@{ks[0]} {res.metrics[f'recall@{ks[0]}']:.4f}")
    g, p = baseline_lists(x, users, kmax)
    results["G-TopFreq"] = score_lists("G-TopFreq", g, split.targets, ks, x.n_items)
    results["P-TopFreq"] = score_lists("P-TopFreq", p, split.targets, ks, x.n_items)
    return results


def weight_grid(names: Sequence[str], step: float = 0.1) -> list[dict[str, float]]:
    """Every weighting of ``names`` in multiples of ``step`` that sums to 1."""
    n = round(1 / step)
    out = []
    for combo in itertools.product(range(n + 1), repeat=len(names)):
        if sum(combo) == n:
            out.append({m: c / n for m, c in zip(names, combo, strict=True)})
    return out


@dataclass
class Tuned:
    """Settings chosen on the validation split, and their validation NDCG@k."""

    weights: dict[str, float]
    repeat: dict[str, Any]
    cycle_tolerance: float
    ndcg: float
    users: int


HYBRID_MODELS = ("als", "item_cf", "popularity", "repeat")


def tune(
    data: CanonicalData,
    model_params: dict[str, dict] | None = None,
    tuning: TuningConfig | None = None,
    weights: dict[str, float] | None = None,
    tolerances: Sequence[float] = CYCLE_TOLERANCES,
    k: int = 10,
    max_users: int = 4000,
    train_users: int = 40_000,
    step: float = 0.1,
    seed: int = 0,
) -> Tuned:
    """Choose settings on the validation split (each user's second-to-last basket; the last one
    is never seen): the repeat model's coefficients on one half of the validation users, then the
    hybrid's weights and the cycle tolerance by NDCG@k on the other half.

    Fixed values are passed instead of searched: ``weights`` (else a grid in steps of
    ``step``), a single value in ``tolerances``. On large data the models are fitted on a seeded
    sample of ``train_users`` shoppers' histories (the validation users among them), which keeps
    tuning cheap without changing what is compared. A setting must beat the simplest one (repeat
    purchase alone, no cycle rule) by more than one standard error of the difference to be
    chosen. Every model's candidate pool is computed once per user and every combination is
    scored on those pools.
    """
    tuning = tuning or TuningConfig()
    if not tuning.cycle_rule:
        tolerances = (tuning.cycle_tolerance,)
    params = dict(model_params or {})
    names = list(HYBRID_MODELS)
    split = holdout_split(sample_users(data, train_users, seed), skip_last=1,
                          max_users=max_users, seed=seed)
    grid = [weights] if weights else weight_grid(names, step)
    if not split.targets:
        ref_t, _ = _reference_index(grid, tolerances)
        return Tuned(grid[0] if weights else dict.fromkeys(names, 0.25), {},
                     float(tolerances[ref_t]), 0.0, 0)
    x = build_interactions(data, split.orders, split.lines)
    users = sorted(split.targets)
    np.random.default_rng(seed).shuffle(users)
    half = len(users) // 2 if len(users) >= 40 else len(users)
    fit_half = {u: split.targets[u] for u in users[:half]}
    pick_half = {u: split.targets[u] for u in users[half:]} or fit_half
    repeat = asdict(fit_coefficients(x, fit_half, seed))
    params["repeat"] = repeat
    models = fit_models(x, params)
    wmat = np.array([[w.get(m, 0.0) for m in names] for w in grid])  # (combos, models)
    shape = (len(tolerances), len(grid))
    # per-user NDCG of every combination, minus that of the reference (repeat alone, no rule)
    diff_sum, diff_sq, ref_sum = np.zeros(shape), np.zeros(shape), 0.0
    ref = _reference_index(grid, tolerances)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    shortlist = 5 * k  # items beyond each model's top 5k hardly ever reach a blend's top k
    counted = 0
    for u, target in pick_half.items():
        row = x.user_row(u)
        if row is None:
            continue
        pools = [normalised_pool(models[m].score(x, row), None, tuning.pool) for m in names]
        cand = np.unique(np.concatenate([i[:shortlist] for i, _ in pools]))
        parts = np.zeros((len(names), len(cand)))
        for j, (idx, norm) in enumerate(pools):
            pos = np.searchsorted(cand, idx)
            ok = (pos < len(cand)) & (cand[np.minimum(pos, len(cand) - 1)] == idx)
            parts[j, pos[ok]] = np.maximum(norm[ok], 1e-6)
        covered = (wmat > 0).astype(float) @ (parts > 0).astype(float) > 0
        blended = np.where(covered, wmat @ parts, 0.0)
        rel = np.isin(x.item_ids[cand], list(target)).astype(float)
        ideal = discounts[: min(k, len(target))].sum()
        ndcg = np.zeros(shape)
        for t, tol in enumerate(tolerances):
            f = rerank_factors(x, row, cand, replace(tuning, cycle_tolerance=tol))
            scored = np.where(f > 0, blended * f, -1.0)
            kk = min(k, scored.shape[1])
            top = np.argpartition(-scored, kk - 1, axis=1)[:, :kk]
            top_scores = np.take_along_axis(scored, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            gain = rel[top] * (np.take_along_axis(top_scores, order, axis=1) > 0)
            ndcg[t] = (gain * discounts[:kk]).sum(axis=1) / ideal
        d = ndcg - ndcg[ref]
        ref_sum += ndcg[ref]
        diff_sum += d
        diff_sq += d * d
        counted += 1
    # one-standard-error rule: a combination must beat the reference by more than its noise
    n = max(counted, 1)
    mean = diff_sum / n
    se = np.sqrt(np.maximum(diff_sq / n - mean**2, 0.0) / n)
    lower = mean - se
    lower[ref] = 0.0
    t, c = np.unravel_index(int(np.argmax(lower)), shape)
    best = Tuned(grid[c], repeat, float(tolerances[t]), float((ref_sum + diff_sum[t, c]) / n),
                 len(fit_half) + counted)
    log.info("tuned on %d validation users: repeat coefficients %s, weights %s, cycle "
             "tolerance %s, NDCG@%d %.4f", best.users, repeat, best.weights,
             best.cycle_tolerance, k, best.ndcg)
    return best


def _reference_index(grid: list[dict[str, float]], tolerances: Sequence[float]
                     ) -> tuple[int, int]:
    """Index of the reference setting in the search space: repeat purchase alone (else the
    first weighting) and the default cycle tolerance where that is searched (else the first)."""
    c = next((i for i, w in enumerate(grid)
              if w.get("repeat", 0) > 0 and sum(w.values()) == w["repeat"]), 0)
    tols = list(tolerances)
    t = tols.index(DEFAULT_CYCLE_TOLERANCE) if DEFAULT_CYCLE_TOLERANCE in tols else 0
    return t, c
