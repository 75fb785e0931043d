"""Honest comparisons: the significance tests and intervals behind every "A differs from B".

A comparison between groups (funnel conversion by device or sex, a segment's share of shoppers)
or between two periods (revenue, orders, average order value, shoppers) is reported with a test
and, where it reads naturally, an interval, so that a reply can say "no clear difference" when
the data cannot tell the two apart. Every test is two-sided at :data:`ALPHA`.

* shares (conversion rates, segment shares): Wilson score intervals; two shares are compared
  with the pooled two-proportion z-test and Newcombe's interval of the difference (statsmodels),
  several groups at once with the chi-square test of homogeneity (scipy);
* counts of events in two periods (orders, shoppers): the exact conditional test of two Poisson
  rates (given the total, the later count is binomial with the share of exposure, i.e. days,
  of the later period);
* sums of order values (revenue): a compound-Poisson z-test, the variance of a period's revenue
  being the sum of its squared order values;
* means (average order value): Welch's t-test.

Each function returns plain JSON-able dicts (``p_value`` 0..1, ``significant`` bool, the
``test`` used), so results carry them as they are.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Significance level of every test here (two-sided).
ALPHA = 0.05
#: Confidence level of every interval here.
LEVEL = 0.95


def _verdict(p: float | None, test: str, **extra: Any) -> dict[str, Any]:
    ok = p is not None and math.isfinite(p)
    return {"p_value": float(p) if ok else None,
            "significant": bool(ok and p < ALPHA), "test": test, **extra}


def share_interval(successes: int, total: int) -> tuple[float | None, float | None]:
    """The Wilson score interval (:data:`LEVEL`) of ``successes / total``, 0..1; None, None
    without a total."""
    from statsmodels.stats.proportion import proportion_confint

    if total <= 0:
        return None, None
    lo, hi = proportion_confint(int(successes), int(total), alpha=1 - LEVEL, method="wilson")
    return float(lo), float(hi)


def compare_shares(x1: int, n1: int, x2: int, n2: int) -> dict[str, Any]:
    """Share 1 (``x1 / n1``) against share 2: ``difference`` (share 1 - share 2), its
    Newcombe interval ``low`` / ``high``, the two-proportion z-test's ``p_value`` and
    ``significant``."""
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    if min(n1, n2) <= 0:
        return _verdict(None, "two-proportion z-test", difference=None, low=None, high=None)
    diff = x1 / n1 - x2 / n2
    if x1 + x2 in (0, n1 + n2):  # both all-or-nothing: no variance to test against
        return _verdict(1.0, "two-proportion z-test", difference=diff, low=None, high=None)
    _, p = proportions_ztest([x1, x2], [n1, n2])
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", alpha=1 - LEVEL)
    return _verdict(float(p), "two-proportion z-test", difference=float(diff), low=float(lo),
                    high=float(hi))


def groups_differ(successes: list[int], totals: list[int]) -> dict[str, Any]:
    """Whether several groups' shares differ at all: the chi-square test of homogeneity over
    the groups with a total (``p_value``, ``significant``, ``groups`` tested)."""
    from scipy.stats import chi2_contingency

    s = np.asarray(successes, dtype=np.float64)
    n = np.asarray(totals, dtype=np.float64)
    keep = n > 0
    s, n = s[keep], n[keep]
    if len(n) < 2 or s.sum() in (0, n.sum()):
        return _verdict(None if len(n) < 2 else 1.0, "chi-square test of homogeneity",
                        groups=int(len(n)))
    table = np.column_stack([s, n - s])
    p = chi2_contingency(table, correction=False).pvalue
    return _verdict(float(p), "chi-square test of homogeneity", groups=int(len(n)))


def compare_counts(current: float, before: float, days_current: float = 1.0,
                   days_before: float = 1.0) -> dict[str, Any]:
    """Event counts of two periods (orders, shoppers) as Poisson rates per day: the exact
    conditional binomial test (given the total, ``current`` ~ Binomial(total, share of days)),
    and the rate ratio (current per day over before per day)."""
    from scipy.stats import binomtest

    c, b = int(round(current)), int(round(before))
    if c + b == 0 or days_current <= 0 or days_before <= 0:
        return _verdict(None, "exact Poisson rate test", rate_ratio=None)
    share = days_current / (days_current + days_before)
    p = binomtest(c, c + b, share).pvalue
    ratio = (c / days_current) / (b / days_before) if b else None
    return _verdict(float(p), "exact Poisson rate test", rate_ratio=ratio)


def compare_sums(current: np.ndarray, before: np.ndarray, days_current: float = 1.0,
                 days_before: float = 1.0) -> dict[str, Any]:
    """Revenue of two periods from their order values: a compound-Poisson z-test of the daily
    rates (variance of a period's sum = the sum of its squared order values)."""
    from scipy.stats import norm

    a = np.asarray(current, dtype=np.float64)
    b = np.asarray(before, dtype=np.float64)
    if days_current <= 0 or days_before <= 0 or (not len(a) and not len(b)):
        return _verdict(None, "compound-Poisson z-test")
    diff = a.sum() / days_current - b.sum() / days_before
    var = (a * a).sum() / days_current**2 + (b * b).sum() / days_before**2
    if var <= 0:
        return _verdict(None, "compound-Poisson z-test")
    p = 2 * norm.sf(abs(diff) / math.sqrt(var))
    return _verdict(float(p), "compound-Poisson z-test")


def compare_means(current: np.ndarray, before: np.ndarray) -> dict[str, Any]:
    """Mean order value of two periods: Welch's t-test (``difference`` = current - before)."""
    from scipy.stats import ttest_ind

    a = np.asarray(current, dtype=np.float64)
    b = np.asarray(before, dtype=np.float64)
    if len(a) < 2 or len(b) < 2:
        return _verdict(None, "Welch t-test", difference=None)
    diff = float(a.mean() - b.mean())
    if a.var() == 0 and b.var() == 0:
        return _verdict(1.0 if diff == 0 else 0.0, "Welch t-test", difference=diff)
    p = ttest_ind(a, b, equal_var=False).pvalue
    return _verdict(float(p), "Welch t-test", difference=diff)


def fmt_p(p: float | None) -> str:
    """``"p < 0.001"``, ``"p = 0.14"``; ``"p unknown"`` for None."""
    if p is None:
        return "p unknown"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"
