"""Loader for the ``transactions`` layout: a transaction log in the UCI Online Retail II style.

Input: one or more CSV files with one line per (invoice, stock code) sale or return::

    Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country

Column names are matched case-, space- and punctuation-insensitively against
:data:`DEFAULT_COLUMNS` (``InvoiceNo``, ``Invoice No``, ``UnitPrice``, ``CustomerID``,
``customer_id``, ``Date``, ...); ``column_map`` (canonical field -> the file's header) overrides.
Required fields: :data:`REQUIRED_FIELDS`; optional: :data:`OPTIONAL_FIELDS` (an optional
``category`` column becomes the products' department and aisle).

Cleaning rules, in the order applied (each input line is removed by at most one rule, counted in
``report.removed`` under the rule's name, so ``input_lines == sum(removed) + len(order_lines)``):

1. :data:`RULE_REPEATED_INVOICES` - an invoice present in several files is kept from the first
   file (in the order given) only. This runs *first*, before the other rules: done later, a
   repeated cancellation would be netted twice and a repeated purchase would absorb returns.
2. :data:`RULE_NO_CUSTOMER` - lines without a customer id.
3. :data:`RULE_NON_PRODUCT` - codes that are not products: :data:`NON_PRODUCT_CODES`, gift
   vouchers (:data:`NON_PRODUCT_PREFIXES`) and any code without a digit. Codes are compared
   after stripping and upper-casing (the product's ``sku`` is this normalised code).
4. A negative unit price on a remaining line is a :class:`DataError` naming file, column and
   lines. :data:`RULE_ZERO_PRICE` - lines priced 0 (free gifts, adjustments) are dropped;
   :data:`RULE_ZERO_QUANTITY` - lines of quantity 0 are dropped.
5. Cancellations (a negative quantity, on any invoice; or any line of an invoice whose number
   starts with ``C``, quantity taken as its absolute value) are netted against the same
   customer's purchases of the same stock code: each cancellation, in time order, reduces the
   customer's most recent purchases at or before its own time (last in, first out). A return
   never reduces a later purchase. Every cancellation line is then removed:
   :data:`RULE_CANCELLATIONS_NETTED` if it netted some quantity,
   :data:`RULE_CANCELLATIONS_UNMATCHED` if it netted none (the purchase predates the log); the
   units a cancellation could not net are counted in ``report.counts``. Purchases netted to
   zero are removed: :data:`RULE_FULLY_RETURNED`. Invoices left with no line are counted (in
   invoices, not lines) in ``report.counts[COUNT_EMPTIED_INVOICES]``.
6. :data:`RULE_MERGED` - repeated lines of one stock code within an invoice are merged into one:
   quantities summed, unit price the quantity-weighted mean.

Products: ``product_name`` is the code's most frequent description (over the product lines that
pass rules 1-4, purchases and returns alike) kept in the log's own capitals with runs of spaces
collapsed (title-casing mangles "KID'S" and "3D"); the code itself when no line describes it.
``price`` is the median unit price of the product's order lines. Without a category column every
product is in aisle and department ``"unknown"`` (ids 0).

Output id spaces: ``product_id`` is 1..n in sorted ``sku`` order; ``order_id`` is 1..n in
(invoice time, invoice) order with ``order_key`` the invoice; ``user_id`` is the customer id itself
when every customer id is integer-like (``"12417.0"`` -> 12417), else 1..n in sorted customer-id
order, with the source id in ``users.user_key`` either way. Prices are per unit in the log's own
currency. Timestamps are the log's naive local times.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cartwise.data.csvio import Kind, read_csv, read_header
from cartwise.data.derive import build_users, dense_ids, fields_from_timestamps, mark_reordered
from cartwise.data.schema import CanonicalData, LoadReport, conform
from cartwise.data.validate import require_not_null
from cartwise.errors import ConfigError, DataError

log = logging.getLogger(__name__)

LAYOUT = "transactions"

#: Canonical field -> accepted header spellings, in order of preference. Headers are compared
#: after lower-casing and removing everything but letters and digits ("Customer ID" ==
#: "customer_id" == "CustomerID").
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "invoice": ("Invoice", "InvoiceNo", "Invoice Number", "Invoice ID", "Order ID", "Order No",
                "Order Number", "Transaction ID", "Transaction No", "Receipt No", "Bill No"),
    "stock_code": ("StockCode", "SKU", "Product Code", "Item Code", "Product ID",
                   "Item ID", "Article No"),
    "description": ("Description", "Product Name", "Item Name", "Product Description",
                    "Item Description"),
    "quantity": ("Quantity", "Qty", "Units", "Quantity Ordered"),
    "invoice_date": ("InvoiceDate", "Date", "Datetime", "Timestamp",
                     "Order Date", "Transaction Date", "Purchase Date"),
    "price": ("Price", "UnitPrice", "Price Each", "Price Per Unit", "Item Price"),
    "customer_id": ("Customer ID", "Customer", "Customer No", "Customer Number", "Client ID",
                    "User ID", "Member Number", "Buyer ID"),
    "country": ("Country", "Customer Country"),
    "category": ("Category", "Product Category", "Department", "Item Category"),
}

#: Fields without which a file is not a transaction log.
REQUIRED_FIELDS: tuple[str, ...] = ("invoice", "stock_code", "quantity", "invoice_date",
                                    "customer_id")
#: Fields read when present.
OPTIONAL_FIELDS: tuple[str, ...] = ("description", "price", "country", "category")

_KINDS: dict[str, Kind] = {
    "invoice": "str",
    "stock_code": "str",
    "description": "str",
    "quantity": "int",
    "invoice_date": "datetime",
    "price": "float",
    "customer_id": "str",
    "country": "str",
    "category": "str",
}

#: Stock codes that are not products (compared upper-cased): postage (POST, DOT = dotcom
#: postage, C2/C3 = carriage), manual lines (M), discounts (D), charity (CRUK), fees (BANK
#: CHARGES, AMAZONFEE), samples (S), bad-debt adjustments (B, ADJUST, ADJUST2), PADS (cushion
#: pads given at 0.001), test lines (TEST001, TEST002). Codes with no digit are dropped too.
NON_PRODUCT_CODES: frozenset[str] = frozenset(
    {"POST", "DOT", "M", "D", "C2", "C3", "CRUK", "BANK CHARGES", "AMAZONFEE", "S", "B", "PADS",
     "ADJUST", "ADJUST2", "TEST001", "TEST002"}
)
#: Code prefixes that are not products (upper-cased): gift vouchers gift_0001_10, ...
NON_PRODUCT_PREFIXES: tuple[str, ...] = ("GIFT_",)

RULE_REPEATED_INVOICES = "invoices repeated across files"
RULE_NO_CUSTOMER = "lines without a customer id"
RULE_NON_PRODUCT = "non-product codes (postage, manual, bank charges, discounts, ...)"
RULE_ZERO_PRICE = "zero-price lines"
RULE_ZERO_QUANTITY = "zero-quantity lines"
RULE_CANCELLATIONS_NETTED = "cancellation lines (netted against purchases)"
RULE_CANCELLATIONS_UNMATCHED = "cancellations with no matching purchase"
RULE_FULLY_RETURNED = "purchase lines fully returned"
RULE_MERGED = "repeated lines of a code within an invoice (merged)"

#: Every removal rule, in the order applied; all appear in ``report.removed`` (0 when idle).
RULES: tuple[str, ...] = (
    RULE_REPEATED_INVOICES,
    RULE_NO_CUSTOMER,
    RULE_NON_PRODUCT,
    RULE_ZERO_PRICE,
    RULE_ZERO_QUANTITY,
    RULE_CANCELLATIONS_NETTED,
    RULE_CANCELLATIONS_UNMATCHED,
    RULE_FULLY_RETURNED,
    RULE_MERGED,
)

COUNT_EMPTIED_INVOICES = "invoices emptied by returns"
COUNT_UNITS_NETTED = "cancelled units netted"
COUNT_UNITS_UNMATCHED = "cancelled units with no matching purchase"

UNKNOWN = "unknown"
NOTE_NO_CATEGORY = (
    "no aisles or departments in a transaction log: all products are in department 'unknown'"
)

_INT_LIKE = re.compile(r"^(?:0|[1-9]\d*)(?:\.0*)?$")  # no leading zeros: "007" is a code
_MAX_INT_ID = 2**62


# ----------------------------------------------------------------------------------- columns


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


_ALIASES: dict[str, tuple[str, ...]] = {
    f: tuple(dict.fromkeys(_norm(s) for s in (f, *spellings)))
    for f, spellings in DEFAULT_COLUMNS.items()
}


def _match_columns(
    header: Sequence[str], column_map: Mapping[str, str] | None
) -> tuple[dict[str, str], list[str]]:
    """Canonical field -> header name for the fields found, and the required fields not found.

    ``column_map`` entries win (matched exactly, then insensitively); other fields take the first
    accepted spelling present. A header is used for one field only.
    """
    column_map = dict(column_map or {})
    unknown = sorted(set(column_map) - set(_KINDS))
    if unknown:
        raise ConfigError(
            f"column map names unknown field(s) {', '.join(map(repr, unknown))}; "
            f"known fields: {', '.join(_KINDS)}"
        )
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(_norm(h), h)
    found: dict[str, str] = {}
    for field_name, wanted in column_map.items():
        if wanted in header:
            found[field_name] = wanted
        elif _norm(wanted) in by_norm:
            found[field_name] = by_norm[_norm(wanted)]
    used = set(found.values())
    for field_name, aliases in _ALIASES.items():
        if field_name in found or field_name in column_map:
            continue
        for alias in aliases:
            h = by_norm.get(alias)
            if h is not None and h not in used:
                found[field_name] = h
                used.add(h)
                break
    missing = [f for f in REQUIRED_FIELDS if f not in found]
    return found, missing


def resolve_columns(
    path: Path, header: Sequence[str], column_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Canonical field -> the header of ``path`` that holds it.

    Raises:
        DataError: a required field has no column (naming the file, the field, and the headers
            found), or a ``column_map`` entry names a header the file does not have.
        ConfigError: ``column_map`` names a field that does not exist.
    """
    found, missing = _match_columns(header, column_map)
    headers = ", ".join(map(repr, header))
    for field_name, wanted in (column_map or {}).items():
        if field_name not in found:
            raise DataError(
                f"column map says field {field_name!r} is column {wanted!r}, which is not in the "
                f"file; found {headers}",
                path=path,
                column=wanted,
            )
    if missing:
        field_name = missing[0]
        raise DataError(
            f"no column for required field {field_name!r} (accepted: "
            f"{', '.join(DEFAULT_COLUMNS[field_name])}; or name it in the column map); "
            f"found {headers}",
            path=path,
            column=field_name,
        )
    return found


