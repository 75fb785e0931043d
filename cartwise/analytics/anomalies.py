"""Anomalies in a daily or weekly series: the points far from what the series leads one to expect.

The expected value at each point is the series' own trend plus its seasonality; the expected
range is ``expected +/- threshold x sigma``, with ``sigma`` the robust spread of the residuals
(``1.4826 x MAD``: the standard deviation if the noise were normal, barely moved by the
anomalies themselves). A point outside the range is an anomaly, a *spike* above it or a *dip*
below; its ``score`` is its deviation in sigmas (signed).

Method, and why:

* **Daily series: robust STL** (``statsmodels.tsa.seasonal.STL``, ``period=7``,
  ``robust=True``). Shop days have a strong weekday pattern (weekends low, or high); STL learns
  it, letting it drift slowly (its seasonal smoother spans :data:`DAY_SEASONAL` weeks, locally
  constant), plus a smooth trend over :data:`DAY_TREND` days, so a busy Monday is expected, not
  anomalous. ``robust=True`` fits with bisquare weights, so the points being judged do not
  bend the fit towards themselves.
* **Gross outliers are screened out first.** Robust STL alone does not survive a holiday-sized
  peak (5-10x the level over one to several weeks): the peak fills so much of the trend window
  that the first, unweighted pass follows it, the normal days around it then look like the
  outliers, and the reweighting locks that in (measured on synthetic years, with statsmodels'
  default 15 robustness iterations: the fit broke down around every six-week peak and around
  one two-week peak in eight, ~20 false alarms each time). So points more than
  :data:`SCREEN_Z` robust SDs from a crude baseline (the median of the same weekday over
  :data:`SCREEN_CYCLES` weeks around the point, the window kept full length at the ends) are
  replaced by that baseline before STL fits; every point is still judged by its *own* value
  against the fit. With the screen the false alarms around a peak vanish (0.05 per peak) and
  the smaller anomalies elsewhere are found. A few robustness iterations (:data:`OUTER_ITER`)
  then suffice: statsmodels' default 15 found the same anomalies, with no fewer false alarms,
  in 2-3x the time.
* **Weekly series, fewer than 104 weeks: a robust trend only** (LOWESS with ``it=3``
  robustifying iterations over :data:`WEEK_TREND` weeks, after the same screen against a
  rolling median of the neighbouring weeks). Weekly totals have no sub-period pattern and a
  yearly one cannot be learnt from less than two years, so only the trend is modelled; LOWESS
  is the local-linear smoother inside STL, without the seasonal part that would have nothing
  to fit.
* **Weekly series, 104+ weeks: yearly seasonality (period 52)**, multiplicative (a week of the
  year is a share above or below the trend, so a Christmas peak grows with the business): the
  median across years of the week's relative deviation from the robust trend, kept only where
  the years agree on an effect clearly larger than noise (see :func:`_yearly`). STL is not
  used here: with two or three values per week of the year its seasonal smoother takes
  one-off anomalies for seasonality (measured, statsmodels' defaults: a 10-sigma dip in one
  year of a two-year series was absorbed every time) or mirrors them as phantoms in the other
  years.
* **Spread: MAD**, not the standard deviation: a holiday peak would inflate a standard
  deviation and hide every smaller anomaly. It is corrected for the degrees of freedom the
  smoother spends (the residuals of a fit are smaller than the noise: by ~22% for a 21-day
  series, ~5% for a long one; measured, :func:`_lost_dof`), otherwise short series flag noise.
  When more than half the residuals are 0 (MAD 0), ``1.2533 x`` the mean absolute deviation
  stands in; sigma is floored at ``1e-9 + 1%`` of the median absolute level, so a flat series
  does not flag rounding noise.

Unknown values (NaN, inf) are filled for the fit (from the crude baseline, else by linear
interpolation) and never flagged. Series of non-negative values (counts, revenue) get expected
values and range low ends clipped at 0. A series too short to judge (fewer than
:data:`MIN_DAYS` days or :data:`MIN_WEEKS` weeks known) gets no anomalies and an unbounded
range, never an error. Daily effects are additive (a weekday is some units above or below the
trend). Pure functions, no I/O; a two-year daily series takes ~20 ms.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from statsmodels.nonparametric.smoothers_lowess import lowess
from statsmodels.tsa.seasonal import STL

from cartwise.errors import InvalidArgument

BY = ("day", "week")
#: Fewest known points to judge: three weeks of days (two full weekly cycles and more), eight
#: weeks.
MIN_DAYS = 21
MIN_WEEKS = 8
#: Weekly series with this many points (two full years) get a yearly seasonality.
YEARLY_MIN_WEEKS = 104
WEEKS_PER_YEAR = 52
#: STL for daily series: the weekday pattern is smoothed over this many weeks (degree 0, so a
#: few weeks of data do not fit a line per weekday), the trend over this many days (five
#: weeks: follows a level change within weeks, one or two odd weeks do not bend it).
DAY_SEASONAL = 53
DAY_TREND = 35
#: Robustness (bisquare) iterations of STL, after the screen.
OUTER_ITER = 3
#: Trend window of weekly series, in weeks (a quarter).
WEEK_TREND = 13
#: Yearly effects the years agree on by less than this many robust SDs are dropped.
SEASONAL_MIN_Z = 2.0
#: The screen: points further than SCREEN_Z robust SDs from the median of their neighbours in
#: a window of SCREEN_CYCLES cycles (same weekday for daily series) are replaced by it for the
#: fit.
SCREEN_Z = 4.0
SCREEN_CYCLES = {"day": 17, "week": 13}
#: 1.4826 x MAD estimates the standard deviation of normal noise; so does 1.2533 x the mean
#: absolute deviation (used when MAD is 0).
MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.2533
#: Floor of sigma: this share of the median absolute level, plus 1e-9.
SIGMA_FLOOR_SHARE = 0.01
#: Degrees of freedom the (unweighted) smoothers spend, 2 tr(H) - tr(H'H) for their hat matrix
#: H, measured from impulse responses for the settings above, by series length (points);
#: beyond the last length it grows by the last slope. Test-checked against the smoothers.
DAY_DOF = ((21, 28, 42, 56, 91, 120, 180, 250, 366, 500, 730, 1000),
           (8.3, 8.5, 9.2, 10.1, 12.4, 14.4, 19.0, 24.5, 33.6, 46.1, 67.8, 93.3))
WEEK_DOF = ((8, 13, 16, 20, 26, 39, 52, 78, 104, 156, 260, 520),
            (2.8, 2.8, 3.3, 3.9, 5.0, 7.2, 9.4, 13.8, 18.2, 27.1, 44.7, 88.9))


@dataclass(frozen=True)
class Anomaly:
    """One point outside the expected range.

    ``deviation = value - expected``; ``score = deviation / sigma`` (positive for a spike);
    ``direction`` is ``"spike"`` (above ``high``) or ``"dip"`` (below ``low``).
    """

    position: int
    label: str
    value: float
    expected: float
    low: float
    high: float
    deviation: float
    score: float
    direction: str


@dataclass(frozen=True)
class Baseline:
    """What the series leads one to expect, per position (float64 arrays as long as the series).

    ``low <= expected <= high`` wherever ``expected`` is known; ``sigma`` is the robust spread
    of the residuals (``inf`` when the series is too short to judge); ``method`` names the
    method in a sentence.
    """

    expected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    sigma: float
    method: str


def baseline(values: np.ndarray, by: Literal["day", "week"], threshold: float = 3.5) -> Baseline:
    """The expected value and range of every point of a regularly spaced series.

    Args:
        values: one value per day or per week (1-D; gaps filled with 0 by the caller; NaN or
            inf = unknown).
        by: ``"day"`` or ``"week"``.
        threshold: half-width of the expected range, in robust SDs (> 0).

    Returns:
        the :class:`Baseline`. For a series too short to judge (fewer than :data:`MIN_DAYS`
        days or :data:`MIN_WEEKS` weeks known): ``expected`` = the median of the known values
        (NaN if none), ``sigma`` = inf and a range that excludes nothing.

    Raises:
        InvalidArgument: ``by`` is not day or week, ``threshold`` is not a positive number, or
            ``values`` is not one-dimensional.
    """
    b = _check_by(by)
    t = _check_threshold(threshold)
    x = _check_values(values)
    known = np.isfinite(x)
    n_known = int(known.sum())
    clip = n_known > 0 and bool(np.all(x[known] >= 0))
    minimum = MIN_DAYS if b == "day" else MIN_WEEKS
    if n_known < minimum:
        unit, needed = ("daily", "three weeks") if b == "day" else ("weekly", "eight weeks")
        method = (f"too short to judge: {n_known} known {unit} values (at least {minimum}, "
                  f"{needed}, are needed); no anomalies flagged")
        level = float(np.median(x[known])) if n_known else math.nan
        low = np.full(x.shape, 0.0 if clip else -math.inf)
        return Baseline(np.full(x.shape, level), low, np.full(x.shape, math.inf), math.inf,
                        method)

    fit, how, dof = _fit_daily(x, known) if b == "day" else _fit_weekly(x, known)
    # the smoother spends its degrees of freedom over all positions, the known ones their share
    lost = dof * n_known / len(x)
    sigma = _robust_sigma(x[known] - fit[known], x[known], lost)
    expected = np.maximum(fit, 0.0) if clip else fit
    low = expected - t * sigma
    if clip:
        low = np.maximum(low, 0.0)
    high = expected + t * sigma
    method = (f"{how}; expected range = expected +/- {t:g} sigma (1.4826 x MAD of the "
              f"residuals, corrected for the fit's degrees of freedom: {sigma:.4g})")
    return Baseline(expected.astype(np.float64), low.astype(np.float64),
                    high.astype(np.float64), float(sigma), method)


def detect(
    values: np.ndarray,
    labels: Sequence[str],
    by: Literal["day", "week"],
    k: int = 10,
    threshold: float = 3.5,
) -> tuple[list[Anomaly], Baseline]:
    """The (at most ``k``) points outside the expected range, largest ``|score|`` first.

    Args:
        values: as for :func:`baseline`.
        labels: one label per value (e.g. the day ``"2011-11-14"``), copied into the anomalies.
        by: ``"day"`` or ``"week"``.
        k: most anomalies to return (>= 0).
        threshold: half-width of the expected range, in robust SDs (> 0).

    Returns:
        the anomalies (ties of ``|score|`` by position; unknown values are never flagged) and
        the :class:`Baseline` they were judged against.

    Raises:
        InvalidArgument: as :func:`baseline`, or ``k`` is not an integer >= 0, or the number of
            labels differs from the number of values.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise InvalidArgument("k", k, "an integer >= 0")
    x = _check_values(values)
    if len(labels) != len(x):
        raise InvalidArgument("labels", f"{len(labels)} labels", f"one label per value ({len(x)})")
    base = baseline(x, by, threshold)
    if not math.isfinite(base.sigma):
        return [], base
    outside = np.isfinite(x) & ((x > base.high) | (x < base.low))
    where = np.flatnonzero(outside)
    scores = (x[where] - base.expected[where]) / base.sigma
    order = np.lexsort((where, -np.abs(scores)))[: int(k)]
    found = []
    for j in order:
        i = int(where[j])
        value, expected = float(x[i]), float(base.expected[i])
        found.append(Anomaly(
            position=i,
            label=str(labels[i]),
            value=value,
            expected=expected,
            low=float(base.low[i]),
            high=float(base.high[i]),
            deviation=value - expected,
            score=float(scores[j]),
            direction="spike" if value > base.high[i] else "dip",
        ))
    return found, base


