"""The canonical tables every other part of Cartwise reads.

Whatever the input layout (Instacart files, a transaction log, the generated demo), loaders produce
these tables with exactly these columns and dtypes; :func:`conform` enforces it. Ids are the shop's
external ids (what a person types: "user 42", "product 24852"), never matrix rows.

Conventions:

* ``order_dow`` is 0..6 with 0 = Sunday (Instacart's usual reading); for real timestamps it is
  derived from ``ordered_at`` with the same convention.
* ``days_since_prior_order`` is in days, NaN on a shopper's first order. Instacart caps it at 30;
  derived from timestamps it is the real (fractional) gap.
* ``ordered_at`` is a naive timestamp in the shop's local time, or missing (NaT) for Instacart
  data, which has no calendar dates.
* Prices are in the data's own currency, per unit; missing (NaN) where the data has none.
* ``products`` is sorted by ``product_id`` (its rows are the catalogue's rows, see
  :mod:`cartwise.catalog`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from cartwise.errors import DataError
from cartwise.stages import STAGE_FORMATS

#: Bump (in :data:`cartwise.stages.STAGE_FORMATS`) when a table's columns or meaning change;
#: stores with another version are rebuilt.
FORMAT_VERSION = STAGE_FORMATS["data"]

PRODUCTS = pa.schema(
    [
        pa.field("product_id", pa.int64(), nullable=False),
        pa.field("product_name", pa.string(), nullable=False),
        pa.field("aisle_id", pa.int32(), nullable=False),
        pa.field("aisle", pa.string(), nullable=False),
        pa.field("department_id", pa.int32(), nullable=False),
        pa.field("department", pa.string(), nullable=False),
        pa.field("price", pa.float64()),  # unit price; null where the data has none
        pa.field("description", pa.string()),  # free text; null where the data has none
        pa.field("sku", pa.string()),  # the source's own product code (stock code), if any
    ]
)

ORDERS = pa.schema(
    [
        pa.field("order_id", pa.int64(), nullable=False),
        pa.field("user_id", pa.int64(), nullable=False),
        pa.field("order_number", pa.int32(), nullable=False),  # 1-based, chronological per user
        pa.field("eval_set", pa.string(), nullable=False),  # prior | train | test (Instacart)
        pa.field("order_dow", pa.int8(), nullable=False),  # 0 = Sunday
        pa.field("order_hour_of_day", pa.int8(), nullable=False),  # 0..23
        pa.field("days_since_prior_order", pa.float32()),  # NaN on the first order
        pa.field("ordered_at", pa.timestamp("s")),  # null for Instacart data
        pa.field("order_key", pa.string()),  # the source's own order id (invoice), if any
    ]
)

ORDER_LINES = pa.schema(
    [
        pa.field("order_id", pa.int64(), nullable=False),
        pa.field("product_id", pa.int64(), nullable=False),
        pa.field("add_to_cart_order", pa.int16(), nullable=False),  # 1-based position in basket
        pa.field("reordered", pa.int8(), nullable=False),  # 1 if the user bought it before
        pa.field("quantity", pa.int32(), nullable=False),  # units, >= 1 (1 when unknown)
        pa.field("unit_price", pa.float32()),  # price paid per unit; null where unknown
    ]
)

USERS = pa.schema(
    [
        pa.field("user_id", pa.int64(), nullable=False),
        pa.field("user_key", pa.string()),  # the source's own customer id, if any
        pa.field("country", pa.string()),
        pa.field("n_orders", pa.int32(), nullable=False),
        pa.field("first_order_at", pa.timestamp("s")),
        pa.field("last_order_at", pa.timestamp("s")),
    ]
)

#: Funnel steps in order, as stored in ``funnel_events.step``.
FUNNEL_STEPS: tuple[str, ...] = ("home", "search", "payment", "confirmation")

FUNNEL_USERS = pa.schema(
    [
        pa.field("user_id", pa.int64(), nullable=False),
        pa.field("visit_date", pa.date32()),
        pa.field("device", pa.string()),
        pa.field("sex", pa.string()),
    ]
)

FUNNEL_EVENTS = pa.schema(
    [
        pa.field("user_id", pa.int64(), nullable=False),
        pa.field("step", pa.string(), nullable=False),  # one of FUNNEL_STEPS
    ]
)

TABLES: dict[str, pa.Schema] = {
    "products": PRODUCTS,
    "orders": ORDERS,
    "order_lines": ORDER_LINES,
    "users": USERS,
    "funnel_users": FUNNEL_USERS,
    "funnel_events": FUNNEL_EVENTS,
}

#: Tables every data set has; the funnel tables are optional.
REQUIRED_TABLES = ("products", "orders", "order_lines", "users")


def conform(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of canonical table ``name``, in order and typed.

    Optional (nullable) columns missing from ``df`` are added as nulls; a missing required column,
    a null in a required column or a value that does not fit the dtype raises :class:`DataError`.
    """
    schema = TABLES[name]
    out: dict[str, Any] = {}
    for f in schema:
        if f.name not in df.columns:
            if not f.nullable:
                raise DataError(f"table {name!r} lacks required column {f.name!r}")
            out[f.name] = pd.Series([None] * len(df), index=df.index, dtype=_pandas_dtype(f.type))
            continue
        col = df[f.name]
        if not f.nullable and col.isna().any():
            bad = list(col.index[col.isna()][:5])
            raise DataError(f"table {name!r}: missing values in required column", column=f.name,
                            rows=bad)
        try:
            out[f.name] = col.astype(_pandas_dtype(f.type))
        except (ValueError, TypeError, OverflowError) as exc:
            raise DataError(f"table {name!r}: values do not fit {f.type}: {exc}",
                            column=f.name) from exc
    return pd.DataFrame(out).reset_index(drop=True)