def _label(field_name: str) -> str:
    """A field's usual header, for messages (``quantity`` -> ``Quantity``)."""
    return DEFAULT_COLUMNS[field_name][0]


def header_problem(path: Path, column_map: Mapping[str, str] | None = None) -> str | None:
    """Why ``path`` is not a transaction-log CSV file, or None when it is one (no exception).

    The reason names the file and every required field without a column, with the spellings
    looked for and the headers found, e.g. ``orders.csv: no Quantity column (looked for
    quantity, qty, units, quantityordered); headers: 'Invoice', 'Date'``; or says that the file
    cannot be read. Header spellings are matched as :func:`resolve_columns` matches them.

    Raises:
        ConfigError: ``column_map`` names a field that does not exist.
    """
    path = Path(path)
    try:
        header = read_header(path)
    except (DataError, OSError, ValueError) as exc:
        reason = exc.message if isinstance(exc, DataError) else str(exc)
        return f"{path.name}: not a readable CSV file ({reason})"
    _, missing = _match_columns(header, column_map)
    if not missing:
        return None
    wanted = dict(column_map or {})
    lacks = []
    for field_name in missing:
        if field_name in wanted:
            lacks.append(f"no {wanted[field_name]!r} column (the column map's {field_name!r})")
        else:
            lacks.append(f"no {_label(field_name)} column (looked for "
                         f"{', '.join(DEFAULT_COLUMNS[field_name])}, in any case)")
    found = ", ".join(map(repr, header)) or "none"
    return f"{path.name}: {'; '.join(lacks)}; headers: {found}"