# -- fits ----------------------------------------------------------------------------------------


def _fit_daily(x: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, str, float]:
    """Robust STL (period 7) of the screened series: (trend + weekday seasonality, the method
    in words, the degrees of freedom spent)."""
    fit = _stl(_screen(x, known, period=7, cycles=SCREEN_CYCLES["day"]), OUTER_ITER)
    how = (f"robust STL, weekly seasonality (period 7, smoothed over {DAY_SEASONAL} weeks), "
           f"{DAY_TREND}-day trend, fitted after replacing the points more than {SCREEN_Z:g} "
           f"robust SDs from the median of the same weekday in the neighbouring weeks")
    return fit, how, _lost_dof(len(x), DAY_DOF)


def _fit_weekly(x: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, str, float]:
    """Robust LOWESS trend of the screened series, times a yearly seasonality with 104+ weeks:
    (the fit, the method in words, the degrees of freedom spent)."""
    yearly = len(x) >= YEARLY_MIN_WEEKS
    # One pass: the screen keeps a large seasonal peak out of the trend. Re-fitting the trend to
    # the deseasonalised series was measured to oscillate at the ends (local-linear ends follow
    # their last few points), so the seasonal effects are measured once, against this trend.
    trend = _lowess(_screen(x, known, period=1, cycles=SCREEN_CYCLES["week"]), WEEK_TREND)
    dof = _lost_dof(len(x), WEEK_DOF)
    if yearly:
        seasonal, kept = _yearly(x, known, trend)
        how = (f"yearly seasonality (period {WEEKS_PER_YEAR}: a week of the year is a share of "
               f"the trend, the years' median, where the years agree on one; {kept} of "
               f"{WEEKS_PER_YEAR} weeks have one) on a robust LOWESS trend over {WEEK_TREND} "
               f"weeks")
        fit, dof = trend + seasonal, dof + kept
    else:
        how = (f"robust LOWESS trend over {WEEK_TREND} weeks, no seasonality (fewer than "
               f"{YEARLY_MIN_WEEKS} weeks, two full years, to learn a yearly pattern)")
        fit = trend
    return fit, how + (f", fitted after replacing the points more than {SCREEN_Z:g} robust "
                       f"SDs from the median of the neighbouring weeks"), dof


