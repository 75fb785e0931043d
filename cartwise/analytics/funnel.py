"""The website conversion funnel: home -> search -> payment -> confirmation.

Over the canonical funnel tables (``funnel_users``: one row per visitor with visit date, device
and sex; ``funnel_events``: one row per visitor and step reached). For each step: the visitors
who reached it, the conversion from the previous step (0..1), the drop-off (visitors lost and
their share), and the conversion from the first step. Optionally filtered by device and/or sex,
and split by device, sex, week or month of the visit.

Funnel visitors are web sessions, a separate id space from the shoppers who place orders.

Splits by device or sex are compared honestly (:mod:`cartwise.analytics.inference`): each group's
overall conversion carries a Wilson interval, the groups are tested together (chi-square) and
the best against the worst (two-proportion z-test, Newcombe interval of the difference); the
summary names a best and a worst group only when the difference is significant, and says "no
clear difference" otherwise. "The biggest drop" is stated both by rate (the share of a step's
visitors lost) and by visitors lost, since the two can point at different steps.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

from cartwise.analytics.inference import compare_shares, fmt_p, groups_differ, share_interval
from cartwise.analytics.results import chart, share
from cartwise.data.schema import FUNNEL_STEPS
from cartwise.errors import InvalidArgument
from cartwise.formatting import fmt_num, fmt_pct, plural

STEP_LABELS = {"home": "home page", "search": "search page", "payment": "payment page",
               "confirmation": "payment confirmation"}
FUNNEL_BY = ("device", "sex", "week", "month")
NO_FUNNEL = ("this data set has no funnel tables (user_table.csv and the *_page_table.csv "
             "files); build with --funnel DIR or put them in the data folder's funnel/ folder")


def no_funnel_result() -> dict[str, Any]:
    """The result when the data has no funnel tables: says so, with no numbers."""
    return {"available": False, "steps": [], "charts": [], "summary": NO_FUNNEL[0].upper() +
            NO_FUNNEL[1:] + "."}


def funnel_frame(funnel_users: pd.DataFrame, funnel_events: pd.DataFrame) -> pd.DataFrame:
    """One row per visitor: ``visit_date``, ``device``, ``sex`` and ``step`` (0..4 = the number of
    funnel steps reached, counting each step present in ``funnel_events``)."""
    codes = pd.Categorical(funnel_events["step"], categories=list(FUNNEL_STEPS)).codes
    ev = pd.DataFrame({"user_id": funnel_events["user_id"].to_numpy(),
                       "bit": np.left_shift(1, codes.astype(np.int64))})
    ev = ev[codes >= 0]
    mask = ev.groupby("user_id")["bit"].sum()
    out = funnel_users[["user_id", "visit_date", "device", "sex"]].copy()
    out["mask"] = mask.reindex(out["user_id"]).fillna(0).astype(np.int64).to_numpy()
    return out


class FunnelTables:
    """The funnel tables of one data set, with the per-visitor frame (:func:`funnel_frame`) built
    on first use (thread-safe) and shared by every :meth:`analysis`."""

    def __init__(self, funnel_users: pd.DataFrame, funnel_events: pd.DataFrame) -> None:
        self.funnel_users = funnel_users
        self.funnel_events = funnel_events
        self._frame: pd.DataFrame | None = None
        self._lock = threading.Lock()

    def frame(self) -> pd.DataFrame:
        with self._lock:
            if self._frame is None:
                self._frame = funnel_frame(self.funnel_users, self.funnel_events)
            return self._frame

    def analysis(self, device: str | None = None, sex: str | None = None,
                 by: str | None = None) -> dict[str, Any]:
        """:func:`funnel_analysis` over these tables."""
        return funnel_analysis(self.frame(), device, sex, by)


def _match(column: pd.Series, name: str, value: str | None) -> tuple[np.ndarray, str | None]:
    """Rows whose ``column`` equals ``value`` case-insensitively, and the canonical spelling."""
    if value is None:
        return np.ones(len(column), dtype=bool), None
    allowed = sorted(column.dropna().unique().tolist())
    wanted = str(value).strip().lower()
    for a in allowed:
        if str(a).lower() == wanted:
            return (column == a).to_numpy(dtype=bool, na_value=False), str(a)
    raise InvalidArgument(name, value, allowed)


def _counts(masks: np.ndarray) -> list[int]:
    return [int(((masks >> i) & 1).sum()) for i in range(len(FUNNEL_STEPS))]


def _steps(counts: list[int]) -> list[dict[str, Any]]:
    out = []
    for i, step in enumerate(FUNNEL_STEPS):
        prev = counts[i - 1] if i else None
        out.append({
            "step": step,
            "label": STEP_LABELS[step],
            "users": counts[i],
            "conversion_from_previous": share(counts[i], prev) if prev is not None else None,
            "drop_off_users": prev - counts[i] if prev is not None else None,
            "drop_off_rate": (1 - share(counts[i], prev)) if prev else None,
            "conversion_from_start": share(counts[i], counts[0]),
        })
    return out


def funnel_analysis(
    frame: pd.DataFrame,
    device: str | None = None,
    sex: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """The funnel of the visitors in ``frame`` (from :func:`funnel_frame`).

    Args:
        device: keep visitors on this device (case-insensitive: "mobile" = "Mobile").
        sex: keep visitors of this sex.
        by: also split by ``device``, ``sex``, ``week`` (weeks starting Monday) or ``month``.

    Raises:
        InvalidArgument: an unknown device, sex or ``by`` (naming the accepted values).
    """
    if by is not None and str(by).lower() not in FUNNEL_BY:
        raise InvalidArgument("by", by, FUNNEL_BY)
    by = str(by).lower() if by is not None else None
    keep_d, device_name = _match(frame["device"], "device", device)
    keep_s, sex_name = _match(frame["sex"], "sex", sex)
    df = frame[keep_d & keep_s]
    counts = _counts(df["mask"].to_numpy())
    steps = _steps(counts)
    overall = share(counts[-1], counts[0])
    out: dict[str, Any] = {
        "available": True,
        "filters": {"device": device_name, "sex": sex_name},
        "by": by,
        "visitors": int(len(df)),
        "steps": steps,
        "overall_conversion": overall,
        "groups": [],
        "comparison": None,
    }
    labels = [STEP_LABELS[s] for s in FUNNEL_STEPS]
    charts = [chart("funnel", "Visitors at each step", labels, counts, "step", "visitors")]
    if by is not None:
        groups = _groups(df, by)
        out["groups"] = groups
        out["comparison"] = _compare_groups(groups)
        xs = [g["group"] for g in groups]
        kind = "line" if by in ("week", "month") else "bar"
        charts.append(chart(kind, f"Overall conversion by {by}", xs,
                            [g["overall_conversion"] for g in groups], by, "conversion"))
        charts.append(chart(kind, f"Visitors at each step by {by}", xs,
                            {labels[i]: [g["users"][i] for g in groups]
                             for i in range(len(FUNNEL_STEPS))}, by, "visitors"))
    out["charts"] = charts
    out["summary"] = _summary(steps, overall, device_name, sex_name, out["groups"], by,
                              out["comparison"])
    return out


def _groups(df: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    if by in ("device", "sex"):
        key = df[by].astype(object).where(df[by].notna(), "unknown")
        order = sorted(key.unique().tolist())
    else:
        dates = pd.to_datetime(df["visit_date"])
        if dates.isna().all():
            raise InvalidArgument("by", by, ["device", "sex"], "the funnel has no visit dates")
        freq = "W-SUN" if by == "week" else "M"
        periods = dates.dt.to_period(freq)
        fmt = "%Y-%m-%d" if by == "week" else "%Y-%m"
        key = periods.dt.start_time.dt.strftime(fmt).where(dates.notna(), "unknown")
        order = sorted(key.unique().tolist())
    masks = df["mask"].to_numpy()
    out = []
    for g in order:
        sel = (key == g).to_numpy()
        c = _counts(masks[sel])
        lo, hi = share_interval(c[-1], c[0])
        out.append({
            "group": g,
            "users": c,
            "conversion_from_previous": [share(c[i], c[i - 1]) if i else None
                                         for i in range(len(c))],
            "overall_conversion": share(c[-1], c[0]),
            "conversion_interval": [lo, hi] if lo is not None else None,
        })
    return out


def _compare_groups(groups: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The groups' overall conversions tested together, and the best against the worst:
    ``best``, ``worst`` (group names), ``all_groups`` (chi-square verdict) and the
    best-minus-worst verdict (``difference``, ``low``, ``high``, ``p_value``, ``significant``,
    ``test``); None with fewer than two groups with visitors."""
    seen = [g for g in groups if g["users"][0]]
    if len(seen) < 2:
        return None
    best = max(seen, key=lambda g: (g["overall_conversion"] or 0, g["group"]))
    worst = min(seen, key=lambda g: (g["overall_conversion"] or 0, g["group"]))
    pair = compare_shares(best["users"][-1], best["users"][0], worst["users"][-1],
                          worst["users"][0])
    together = groups_differ([g["users"][-1] for g in seen], [g["users"][0] for g in seen])
    return {"best": best["group"], "worst": worst["group"], **pair, "all_groups": together}


