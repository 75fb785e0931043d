"""RFM scoring, named RFM segments, and K-means clusters on standardised RFM.

* **Recency** (days since the last order, see :mod:`cartwise.analytics.clock`), **frequency**
  (orders) and **monetary** (spend in the data's currency; units bought when the data has no
  prices) per shopper.
* **Scores** 1..5 by quintile of the population (:func:`quantile_scores`): 5 = most recent, most
  frequent, most valuable. Tied values share a score.
* **Named segments** from the recency score R and the combined frequency-monetary score
  FM = round((F + M) / 2) on the usual 5 x 5 grid (:data:`SEGMENTS`, :data:`GRID`).
* **K-means** on the standardised ``log1p`` of recency, frequency and monetary (the logs tame
  the long tails), k chosen by the best silhouette in a range; clusters are numbered by value,
  cluster 1 being the most valuable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics.inference import share_interval
from cartwise.analytics.results import CURRENCY, chart
from cartwise.formatting import fmt_num, fmt_pct, plural

log = logging.getLogger(__name__)

#: Shoppers the silhouette of each k is measured on (its cost grows with the square).
SILHOUETTE_SAMPLE = 2000

#: The named segments, in display order, with what they mean.
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("Champions", "bought recently, buy often and spend the most"),
    ("Loyal", "buy often and spend a lot"),
    ("Potential Loyalist", "recent shoppers with average frequency and value"),
    ("New Customers", "bought very recently, but rarely so far"),
    ("Promising", "recent shoppers with few orders and little value so far"),
    ("Need Attention", "average recency, frequency and value"),
    ("About to Sleep", "below-average recency, few orders, little value"),
    ("Can't Lose Them", "used to buy often and spend the most, but not lately"),
    ("At Risk", "bought often and spent well, but long ago"),
    ("Hibernating", "last order long ago, few orders, little value"),
    ("Lost", "lowest recency, frequency and value"),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(name for name, _ in SEGMENTS)
_S = {name: i for i, name in enumerate(SEGMENT_NAMES)}
#: ``GRID[R - 1][FM - 1]`` is the segment code (index into :data:`SEGMENTS`).
GRID = np.array(
    [
        # FM: 1             2                   3                    4                   5
        [_S["Lost"], _S["Lost"], _S["At Risk"], _S["At Risk"], _S["Can't Lose Them"]],  # R 1
        [_S["Hibernating"], _S["Hibernating"], _S["At Risk"], _S["At Risk"],
         _S["Can't Lose Them"]],  # R 2
        [_S["About to Sleep"], _S["About to Sleep"], _S["Need Attention"], _S["Loyal"],
         _S["Loyal"]],  # R 3
        [_S["Promising"], _S["Potential Loyalist"], _S["Potential Loyalist"], _S["Loyal"],
         _S["Loyal"]],  # R 4
        [_S["New Customers"], _S["Potential Loyalist"], _S["Potential Loyalist"],
         _S["Champions"], _S["Champions"]],  # R 5
    ],
    dtype=np.int8,
)


def quantile_scores(values: np.ndarray, n: int = 5, higher_is_better: bool = True) -> np.ndarray:
    """Score each value 1..n by its quantile among all values.

    With average ranks *r* (ties share one) over *N* values, the score is
    ``floor(n * (r - 0.5) / N) + 1``: five distinct values score 1, 2, 3, 4, 5; ten score
    1, 1, 2, 2, ..., 5, 5; equal values always score the same. NaN scores 1 (worst).

    Returns:
        int8 array of scores 1..n (``n`` = best).
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.ones(len(v), dtype=np.int8)
    ok = ~np.isnan(v)
    if not ok.any():
        return out
    x = v[ok] if higher_is_better else -v[ok]
    ranks = pd.Series(x).rank(method="average").to_numpy()
    scores = np.floor(n * (ranks - 0.5) / len(x)).astype(np.int64) + 1
    out[ok] = np.clip(scores, 1, n)
    return out