def _pandas_dtype(t: pa.DataType) -> Any:
    if pa.types.is_string(t):
        return "str"  # pandas 3: StringDtype with NaN for missing
    if pa.types.is_timestamp(t):
        return "datetime64[s]"
    if pa.types.is_date32(t):
        return "datetime64[s]"
    if pa.types.is_floating(t):
        return t.to_pandas_dtype()
    if pa.types.is_integer(t):
        return t.to_pandas_dtype()
    raise TypeError(f"no pandas dtype for {t}")


def to_arrow(df: pd.DataFrame, name: str) -> pa.Table:
    """Convert a conformed frame to an Arrow table with the canonical schema of ``name``."""
    return pa.Table.from_pandas(df, schema=TABLES[name], preserve_index=False)


@dataclass
class LoadReport:
    """What a loader read and what each cleaning rule removed, for people to read.

    ``removed`` maps a rule ("lines without a customer id", ...) to the number of input lines it
    removed; ``notes`` are one-line remarks (assumptions made, fallbacks taken).
    """

    layout: str
    sources: list[str] = field(default_factory=list)
    input_lines: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "sources": self.sources,
            "input_lines": self.input_lines,
            "removed": self.removed,
            "notes": self.notes,
            "counts": self.counts,
        }


@dataclass
class CanonicalData:
    """The canonical tables of one data set, as pandas frames conformed to :data:`TABLES`.

    ``funnel_users`` / ``funnel_events`` are None when the data set has no funnel tables.
    ``has_prices`` is False when no product or line carries a price: analyses that need money
    must then say so rather than invent prices. ``currency`` is the prices' ISO 4217 code when
    the data says it (the demo generator's data is in USD), else None. ``order_times`` is False
    when the data has no order times at all (Instacart baskets without ``orders.csv``): then
    ``order_dow`` and ``order_hour_of_day`` are placeholders (0) that must not be read as times.
    """

    products: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    users: pd.DataFrame
    report: LoadReport
    funnel_users: pd.DataFrame | None = None
    funnel_events: pd.DataFrame | None = None
    currency: str | None = None
    order_times: bool = True

    @property
    def has_prices(self) -> bool:
        return bool(
            self.products["price"].notna().any() or self.order_lines["unit_price"].notna().any()
        )

    @property
    def has_timestamps(self) -> bool:
        return bool(self.orders["ordered_at"].notna().any())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by canonical name."""
        out = {
            "products": self.products,
            "orders": self.orders,
            "order_lines": self.order_lines,
            "users": self.users,
        }
        if self.funnel_users is not None and self.funnel_events is not None:
            out["funnel_users"] = self.funnel_users
            out["funnel_events"] = self.funnel_events
        return out