def _stl(y: np.ndarray, outer_iter: int) -> np.ndarray:
    """Trend + seasonal of robust STL (period 7) of ``y`` with ``outer_iter`` robustness
    iterations (0: the unweighted fit, a linear smoother)."""
    stl = STL(y, period=7, seasonal=DAY_SEASONAL, trend=DAY_TREND, seasonal_deg=0, robust=True,
              seasonal_jump=DAY_SEASONAL // 10, trend_jump=DAY_TREND // 10)
    result = stl.fit(outer_iter=outer_iter)
    return np.asarray(result.trend, np.float64) + np.asarray(result.seasonal, np.float64)


def _lowess(y: np.ndarray, window: int, it: int = 3) -> np.ndarray:
    """Local-linear LOWESS of ``y`` over ``window`` points, ``it`` robustifying iterations (0:
    a linear smoother)."""
    n = len(y)
    fitted = lowess(y, np.arange(n, dtype=np.float64), frac=min(1.0, window / n), it=it,
                    delta=0.0, return_sorted=False)
    return np.asarray(fitted, np.float64)


def _yearly(x: np.ndarray, known: np.ndarray, trend: np.ndarray) -> tuple[np.ndarray, int]:
    """The yearly seasonal component, a share of the trend per week of the year, and the number
    of weeks of the year that have one.

    A week of the year has an effect only if the years agree on one larger than
    :data:`SEASONAL_MIN_Z` robust SDs of the deviations from the trend: the median across the
    years of the week's deviation, a zero joining a median of an even count (with two years:
    the smaller of two deviations of one sign, none for opposite signs). So a one-off anomaly in
    one year is not taken for seasonality (nor mirrored as a phantom in the other years), and
    noise is not fitted away (which would shrink sigma). A kept effect is the plain median of
    the years' relative deviations (with two years, their mean). Where the trend is not
    positive the effect is 0.
    """
    n = len(x)
    base = np.maximum(trend, 0.0)
    dev = x - trend
    sigma0 = _robust_sigma(dev[known], x[known], 0.0)
    usable = known & (base > 0)
    rel = np.full(n, np.nan)
    rel[usable] = dev[usable] / base[usable]
    share = np.zeros(WEEKS_PER_YEAR)
    for p in range(WEEKS_PER_YEAR):
        d = rel[p::WEEKS_PER_YEAR]
        d = d[np.isfinite(d)]
        if not len(d):
            continue
        agreed = float(np.median(np.append(d, 0.0) if len(d) % 2 == 0 else d))
        if abs(agreed) * float(np.median(base[p::WEEKS_PER_YEAR])) > SEASONAL_MIN_Z * sigma0:
            share[p] = float(np.median(d))
    return share[np.arange(n) % WEEKS_PER_YEAR] * base, int(np.count_nonzero(share))


def _screen(x: np.ndarray, known: np.ndarray, period: int, cycles: int) -> np.ndarray:
    """``x`` with unknown values and gross outliers replaced by a crude robust baseline.

    The baseline of a point is the median of the known values of its phase (weekday) in a
    window of ``cycles`` cycles around it; outliers are the points more than :data:`SCREEN_Z`
    robust SDs from it. The SD is that of the points' distances from the median of their
    neighbours *without* themselves (a point's own value would shrink its distance towards 0,
    and with it the SD; but only a median with the point is robust enough to judge it when a
    window holds three values). Where the baseline is unknown (no known value in the window),
    linear interpolation of the known values stands in.
    """
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[known], x[known])
    masked = np.where(known, x, np.nan)
    crude = np.empty(len(x))
    others = np.empty(len(x))
    for p in range(period):
        crude[p::period] = _window_median(masked[p::period], cycles, itself=True)
        others[p::period] = _window_median(masked[p::period], cycles, itself=False)
    crude = np.where(np.isfinite(crude), crude, filled)
    judged = known & np.isfinite(others)
    bad = ~known
    if judged.any():
        spread = _robust_sigma(x[judged] - others[judged], x[judged], 0.0)
        bad[known] = np.abs(x[known] - crude[known]) > SCREEN_Z * spread
    return np.where(bad, crude, filled)