def rfm_table(
    user_id: np.ndarray, recency_days: np.ndarray, frequency: np.ndarray, monetary: np.ndarray
) -> pd.DataFrame:
    """RFM values, 1..5 scores and named segment per shopper.

    Args:
        user_id: the shoppers' ids.
        recency_days: days since the last order (>= 0; lower is better).
        frequency: orders (>= 1).
        monetary: spend in the data's currency, or units when there are no prices (>= 0).

    Returns:
        Columns ``user_id``, ``recency_days``, ``frequency``, ``monetary``, ``r``, ``f``, ``m``
        (1..5), ``fm`` (round-half-up of (f + m) / 2, 1..5), ``segment`` (code into
        :data:`SEGMENTS`), ``rfm`` (the "RFM" score string, e.g. "545").
    """
    r = quantile_scores(recency_days, higher_is_better=False)
    f = quantile_scores(frequency)
    m = quantile_scores(monetary)
    fm = np.floor((f.astype(np.int64) + m) / 2 + 0.5).astype(np.int8)
    seg = GRID[r - 1, fm - 1]
    code = r.astype(np.int64) * 100 + f.astype(np.int64) * 10 + m
    return pd.DataFrame({
        "user_id": user_id,
        "recency_days": np.asarray(recency_days, dtype=np.float64),
        "frequency": np.asarray(frequency, dtype=np.int64),
        "monetary": np.asarray(monetary, dtype=np.float64),
        "r": r, "f": f, "m": m, "fm": fm,
        "segment": seg.astype(np.int8),
        "rfm": code.astype(str),
    })


def _interval(n: int, total: int) -> list[float] | None:
    """The 95% Wilson interval of a segment's share of ``total`` shoppers, [low, high]."""
    lo, hi = share_interval(n, total)
    return None if lo is None else [lo, hi]


def segment_summary(rfm: pd.DataFrame, segment_col: str = "segment") -> list[dict[str, Any]]:
    """Size, share and value of every named segment (empty ones included, with zeros).

    Returns:
        One dict per segment of :data:`SEGMENTS`, in that order: ``name``, ``description``,
        ``users``, ``share`` (of shoppers, 0..1) with ``share_interval`` (its 95% Wilson
        interval, reading the shoppers as a sample of the shop's clientele: two segments or
        two periods whose intervals overlap widely are not clearly different), ``value``
        (summed monetary), ``value_share`` (0..1), ``avg_recency_days``, ``avg_frequency``,
        ``avg_monetary`` (None when empty).
    """
    codes = rfm[segment_col].to_numpy(dtype=np.int64)
    k = len(SEGMENTS)
    users = np.bincount(codes, minlength=k)
    value = np.bincount(codes, weights=rfm["monetary"].to_numpy(dtype=np.float64), minlength=k)
    rec = np.bincount(codes, weights=np.nan_to_num(rfm["recency_days"].to_numpy(np.float64)),
                      minlength=k)
    freq = np.bincount(codes, weights=rfm["frequency"].to_numpy(dtype=np.float64), minlength=k)
    total_users, total_value = max(len(codes), 1), float(value.sum())
    out = []
    for i, (name, desc) in enumerate(SEGMENTS):
        n = int(users[i])
        out.append({
            "name": name,
            "description": desc,
            "users": n,
            "share": n / total_users if len(codes) else 0.0,
            "share_interval": _interval(n, total_users),
            "value": float(value[i]),
            "value_share": float(value[i]) / total_value if total_value else 0.0,
            "avg_recency_days": float(rec[i]) / n if n else None,
            "avg_frequency": float(freq[i]) / n if n else None,
            "avg_monetary": float(value[i]) / n if n else None,
        })
    return out


@dataclass
class Clusters:
    """K-means result on standardised RFM.

    Attributes:
        labels: int16 cluster of each shopper, 1..k (1 = highest mean monetary); 0 when no
            clustering was possible.
        k: the chosen number of clusters (0 when none).
        silhouettes: k tried -> mean silhouette (-1..1, higher = better separated).
        reason: why there are no clusters, when ``k == 0``.
    """

    labels: np.ndarray
    k: int
    silhouettes: dict[int, float] = field(default_factory=dict)
    reason: str | None = None