def _summary(steps: list[dict[str, Any]], overall: float | None, device: str | None,
             sex: str | None, groups: list[dict[str, Any]], by: str | None,
             comparison: dict[str, Any] | None) -> str:
    who = " ".join(x for x in (sex, device) if x)
    who = f" ({who} visitors)" if who else ""
    if not steps[0]["users"]:
        return f"No visitors{who} in the funnel."
    s = steps
    conv = [fmt_pct(x["conversion_from_previous"]) for x in s]
    text = (f"Of {plural(s[0]['users'], 'visitor')}{who} on the home page, "
            f"{fmt_num(s[1]['users'])} searched ({conv[1]}), "
            f"{fmt_num(s[2]['users'])} reached payment ({conv[2]}) "
            f"and {fmt_num(s[3]['users'])} confirmed ({conv[3]}): {fmt_pct(overall)} overall")
    text += _drops(s)
    if groups and by in ("device", "sex") and comparison is not None:
        rate = {g["group"]: fmt_pct(g["overall_conversion"]) for g in groups}
        best, low = comparison["best"], comparison["worst"]
        if comparison["significant"]:
            text += (f"; by {by}: {best} converts best ({rate[best]}), {low} worst "
                     f"({rate[low]}), a clear difference ({fmt_p(comparison['p_value'])})")
        else:
            text += (f"; by {by}: no clear difference in conversion ("
                     + ", ".join(f"{g} {v}" for g, v in rate.items())
                     + f"; {best} vs {low}: {fmt_p(comparison['p_value'])})")
    elif groups:
        best = max(groups, key=lambda g: g["overall_conversion"] or 0)
        text += (f"; {len(groups)} {by}s, best {best['group']} "
                 f"({fmt_pct(best['overall_conversion'])})")
    return text + "."


def _drops(steps: list[dict[str, Any]]) -> str:
    """The biggest drop by rate and by visitors lost (one clause when they are the same step)."""
    later = [x for x in steps[1:] if x["drop_off_rate"] is not None]
    if not later:
        return ""

    def name(x: dict[str, Any]) -> str:
        i = FUNNEL_STEPS.index(x["step"])
        return f"{FUNNEL_STEPS[i - 1]} -> {x['step']}"

    by_rate = max(later, key=lambda x: x["drop_off_rate"])
    by_users = max(later, key=lambda x: x["drop_off_users"])
    if by_rate is by_users:
        return (f"; the biggest drop, by rate and by visitors, is {name(by_rate)} "
                f"({fmt_pct(by_rate['drop_off_rate'])} of its visitors, "
                f"{fmt_num(by_rate['drop_off_users'])} lost)")
    return (f"; the biggest drop by rate is {name(by_rate)} "
            f"({fmt_pct(by_rate['drop_off_rate'])} of its visitors lost), by visitors "
            f"{name(by_users)} ({fmt_num(by_users['drop_off_users'])} lost)")