def _window_median(v: np.ndarray, window: int, itself: bool) -> np.ndarray:
    """Per point, the median of the known (non-NaN) values in a window of ``window``
    consecutive points around it (the point itself included or not), the window shifted (not
    truncated) at the ends so it always spans ``window`` points (all of ``v`` if shorter); NaN
    where there are none."""
    m = len(v)
    w = min(window, m)
    start = np.clip(np.arange(m) - window // 2, 0, m - w)
    cols = start[:, None] + np.arange(w)[None, :]
    vals = v[cols]
    if not itself:
        vals[cols == np.arange(m)[:, None]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a window without values: NaN
        return np.nanmedian(vals, axis=1)


def _lost_dof(n: int, table: tuple[tuple[int, ...], tuple[float, ...]]) -> float:
    """Degrees of freedom a smoother of ``table`` spends on a series of ``n`` points."""
    ns, ds = table
    if n <= ns[-1]:
        return float(np.interp(n, ns, ds))
    slope = (ds[-1] - ds[-2]) / (ns[-1] - ns[-2])
    return ds[-1] + slope * (n - ns[-1])


def _robust_sigma(residuals: np.ndarray, level: np.ndarray, lost_dof: float) -> float:
    """The robust spread of ``residuals``: ``1.4826 x MAD`` (``1.2533 x`` the mean absolute
    deviation when MAD is 0), scaled by ``sqrt(n / (n - lost_dof))`` for the degrees of freedom
    the fit spent, floored at ``1e-9 + 1%`` of the median absolute ``level``."""
    floor = 1e-9 + SIGMA_FLOOR_SHARE * float(np.median(np.abs(level)))
    centred = np.abs(residuals - np.median(residuals))
    spread = MAD_SCALE * float(np.median(centred))
    if spread <= 1e-12 * (1.0 + floor):
        spread = MEAN_AD_SCALE * float(np.mean(centred))
    n = len(residuals)
    spread *= math.sqrt(n / max(n - lost_dof, 1.0))
    return max(spread, floor)


# -- arguments -----------------------------------------------------------------------------------


def _check_by(by: str) -> str:
    b = str(by).strip().lower()
    if b not in BY:
        raise InvalidArgument("by", by, BY)
    return b


def _check_threshold(threshold: float) -> float:
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise InvalidArgument("threshold", threshold, "a number > 0") from None
    if not math.isfinite(t) or t <= 0:
        raise InvalidArgument("threshold", threshold, "a number > 0")
    return t


def _check_values(values: np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise InvalidArgument("values", f"an array of shape {x.shape}", "a one-dimensional series")
    return np.where(np.isfinite(x), x, np.nan)
