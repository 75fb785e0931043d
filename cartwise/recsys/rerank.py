"""Second-level re-ranking knobs and the re-ranking step.

Filters (department, price range, already bought) are applied as masks *before* candidates are
drawn, so a narrow filter still yields k results. The soft knobs below then re-rank the candidate
pool:

* repurchase cycles: an item the shopper buys regularly (``min_purchases_for_cycle`` times or
  more) is skipped while their next order would come sooner than ``cycle_tolerance`` x their
  usual interval for it (they still have some); 0 turns the rule off. The build chooses the
  tolerance on the validation split unless it is fixed;
* spending segments: new items priced above ``budget_tolerance`` x the shopper's average item
  price are down-weighted by ``over_budget_weight`` (0 drops them);
* upsell: new items pricier than the shopper's average are boosted by up to ``upsell`` x
  (0 = off).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from cartwise.recsys.interactions import Interactions

SEGMENTS = ("small", "low-average", "average", "high")


@dataclass(frozen=True)
class TuningConfig:
    """Every serving knob, in one read-only place (exposed by the API's ``/config``)."""

    pool: int = 200
    cycle_tolerance: float = 0.0
    min_purchases_for_cycle: int = 3
    budget_tolerance: float = 1.5
    over_budget_weight: float = 0.5
    upsell: float = 0.0

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def cycle_info(x: Interactions, row: int, items: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """For user ``row`` and item columns ``items``: purchases, usual interval in days (NaN with
    fewer than two purchases) and days since the last purchase (NaN if never bought), measured
    at the user's latest order."""
    a, b = x.counts.indptr[row], x.counts.indptr[row + 1]
    cols = x.counts.indices[a:b]
    pos = np.searchsorted(cols, items)
    pos_c = np.minimum(pos, max(len(cols) - 1, 0))
    hit = (pos < len(cols)) & (cols[pos_c] == items) if len(cols) else np.zeros(len(items), bool)
    counts = np.where(hit, x.counts.data[a:b][pos_c] if len(cols) else 0, 0).astype(np.float64)
    first = x.first_day.data[a:b][pos_c] if len(cols) else np.zeros(len(items))
    last = x.last_day.data[a:b][pos_c] if len(cols) else np.zeros(len(items))
    with np.errstate(invalid="ignore", divide="ignore"):
        interval = np.where(hit & (counts >= 2), (last - first) / (counts - 1), np.nan)
    since = np.where(hit, x.user_last_day[row] - last, np.nan)
    return counts, interval, since


def rerank_factors(
    x: Interactions, row: int, items: np.ndarray, tuning: TuningConfig
) -> np.ndarray:
    """Score multipliers of candidate ``items`` for user ``row`` (0 = skip), from the knobs.

    Budget and upsell apply to items the shopper has not bought (a regular $10 item is within
    their budget by their own choice); the cycle rule applies to items bought at least
    ``min_purchases_for_cycle`` times.
    """
    f = np.ones(len(items), np.float64)
    if row < 0:
        return f
    counts, interval, since = cycle_info(x, row, items)
    if tuning.cycle_tolerance > 0:
        # the shopper's next order comes about one usual gap after their latest one
        due_in = since + x.user_gap[row]
        regular = counts >= tuning.min_purchases_for_cycle
        f[regular & (due_in < tuning.cycle_tolerance * interval)] = 0.0
    avg = x.user_avg_price[row]
    price = x.item_price[items]
    if np.isfinite(avg) and avg > 0:
        new = (counts == 0) & np.isfinite(price)
        f[new & (price > tuning.budget_tolerance * avg)] *= tuning.over_budget_weight
        if tuning.upsell > 0:
            lift = np.clip(np.where(new, price / avg - 1.0, 0.0), 0.0, 1.0)
            f *= 1.0 + tuning.upsell * lift
    return f


def rerank(
    x: Interactions, row: int, items: np.ndarray, scores: np.ndarray, tuning: TuningConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Apply :func:`rerank_factors` to candidate ``items`` with ``scores`` (> 0) for user
    ``row``. Returns the kept items and their new scores, best first."""
    s = scores.astype(np.float64) * rerank_factors(x, row, items, tuning)
    keep = s > 0
    items, s = items[keep], s[keep]
    order = np.lexsort((items, -s))
    return items[order], s[order].astype(np.float32)


def spending_segment(avg_price: float, quartiles: np.ndarray) -> str | None:
    """The segment of a shopper whose average item price is ``avg_price``, given the population
    quartile cut points (3 values); None without prices."""
    if not np.isfinite(avg_price) or len(quartiles) != 3 or not np.isfinite(quartiles).all():
        return None
    return SEGMENTS[int(np.searchsorted(quartiles, avg_price, side="right"))]