def rfm_features(recency_days: np.ndarray, frequency: np.ndarray,
                 monetary: np.ndarray) -> np.ndarray:
    """``(n, 3)`` standardised ``log1p`` recency, frequency and monetary (mean 0, sd 1 each;
    a constant column stays 0)."""
    x = np.column_stack([
        np.log1p(np.nan_to_num(np.asarray(recency_days, np.float64)).clip(min=0)),
        np.log1p(np.asarray(frequency, np.float64).clip(min=0)),
        np.log1p(np.asarray(monetary, np.float64).clip(min=0)),
    ])
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def load_clustering() -> None:
    """Import scikit-learn's K-means and silhouette now (about 1 s, once per process) rather
    than inside the first :func:`kmeans_clusters` call."""
    import sklearn.cluster  # noqa: F401
    import sklearn.metrics  # noqa: F401


def kmeans_clusters(
    recency_days: np.ndarray,
    frequency: np.ndarray,
    monetary: np.ndarray,
    k_min: int = 2,
    k_max: int = 6,
    sample: int = 10_000,
    seed: int = 42,
) -> Clusters:
    """Cluster shoppers with K-means on :func:`rfm_features`, k in ``k_min..k_max`` by silhouette.

    K-means (scikit-learn, ``n_init=3``) is fitted on a seeded sample of at most ``sample``
    shoppers, the silhouette measured on at most :data:`SILHOUETTE_SAMPLE` of them; every
    shopper is then assigned to the nearest centre. Deterministic for a given ``seed``.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    x = rfm_features(recency_days, frequency, monetary)
    n = len(x)
    none = np.zeros(n, dtype=np.int16)
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    xf = x[fit_rows]
    distinct = len(np.unique(np.round(xf, 9), axis=0))
    k_hi = min(k_max, distinct - 1, len(xf) - 1)
    if k_hi < k_min:
        return Clusters(none, 0, {}, f"too few distinct shoppers ({distinct}) for {k_min} "
                                     "clusters")
    sil_rows = (np.sort(rng.choice(len(xf), size=SILHOUETTE_SAMPLE, replace=False))
                if len(xf) > SILHOUETTE_SAMPLE else np.arange(len(xf)))
    best: tuple[float, int, KMeans] | None = None
    silhouettes: dict[int, float] = {}
    # one thread: on a small, busy machine OpenMP threads oversubscribe and run 10-20x slower
    with threadpool_limits(limits=1):
        for k in range(k_min, k_hi + 1):
            km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(xf)
            labels = km.labels_[sil_rows]
            if len(np.unique(labels)) < 2:
                continue
            s = float(silhouette_score(xf[sil_rows], labels, random_state=seed))
            silhouettes[k] = s
            if best is None or s > best[0] + 1e-12:
                best = (s, k, km)
        if best is None:
            return Clusters(none, 0, silhouettes, "K-means found no separable clusters")
        _, k, km = best
        raw = km.predict(x)
    # number the clusters by mean monetary, most valuable first
    mean_value = np.bincount(raw, weights=np.asarray(monetary, np.float64), minlength=k) / \
        np.maximum(np.bincount(raw, minlength=k), 1)
    rank = np.empty(k, dtype=np.int16)
    rank[np.argsort(-mean_value, kind="stable")] = np.arange(1, k + 1, dtype=np.int16)
    log.info("K-means on RFM: k=%d (silhouette %.3f) over %d shoppers", k, silhouettes[k], n)
    return Clusters(rank[raw], k, silhouettes)


def cluster_summary(rfm: pd.DataFrame, labels: np.ndarray, k: int) -> list[dict[str, Any]]:
    """Size, value and typical RFM of each cluster 1..k, with its most common named segment.

    Returns:
        One dict per cluster: ``cluster``, ``name`` ("Cluster 1: mostly Champions"), ``users``,
        ``share``, ``value``, ``value_share``, ``median_recency_days``, ``median_frequency``,
        ``median_monetary``, ``main_segment``, ``main_segment_share`` (0..1).
    """
    if k == 0:
        return []
    df = pd.DataFrame({"c": labels, "seg": rfm["segment"].to_numpy(),
                       "rec": rfm["recency_days"].to_numpy(), "f": rfm["frequency"].to_numpy(),
                       "m": rfm["monetary"].to_numpy()})
    df = df[df["c"] > 0]
    g = df.groupby("c")
    med = g[["rec", "f", "m"]].median()
    size = g.size()
    value = g["m"].sum()
    main = df.groupby(["c", "seg"]).size().reset_index(name="n").sort_values(
        ["c", "n", "seg"], ascending=[True, False, True]).drop_duplicates("c").set_index("c")
    total_users, total_value = max(len(df), 1), float(df["m"].sum())
    out = []
    for c in range(1, k + 1):
        n = int(size.get(c, 0))
        seg_name = SEGMENT_NAMES[int(main.loc[c, "seg"])] if c in main.index else None
        out.append({
            "cluster": c,
            "name": f"Cluster {c}: mostly {seg_name}" if seg_name else f"Cluster {c}",
            "users": n,
            "share": n / total_users,
            "value": float(value.get(c, 0.0)),
            "value_share": float(value.get(c, 0.0)) / total_value if total_value else 0.0,
            "median_recency_days": float(med.loc[c, "rec"]) if c in med.index else None,
            "median_frequency": float(med.loc[c, "f"]) if c in med.index else None,
            "median_monetary": float(med.loc[c, "m"]) if c in med.index else None,
            "main_segment": seg_name,
            "main_segment_share": int(main.loc[c, "n"]) / n if n and c in main.index else None,
        })
    return out


def customer_segments(segment: np.ndarray, recency_days: np.ndarray, frequency: np.ndarray,
                      monetary: np.ndarray, clusters: Clusters,
                      value_unit: str) -> dict[str, Any]:
    """The segments result: named RFM segments and K-means clusters, with charts and a summary.

    Args:
        segment: each shopper's segment code (into :data:`SEGMENTS`).
        recency_days, frequency, monetary: each shopper's RFM values (days, orders, value).
        clusters: the K-means clusters of the shoppers (:func:`kmeans_clusters`).
        value_unit: what ``monetary`` counts: ``"currency"`` or ``"items"``.

    Returns:
        ``n_users``, ``rfm`` (what the scores mean), ``segments``
        (:func:`segment_summary`), ``kmeans`` (k, silhouette by k, features, reason),
        ``clusters`` (:func:`cluster_summary`), ``charts`` and ``summary``.
    """
    rfm = pd.DataFrame({"segment": segment, "monetary": monetary, "recency_days": recency_days,
                        "frequency": frequency})
    segs = segment_summary(rfm)
    cl = clusters
    summary = cluster_summary(rfm, cl.labels, cl.k)
    names = [s["name"] for s in segs]
    ks = sorted(cl.silhouettes)
    charts = [
        chart("bar", "Shoppers per RFM segment", names, [s["users"] for s in segs],
              "segment", "shoppers"),
        chart("bar", "Share of value per RFM segment", names,
              [s["value_share"] for s in segs], "segment", "share of value"),
    ]
    if summary:
        charts.append(chart("bar", "Shoppers per K-means cluster",
                            [c["name"] for c in summary], [c["users"] for c in summary],
                            "cluster", "shoppers"))
        charts.append(chart("line", "Silhouette by number of clusters", ks,
                            [cl.silhouettes[k] for k in ks], "k", "silhouette"))
    top = max(segs, key=lambda s: s["value_share"])
    text = (f"{plural(len(rfm), 'shopper')} in {sum(1 for s in segs if s['users'])} RFM "
            f"segments; {top['name']} ({fmt_pct(top['share'])} of shoppers) hold "
            f"{fmt_pct(top['value_share'])} of the value")
    if summary:
        best = str(summary[0]["name"]).split(": ", 1)[-1]
        text += (f"; K-means finds {cl.k} clusters (silhouette "
                 f"{fmt_num(cl.silhouettes[cl.k], 2)}), the most valuable being "
                 f"{best} ({plural(summary[0]['users'], 'shopper')})")
    elif cl.reason:
        text += f"; no K-means clusters ({cl.reason})"
    return {
        "n_users": len(rfm),
        "rfm": {"scores": "1..5 by quintile (5 = most recent, most orders, most value)",
                "frequency": "orders",
                "monetary": "spend" if value_unit == CURRENCY else "items bought"},
        "segments": segs,
        "kmeans": {"k": cl.k, "silhouette_by_k": {str(k): cl.silhouettes[k] for k in ks},
                   "features": "standardised log(1 + recency days, orders, monetary)",
                   "reason": cl.reason},
        "clusters": summary,
        "charts": charts,
        "summary": text + ".",
    }