def looks_like_transactions(path: Path) -> bool:
    """True if ``path`` is a CSV file whose header names every required field (no exception)."""
    try:
        header = read_header(Path(path))
    except (DataError, OSError, ValueError):
        return False
    _, missing = _match_columns(header, None)
    return not missing


# ------------------------------------------------------------------------------------ reading


def _read_file(
    path: Path, file_no: int, column_map: Mapping[str, str] | None, notes: list[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One file as a frame with canonical column names plus ``_file`` and ``_line`` (header = 1)."""
    columns = resolve_columns(path, read_header(path), column_map)
    required = {columns[f]: _KINDS[f] for f in REQUIRED_FIELDS}
    optional = {columns[f]: _KINDS[f] for f in OPTIONAL_FIELDS if f in columns}
    df = read_csv(path, required, optional=optional, notes=notes)
    require_not_null(df, [columns[f] for f in REQUIRED_FIELDS if f != "customer_id"], path)
    df = df.rename(columns={h: f for f, h in columns.items()})
    df["_file"] = np.int32(file_no)
    df["_line"] = np.arange(2, len(df) + 2, dtype=np.int64)
    log.info("read %s: %d lines", path.name, len(df))
    return df, columns


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    fields = [f for f in _KINDS if any(f in df for df in frames)]
    parts = []
    for df in frames:
        df = df.copy()
        for f in fields:
            if f not in df:
                df[f] = pd.Series(pd.NA, index=df.index, dtype="string") if _KINDS[f] == "str" \
                    else np.nan
        parts.append(df[[*fields, "_file", "_line"]])
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out = out.reset_index(drop=True)
    out["invoice"] = out["invoice"].str.strip()
    return out


# ------------------------------------------------------------------------------------- rules


def _drop_repeated_invoices(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep each invoice's lines from the first file (lowest ``_file``) that has it."""
    first_file = df["_file"].groupby(df["invoice"].to_numpy(), sort=False).transform("min")
    keep = (df["_file"].to_numpy() == first_file.to_numpy())
    return df[keep], int((~keep).sum())


def _drop_missing_customers(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    customer = df["customer_id"].str.strip()
    keep = (customer.notna() & (customer != "")).to_numpy(dtype=bool, na_value=False)
    df = df[keep].copy()
    df["customer_id"] = customer[keep]
    return df, int((~keep).sum())


def is_non_product(codes: pd.Series) -> np.ndarray:
    """Boolean mask of normalised (stripped, upper-cased) codes that are not products."""
    c = codes.astype("string")
    no_digit = ~c.str.contains(r"\d", regex=True).to_numpy(dtype=bool, na_value=False)
    listed = c.isin(NON_PRODUCT_CODES).to_numpy(dtype=bool, na_value=False)
    prefixed = c.str.startswith(NON_PRODUCT_PREFIXES).to_numpy(dtype=bool, na_value=False)
    return no_digit | listed | prefixed


def _drop_non_products(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    df = df.copy()
    df["stock_code"] = df["stock_code"].str.strip().str.upper()
    drop = is_non_product(df["stock_code"])
    return df[~drop], int(drop.sum())


def _check_prices(df: pd.DataFrame, paths: Sequence[Path], price_headers: list[str | None]) -> None:
    """Raise :class:`DataError` for the first file with a negative price on a product line."""
    if "price" not in df:
        return
    negative = (df["price"] < 0).to_numpy(dtype=bool)
    if not negative.any():
        return
    bad = df[negative]
    file_no = int(bad["_file"].min())
    lines = bad.loc[bad["_file"] == file_no, "_line"].to_numpy()
    raise DataError(
        f"{len(lines)} product line(s) with a negative unit price (refunds must be cancellation "
        "lines with a negative quantity)",
        path=paths[file_no],
        column=price_headers[file_no] or "price",
        rows=[f"line {int(n)}" for n in lines[:20]],
    )


def _drop_zero(df: pd.DataFrame, column: str) -> tuple[pd.DataFrame, int]:
    if column not in df:
        return df, 0
    zero = (df[column] == 0).to_numpy(dtype=bool)
    return df[~zero], int(zero.sum())


def _cancellation_mask(df: pd.DataFrame) -> np.ndarray:
    """Lines that are cancellations: negative quantity, or on an invoice numbered ``C...``."""
    c_invoice = df["invoice"].str.upper().str.startswith("C")
    return (df["quantity"].to_numpy(dtype=np.int64) < 0) | c_invoice.to_numpy(
        dtype=bool, na_value=False
    )


def _lifo_net(
    group: np.ndarray, is_cancel: np.ndarray, units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Net cancellations against earlier purchases of the same group, last in first out.

    The arrays are sorted by (group, time, purchases before cancellations, file order). Returns
    the purchases' remaining units and the cancellations' matched units (aligned with the input).
    """
    remaining = units.copy()
    matched = np.zeros_like(units)
    stack: list[int] = []
    current = -1
    for i, (g, cancel, want) in enumerate(zip(group.tolist(), is_cancel.tolist(),
                                              units.tolist(), strict=True)):
        if g != current:
            current, stack = g, []
        if not cancel:
            stack.append(i)
            continue
        left = want
        while left and stack:
            top = stack[-1]
            take = min(left, int(remaining[top]))
            remaining[top] -= take
            left -= take
            if remaining[top] == 0:
                stack.pop()
        matched[i] = want - left
    return remaining, matched


def _net_cancellations(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Net every cancellation against the customer's earlier purchases of the code.

    Returns the purchase lines left (with netted ``quantity``, all >= 1) and the counts of the
    cancellation rules, the purchase lines fully returned, units netted / unmatched and invoices
    emptied.
    """
    is_cancel = _cancellation_mask(df)
    units = np.abs(df["quantity"].to_numpy(dtype=np.int64))
    group = df.groupby(["customer_id", "stock_code"], sort=False).ngroup().to_numpy()
    has_cancel = np.zeros(int(group.max()) + 1 if len(group) else 0, dtype=bool)
    has_cancel[group[is_cancel]] = True
    involved = np.flatnonzero(has_cancel[group])

    ts = df["invoice_date"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    file_no = df["_file"].to_numpy()
    line_no = df["_line"].to_numpy()
    order = np.lexsort((line_no[involved], file_no[involved], is_cancel[involved],
                        ts[involved], group[involved]))
    rows = involved[order]
    remaining_sub, matched_sub = _lifo_net(group[rows], is_cancel[rows], units[rows])

    remaining = units.copy()
    remaining[rows] = remaining_sub
    matched = np.zeros_like(units)
    matched[rows] = matched_sub

    purchase = ~is_cancel
    keep = purchase & (remaining > 0)
    invoice = df["invoice"]
    before = invoice[purchase].nunique()
    out = df[keep].copy()
    out["quantity"] = remaining[keep]
    stats = {
        RULE_CANCELLATIONS_NETTED: int((is_cancel & (matched > 0)).sum()),
        RULE_CANCELLATIONS_UNMATCHED: int((is_cancel & (matched == 0)).sum()),
        RULE_FULLY_RETURNED: int((purchase & (remaining == 0)).sum()),
        COUNT_UNITS_NETTED: int(matched.sum()),
        COUNT_UNITS_UNMATCHED: int(units[is_cancel].sum() - matched.sum()),
        COUNT_EMPTIED_INVOICES: int(before - invoice[keep].nunique()),
    }
    return out, stats


def _merge_repeated_lines(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One line per (invoice, code), in file order of first appearance, with its cart position.

    ``quantity`` is summed; ``unit_price`` is the quantity-weighted mean of the known prices
    (NaN when none is known); ``ordered_at`` is the earliest time of the merged lines.
    """
    df = df.sort_values(["_file", "_line"], kind="stable")
    qty = df["quantity"].to_numpy(dtype=np.int64)
    price = (df["price"].to_numpy(dtype=np.float64) if "price" in df
             else np.full(len(df), np.nan))
    known = ~np.isnan(price)
    work = pd.DataFrame(
        {
            "invoice": df["invoice"].to_numpy(),
            "stock_code": df["stock_code"].to_numpy(),
            "customer_id": df["customer_id"].to_numpy(),
            "quantity": qty,
            "_paid": np.where(known, qty * np.nan_to_num(price), 0.0),
            "_priced_units": np.where(known, qty, 0),
            "ordered_at": df["invoice_date"].to_numpy(dtype="datetime64[s]"),
        }
    )
    merged = work.groupby(["invoice", "stock_code"], sort=False).agg(
        customer_id=("customer_id", "first"),
        quantity=("quantity", "sum"),
        _paid=("_paid", "sum"),
        _priced_units=("_priced_units", "sum"),
        ordered_at=("ordered_at", "min"),
    ).reset_index()
    priced = merged["_priced_units"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        merged["unit_price"] = np.where(priced > 0, merged["_paid"].to_numpy() / priced, np.nan)
    merged["add_to_cart_order"] = merged.groupby("invoice", sort=False).cumcount() + 1
    return merged.drop(columns=["_paid", "_priced_units"]), len(work) - len(merged)


# ------------------------------------------------------------------------------------ tables


def _most_frequent(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Most frequent non-null value per key (ties: the smallest value), indexed by key."""
    pairs = pd.DataFrame({"k": keys.to_numpy(), "v": values.to_numpy()}).dropna()
    if pairs.empty:
        return pd.Series(dtype="string")
    counts = pairs.groupby(["k", "v"], sort=False).size().rename("n").reset_index()
    counts = counts.sort_values(["k", "n", "v"], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates("k").set_index("k")["v"]


def _clean_text(s: pd.Series) -> pd.Series:
    """Strip and collapse runs of whitespace; empty strings become null.

    Works on the distinct values only (a log repeats a few thousand texts a million times).
    """
    codes, uniques = pd.factorize(s.astype("string"), use_na_sentinel=True)
    cleaned = pd.Series(uniques, dtype="string").str.strip().str.replace(r"\s+", " ", regex=True)
    cleaned = cleaned.mask(cleaned == "").to_numpy(dtype=object, na_value=None)
    out = np.where(codes >= 0, cleaned[np.maximum(codes, 0)] if len(cleaned) else None, None)
    return pd.Series(out, index=s.index, dtype="string")


def _user_ids(customers: pd.Series, notes: list[str]) -> tuple[np.ndarray, pd.Series]:
    """User ids for customer-id strings, and each user id's source key (``user_key``).

    Integer-like ids ("12417", "12417.0") become the integer itself; if any id is not
    integer-like (a fraction, letters, leading zeros, or too large), every customer gets a dense
    id 1..n in sorted key order.
    """
    keys = customers.astype("string").to_numpy(dtype=object)
    uniq = pd.unique(keys)
    int_like = all(_INT_LIKE.match(k) for k in uniq)
    if int_like:
        as_int = np.array([int(k.split(".")[0]) for k in uniq], dtype=object)
        int_like = bool(len(as_int) == 0 or max(as_int) < _MAX_INT_ID)
    if int_like:
        mapping = dict(zip(uniq, (int(v) for v in as_int), strict=True))
        ids = np.fromiter((mapping[k] for k in keys), dtype=np.int64, count=len(keys))
        user_key = pd.Series({v: str(v) for v in mapping.values()}, dtype="string")
        return ids, user_key
    ids, sorted_keys = dense_ids(pd.Series(keys))
    notes.append(
        "customer ids are not all whole numbers: user ids are 1..n in sorted customer-id order; "
        "the original id is users.user_key"
    )
    user_key = pd.Series(list(sorted_keys), index=np.arange(1, len(sorted_keys) + 1),
                         dtype="string")
    return ids, user_key


def _products(
    lines: pd.DataFrame, named: pd.DataFrame, report: LoadReport
) -> tuple[pd.DataFrame, np.ndarray]:
    """The products table and each merged line's product id.

    ``named`` is the frame of all product lines (purchases and cancellations) that names the
    products and, with a ``category`` column, their departments.
    """
    product_id, codes = dense_ids(lines["stock_code"])
    code_index = pd.Index(codes)
    names = _most_frequent(named["stock_code"], _clean_text(named["description"])) \
        if "description" in named else pd.Series(dtype="string")
    name = names.reindex(code_index).astype("string").fillna(pd.Series(codes, index=code_index))
    price = lines["unit_price"].groupby(product_id).median().to_numpy()
    products = pd.DataFrame(
        {
            "product_id": np.arange(1, len(codes) + 1, dtype=np.int64),
            "product_name": name.to_numpy(),
            "sku": np.asarray(codes, dtype=object),
            "price": price,
        }
    )
    category = (_most_frequent(named["stock_code"], _clean_text(named["category"]))
                if "category" in named else pd.Series(dtype="string"))
    if category.empty:
        products["department"] = UNKNOWN
        products["department_id"] = 0
        report.notes.append(NOTE_NO_CATEGORY)
    else:
        dept = category.reindex(code_index).astype("string")
        known = dept.notna().to_numpy()
        dept_ids = np.zeros(len(dept), dtype=np.int64)
        dept_ids[known] = dense_ids(dept[known])[0]
        products["department"] = dept.fillna(UNKNOWN).to_numpy()
        products["department_id"] = dept_ids
        report.notes.append("departments (and aisles) are the log's product categories; "
                            "products without one are in department 'unknown' (id 0)")
    products["aisle"] = products["department"]
    products["aisle_id"] = products["department_id"]
    return products, product_id


def _orders(
    lines: pd.DataFrame, notes: list[str]
) -> tuple[pd.DataFrame, pd.Series, dict[str, int], np.ndarray]:
    """Orders (one per invoice, ids 1..n by (time, invoice)) and how lines map onto them.

    Returns the orders, each user id's source key, the customer id -> user id map, and each line's
    order id.
    """
    by_invoice = lines.groupby("invoice", sort=False).agg(
        ordered_at=("ordered_at", "min"),
        customer_id=("customer_id", "first"),
        n_customers=("customer_id", "nunique"),
    )
    shared = int((by_invoice["n_customers"] > 1).sum())
    if shared:
        msg = (f"{shared} invoice(s) carry several customer ids; each is given to the customer "
               "of its first line")
        log.warning(msg)
        notes.append(msg)
    by_invoice = by_invoice.reset_index().sort_values(["ordered_at", "invoice"], kind="stable")
    user_id, user_key = _user_ids(by_invoice["customer_id"], notes)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(1, len(by_invoice) + 1, dtype=np.int64),
            "user_id": user_id,
            "eval_set": "prior",
            "ordered_at": by_invoice["ordered_at"].to_numpy(dtype="datetime64[s]"),
            "order_key": by_invoice["invoice"].to_numpy(),
        }
    )
    order_of = pd.Series(orders["order_id"].to_numpy(), index=by_invoice["invoice"].to_numpy())
    line_order = order_of.reindex(lines["invoice"].to_numpy()).to_numpy()
    user_of_customer = dict(zip(by_invoice["customer_id"].tolist(), user_id.tolist(), strict=True))
    return fields_from_timestamps(orders), user_key, user_of_customer, line_order


def _countries(
    purchases: pd.DataFrame, user_of_customer: Mapping[str, int]
) -> pd.Series | None:
    """Each user's most frequent country over their kept purchase lines, indexed by user id."""
    if "country" not in purchases:
        return None
    user = purchases["customer_id"].map(user_of_customer)
    country = _most_frequent(user, _clean_text(purchases["country"]))
    return None if country.empty else country


#: Currencies of the home countries a shop's log may name (as logs write them).
COUNTRY_CURRENCY = {
    "united kingdom": "GBP", "uk": "GBP", "great britain": "GBP", "england": "GBP",
    "united states": "USD", "usa": "USD", "us": "USD", "canada": "CAD", "australia": "AUD",
    "eire": "EUR", "ireland": "EUR", "germany": "EUR", "france": "EUR", "netherlands": "EUR",
    "spain": "EUR", "italy": "EUR", "portugal": "EUR", "belgium": "EUR", "austria": "EUR",
    "finland": "EUR", "switzerland": "CHF", "sweden": "SEK", "norway": "NOK", "denmark": "DKK",
    "japan": "JPY", "india": "INR", "poland": "PLN",
}
#: The share of purchase lines the home country needs before its currency is assumed.
HOME_SHARE = 0.5


def detect_currency(purchases: pd.DataFrame, notes: list[str]) -> str | None:
    """The prices' currency, read from the country most purchase lines come from (a shop's
    log is in its home currency: Online Retail II's United Kingdom -> GBP); None when no
    country has :data:`HOME_SHARE` of the lines or its currency is not known. Says what it
    assumed in ``notes``."""
    if "country" not in purchases or purchases.empty:
        return None
    country = _clean_text(purchases["country"]).str.lower()
    shares = country.value_counts(normalize=True)
    if shares.empty or shares.iloc[0] < HOME_SHARE:
        return None
    home = str(shares.index[0])
    currency = COUNTRY_CURRENCY.get(home)
    if currency is not None:
        notes.append(f"prices taken as {currency}: {shares.iloc[0]:.0%} of the purchase lines "
                     f"come from {home.title()} (set CARTWISE_CURRENCY to override)")
    return currency


# -------------------------------------------------------------------------------------- load


def load_transactions(
    paths: Sequence[Path], column_map: Mapping[str, str] | None = None
) -> CanonicalData:
    """Read, clean and convert transaction-log CSV files into canonical tables.

    Args:
        paths: one or more CSV files of one log (e.g. the two Online Retail II years), in order of
            precedence: an invoice present in several files is taken from the first.
        column_map: canonical field (:data:`DEFAULT_COLUMNS` keys) -> the files' header for it,
            overriding the automatic matching.

    Returns:
        Conformed tables (see the module docstring for id spaces and the cleaning rules) and a
        :class:`LoadReport` with the lines each rule removed, notes, and counts of products,
        orders, order lines and users (customers).

    Raises:
        DataError: a file is missing, empty or unparsable, lacks a required column, has an
            empty required cell or a negative price (naming the file, column and lines), or no
            line survives the cleaning.
        ConfigError: ``column_map`` names an unknown field.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    if not paths:
        raise DataError("no transaction-log file given")
    report = LoadReport(layout=LAYOUT, sources=[str(p) for p in paths])
    frames, price_headers = [], []
    for i, path in enumerate(paths):
        df, columns = _read_file(path, i, column_map, report.notes)
        frames.append(df)
        price_headers.append(columns.get("price"))
        report.input_lines += len(df)
    df = _concat(frames)
    del frames
    removed = dict.fromkeys(RULES, 0)

    df, removed[RULE_REPEATED_INVOICES] = _drop_repeated_invoices(df)
    df, removed[RULE_NO_CUSTOMER] = _drop_missing_customers(df)
    df, removed[RULE_NON_PRODUCT] = _drop_non_products(df)
    _check_prices(df, paths, price_headers)
    df, removed[RULE_ZERO_PRICE] = _drop_zero(df, "price")
    df, removed[RULE_ZERO_QUANTITY] = _drop_zero(df, "quantity")
    named = df
    purchases, stats = _net_cancellations(df)
    for rule in (RULE_CANCELLATIONS_NETTED, RULE_CANCELLATIONS_UNMATCHED, RULE_FULLY_RETURNED):
        removed[rule] = stats.pop(rule)
    lines, removed[RULE_MERGED] = _merge_repeated_lines(purchases)
    report.removed = removed
    if lines.empty:
        raise DataError(
            "no purchase line is left after cleaning (lines removed: "
            + ", ".join(f"{k}: {v}" for k, v in removed.items() if v) + ")",
            path=paths[0] if len(paths) == 1 else None,
        )
    if "price" not in named:
        report.notes.append("the log has no price column: prices are unknown")

    products, line_product = _products(lines, named, report)
    orders, user_key, user_of_customer, line_order = _orders(lines, report.notes)
    lines["order_id"] = line_order
    lines["product_id"] = line_product
    lines["reordered"] = mark_reordered(lines, orders)
    users = build_users(orders, user_key=user_key,
                        country=_countries(purchases, user_of_customer))

    report.counts = {
        "products": len(products),
        "orders": len(orders),
        "order_lines": len(lines),
        "users": len(users),
        **stats,
    }
    _add_notes(report, stats)
    log.info(
        "loaded %d transaction lines from %d file(s) in %.2fs: %d orders, %d users, %d products",
        report.input_lines, len(paths), time.perf_counter() - started, len(orders), len(users),
        len(products),
    )
    return CanonicalData(
        products=conform(products, "products"),
        orders=conform(orders, "orders"),
        order_lines=conform(lines, "order_lines"),
        users=conform(users, "users"),
        report=report,
        currency=detect_currency(purchases, report.notes) if "price" in named else None,
    )


def _add_notes(report: LoadReport, stats: Mapping[str, int]) -> None:
    report.notes.append(
        "cancellations (negative quantities, and invoices numbered C...) were netted against "
        "the same customer's most recent earlier purchases of the same code; "
        f"{stats[COUNT_UNITS_NETTED]} units netted, {stats[COUNT_UNITS_UNMATCHED]} cancelled "
        "units matched no earlier purchase and were dropped"
    )
    if stats[COUNT_EMPTIED_INVOICES]:
        report.notes.append(
            f"{stats[COUNT_EMPTIED_INVOICES]} invoice(s) were emptied by returns and are not orders"
        )
    report.notes.append("every order is in eval_set 'prior'; times are the invoices' own")
