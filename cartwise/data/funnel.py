"""Loader for the funnel tables of the Kaggle "E-commerce website funnel analysis" data.

Files: ``user_table.csv`` (user_id, date, device, sex) and one table per step, each a list of the
users who reached it: ``home_page_table.csv``, ``search_page_table.csv``,
``payment_page_table.csv``, ``payment_confirmation_table.csv``. A step table's second column
(the page name, whatever its header) is ignored: the file says which step it is.

These visitors are web-site sessions, not the shop's order-placing users: their ids are a
separate id space.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cartwise.data import validate as v
from cartwise.data.csvio import read_csv
from cartwise.data.schema import FUNNEL_STEPS, conform
from cartwise.errors import DataError

USER_TABLE = "user_table.csv"
STEP_FILES: dict[str, str] = {
    "home": "home_page_table.csv",
    "search": "search_page_table.csv",
    "payment": "payment_page_table.csv",
    "confirmation": "payment_confirmation_table.csv",
}
assert tuple(STEP_FILES) == FUNNEL_STEPS
#: Sub-folders of the data folder searched for funnel tables, after the folder itself.
SUBFOLDERS = ("funnel", "ecommerce_funnel")


def find_funnel_dir(data_path: Path) -> Path | None:
    """The folder holding ``user_table.csv``: ``data_path`` itself or one of :data:`SUBFOLDERS`."""
    base = data_path if data_path.is_dir() else data_path.parent
    for folder in (base, *(base / s for s in SUBFOLDERS)):
        if (folder / USER_TABLE).is_file():
            return folder
    return None


def input_files(folder: Path) -> list[Path]:
    """The funnel files in ``folder``; raises :class:`DataError` naming any that is missing."""
    files = [folder / USER_TABLE, *(folder / f for f in STEP_FILES.values())]
    missing = [p.name for p in files if not p.is_file()]
    if missing:
        raise DataError(f"funnel tables: missing {', '.join(missing)}", path=folder)
    return files


def load_funnel(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the funnel tables in ``folder``.

    Returns:
        ``(funnel_users, funnel_events)`` conformed to the canonical schema: one row per visitor,
        and one row per (visitor, step reached), steps named as in :data:`FUNNEL_STEPS`.

    Raises:
        DataError: a file or column is missing, ids repeat, or a step names an unknown visitor.
    """
    input_files(folder)
    path = folder / USER_TABLE
    users = read_csv(path, {"user_id": "int", "date": "datetime", "device": "str", "sex": "str"})
    v.require_not_null(users, ["user_id"], path)
    v.require_unique(users, "user_id", path, "user id")
    users = users.rename(columns={"date": "visit_date"})
    users["visit_date"] = users["visit_date"].dt.normalize()
    events = []
    for step, name in STEP_FILES.items():
        p = folder / name
        df = read_csv(p, {"user_id": "int"}, allow_empty=True)  # a step nobody reached
        v.require_not_null(df, ["user_id"], p)
        v.require_unique(df, "user_id", p, "user id")
        v.require_known(df, "user_id", users["user_id"], p, f"visitors (not in {USER_TABLE})")
        events.append(pd.DataFrame({"user_id": df["user_id"].to_numpy(), "step": step}))
    return conform(users, "funnel_users"), conform(pd.concat(events, ignore_index=True),
                                                   "funnel_events")
