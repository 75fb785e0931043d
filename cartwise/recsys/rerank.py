"""Second-level re-ranking knobs and the re-ranking step.

Filters (department, price range, already bought) are applied as masks *before* candidates are
drawn, so a narrow filter still yields k results. The soft knobs below then re-rank the candidate
pool:

* repurchase cycles ("not due yet"): an item the shopper buys regularly
  (``min_purchases_for_cycle`` times or more) is skipped while their next order would come
  sooner than ``cycle_tolerance`` x their usual interval for it (they still have some). The
  tolerance is always > 0: the build chooses it on the validation split among
  :data:`CYCLE_TOLERANCES` (all > 0) unless it is fixed, so tuning can make the rule milder or
  stricter but never switch it off. Switching it off is its own explicit setting,
  ``cycle_rule=False`` (``CARTWISE_REC_CYCLE_RULE=false``), and the manifest says so;
* spending segments: new items priced above ``budget_tolerance`` x the shopper's average item
  price are down-weighted by ``over_budget_weight`` (0 drops them);
* upsell: new items pricier than the shopper's average are boosted by up to ``upsell`` x
  (0 = off).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from cartwise.recsys.interactions import Interactions

#: Cycle tolerances the validation split chooses among (all > 0: tuning never turns the rule off).
CYCLE_TOLERANCES = (0.25, 0.5, 1.0)
#: The tolerance used when nothing is chosen, and the reference tuning must beat to move away.
DEFAULT_CYCLE_TOLERANCE = 0.5


@dataclass(frozen=True)
class TuningConfig:
    """Every serving knob, in one read-only place (exposed by the API's ``/config``).

    ``cycle_rule`` switches the not-due-yet rule on or off (explicitly, never through the
    tolerance); ``cycle_tolerance`` > 0 is its strictness (see the module docstring).
    ``confidence_prior`` (> 0) is the weight, counted in purchases, of the doubt every
    recommendation starts with (see :func:`evidence_weight`).
    """

    pool: int = 200
    cycle_tolerance: float = DEFAULT_CYCLE_TOLERANCE
    cycle_rule: bool = True
    min_purchases_for_cycle: int = 3
    budget_tolerance: float = 1.5
    over_budget_weight: float = 0.5
    upsell: float = 0.0
    confidence_prior: float = 2.0

    def __post_init__(self) -> None:
        if not self.cycle_tolerance > 0:
            raise ValueError(f"cycle_tolerance must be > 0 (got {self.cycle_tolerance}); "
                             "switch the not-due-yet rule off with cycle_rule=False")
        if not self.confidence_prior > 0:
            raise ValueError(f"confidence_prior must be > 0 (got {self.confidence_prior})")

    def to_dict(self) -> dict[str, float | int | bool]:
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
    if tuning.cycle_rule:
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



def evidence_weight(x: Interactions, row: int, items: np.ndarray, prior: float) -> np.ndarray:
    """How much evidence stands behind recommending ``items`` to user ``row``, 0..1 (never 1).

    ``n / (n + prior)`` where *n* is the shopper's purchases of the item when they bought it
    (a repeat recommendation rests on those), else the shopper's orders (a discovery rests on
    their whole history). One purchase with the default prior of 2 weighs 1/3, four weigh 2/3,
    ten 0.83: a shopper with one order never gets a confident list. A user row < 0 (no history)
    gets 0.
    """
    if row < 0:
        return np.zeros(len(items), np.float64)
    counts, _, _ = cycle_info(x, row, items)
    n = np.where(counts > 0, counts, float(x.user_orders[row]))
    return n / (n + prior)
