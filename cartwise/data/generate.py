"""Synthetic demo data: a grocery shop's catalogue, order history and website funnel.

:func:`generate_demo` writes a folder in the Instacart Kaggle layout (plus prices, quantities,
timestamps and the Kaggle "E-commerce website funnel analysis" tables), realistic enough that the
recommenders, search and analytics learn something real from it:

* products have long-tailed (Zipf-like) popularity within aisles, and aisles have Instacart-like
  demand (produce and dairy dominate);
* shoppers belong mainly to one of ~30 *personas* (taste profiles with favourite departments,
  aisles and a pool of favourite items), fall in a *spending segment* (budget, mid, premium: they
  prefer cheaper or pricier items within a department), and have *staple* items they reorder on
  personal cycles (in days) plus a personal *repertoire* of occasional favourites; the overall
  reorder rate is about 0.59 as in Instacart;
* products have complementary *partners* (pasta and pasta sauce, chips and dip) that often land in
  the same basket, so frequently-bought-together has real signal;
* orders per user 4..100 (mean ~17), basket sizes mean ~10, days between orders per-user with a
  weekly rhythm for some, busier Sundays and Mondays, daytime hours; about a fifth of the shoppers
  have churned (their last order is one to eight months before the end date).

Everything is vectorised with numpy over chunks of :data:`CHUNK_USERS` users and written with
pyarrow as it is generated, so memory stays bounded at any scale. Output is a pure function of the
arguments: every random stream comes from ``np.random.SeedSequence(seed)``, chunk ``i`` of the
orders from its ``i``-th spawned child, and timestamps are anchored on :data:`END_DATE`, never on
the clock. Files are written into a temporary sibling folder that replaces ``out_dir`` only once
complete.

Id spaces: user ids 1..users; product ids 1..products for the own catalogue (the catalogue's own
ids with ``catalog_dir``); order ids 1..n_orders, increasing with (user_id, order_number); funnel
visitor ids 1..n_visitors are web visitors, a separate id space from shoppers.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from tqdm.auto import tqdm

from cartwise.data import catalog_vocab as vocab
from cartwise.data.csvio import read_csv
from cartwise.errors import ConfigError, DataError

log = logging.getLogger(__name__)

#: Last calendar day of the generated history (orders and funnel visits end on this day).
END_DATE = np.datetime64("2025-06-30", "D")
#: The currency of the prices the generator invents (US grocery prices).
CURRENCY = "USD"
#: Users simulated (and written) per chunk; fixed so output does not depend on anything else.
CHUNK_USERS = 5_000
MIN_PRODUCTS = 20
MIN_ORDERS, MAX_ORDERS = 4, 100
#: Funnel visitors per shopper, and their cap; the funnel spans FUNNEL_DAYS days up to END_DATE.
VISITORS_PER_USER = 5
MAX_VISITORS = 500_000
FUNNEL_START = np.datetime64("2025-03-01", "D")
#: A shopper's history spans at most about this many days (heavy shoppers order often).
MAX_SPAN_DAYS = 730
#: Instacart caps days_since_prior_order at 30.
MAX_DAYS_SINCE = 30

N_PERSONAS = 32
STAPLE_SLOTS = 24
REPERTOIRE_SLOTS = 32
#: Within-department price preference exponent per spending segment (budget, mid, premium).
SEGMENT_BETA = (-1.6, 0.0, 1.2)
SEGMENT_SHARE = (0.30, 0.45, 0.25)
#: Share of the orders a weekday gets, Sunday first (Instacart-like: Sunday and Monday busiest).
DOW_WEIGHTS = np.array([600, 587, 467, 436, 426, 453, 448], dtype=float)
#: Share of the orders an hour of the day gets (peak 10-16h, few at night).
HOUR_WEIGHTS = np.array(
    [0.67, 0.36, 0.22, 0.16, 0.16, 0.28, 0.9, 2.75, 5.3, 7.6, 8.5, 8.4,
     8.1, 8.2, 8.3, 8.2, 7.8, 6.3, 4.9, 3.8, 3.0, 2.4, 1.9, 1.2]
)

PRODUCT_COLUMNS = ("product_id", "product_name", "aisle_id", "department_id", "price")
ORDER_COLUMNS = ("order_id", "user_id", "eval_set", "order_number", "order_dow",
                 "order_hour_of_day", "days_since_prior_order", "ordered_at")
LINE_COLUMNS = ("order_id", "product_id", "add_to_cart_order", "reordered", "quantity")
#: Funnel page tables in step order: (file, page column and value).
FUNNEL_PAGES = (
    ("home_page_table.csv", "home_page"),
    ("search_page_table.csv", "search_page"),
    ("payment_page_table.csv", "payment_page"),
    ("payment_confirmation_table.csv", "payment_confirmation_page"),
)


# --------------------------------------------------------------------------------------- report


@dataclass
class GenerateReport:
    """What :func:`generate_demo` wrote.

    ``lines`` = ``prior_lines + train_lines``; ``reorder_rate`` is the share of all lines with
    ``reordered == 1`` (0..1); ``mean_basket_size`` is lines per order; ``seconds`` is wall time.
    """

    users: int
    products: int
    aisles: int
    departments: int
    orders: int
    prior_lines: int
    train_lines: int
    lines: int
    funnel_visitors: int
    reorder_rate: float
    mean_basket_size: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------ public API


def generate_demo(
    out_dir: Path,
    *,
    users: int,
    products: int,
    seed: int = 42,
    catalog_dir: Path | None = None,
    progress: bool = True,
) -> GenerateReport:
    """Generate a demo data set into ``out_dir`` and return what was written.

    Args:
        out_dir: destination folder; replaced atomically when complete. If it exists it must be
            empty or a previous output of this function (it holds ``generate.json``).
        users: number of shoppers, >= 1 (user ids 1..users).
        products: catalogue size, >= 20. With ``catalog_dir`` it is a cap: all of the catalogue's
            products are used when it has no more than ``products``, else a seeded sample.
        seed: any non-negative integer; same arguments give byte-identical CSV files (only
            ``seconds`` in ``generate.json`` differs between runs).
        catalog_dir: an Instacart catalogue folder (``products.csv``, ``aisles.csv``,
            ``departments.csv``) to use instead of the built-in vocabulary; prices are invented.
        progress: show a tqdm progress bar over users.

    Writes ``products.csv`` (with ``price``), ``aisles.csv``, ``departments.csv``, ``orders.csv``
    (with ``ordered_at``), ``order_products__prior.csv`` / ``__train.csv`` (with ``quantity``;
    each user's last order is "train"), ``funnel/*.csv`` and ``generate.json`` (parameters and
    report). See the module docstring for the id spaces and the shopper model.

    Raises:
        ConfigError: a bad argument (users < 1, products < 20, seed < 0, unusable ``out_dir``).
        DataError: ``catalog_dir`` lacks a file or column or is inconsistent (names the file).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    _check_args(out_dir, users, products, seed)
    ss_catalog, ss_model, ss_funnel, ss_orders = np.random.SeedSequence(seed).spawn(4)
    rng = np.random.default_rng(ss_catalog)
    if catalog_dir is None:
        catalog = _own_catalog(products, rng)
    else:
        catalog = _foreign_catalog(Path(catalog_dir), products, rng)
    log.info("catalogue: %d products in %d aisles, %d departments", catalog.n_products,
             len(catalog.aisle_id), len(catalog.dept_id))
    model = _build_model(catalog, np.random.default_rng(ss_model))
    with _atomic_dir(out_dir) as tmp:
        _write_catalog(tmp, catalog)
        stats = _write_orders(tmp, model, users, ss_orders, progress)
        visitors = _write_funnel(tmp / "funnel", users, np.random.default_rng(ss_funnel))
        lines = stats["prior_lines"] + stats["train_lines"]
        report = GenerateReport(
            users=users,
            products=catalog.n_products,
            aisles=len(catalog.aisle_id),
            departments=len(catalog.dept_id),
            orders=stats["orders"],
            prior_lines=stats["prior_lines"],
            train_lines=stats["train_lines"],
            lines=lines,
            funnel_visitors=visitors,
            reorder_rate=round(stats["reordered"] / max(lines, 1), 4),
            mean_basket_size=round(lines / max(stats["orders"], 1), 3),
            seconds=round(time.perf_counter() - started, 2),
        )
        _write_manifest(tmp, users, products, seed, catalog_dir, report)
    log.info("wrote %s: %d orders, %d lines, reorder rate %.3f, mean basket %.2f in %.1fs",
             out_dir, report.orders, report.lines, report.reorder_rate, report.mean_basket_size,
             report.seconds)
    return report


def _check_args(out_dir: Path, users: int, products: int, seed: int) -> None:
    for name, value in (("users", users), ("products", products), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ConfigError(f"{name} must be an integer, got {value!r}")
    if users < 1:
        raise ConfigError(f"users must be at least 1, got {users}")
    if products < MIN_PRODUCTS:
        raise ConfigError(f"products must be at least {MIN_PRODUCTS}, got {products}")
    if seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed}")
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"output folder {out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "generate.json").exists():
        raise ConfigError(
            f"output folder {out_dir} is not empty and is not a previous demo data set "
            "(no generate.json); refusing to replace it"
        )


# ------------------------------------------------------------------------------------ catalogue


@dataclass(frozen=True)
class _Catalog:
    """A catalogue in product-index space: row ``i`` of every per-product array is one product.

    Aisles and departments are indexed 0..A-1 / 0..D-1; ``*_id`` arrays map indices to the ids
    written to the files. ``price`` is the unit price in dollars (2 decimals); ``popularity`` is
    each product's share of demand (sums to 1).
    """

    product_id: np.ndarray  # int64, external ids, increasing
    name: list[str]
    aisle: np.ndarray  # int32 aisle index per product
    price: np.ndarray  # float64 dollars
    popularity: np.ndarray  # float64, sums to 1
    aisle_id: np.ndarray  # int64 per aisle index
    aisle_name: list[str]
    aisle_dept: np.ndarray  # int32 department index per aisle index
    dept_id: np.ndarray  # int64 per department index
    dept_name: list[str]

    @property
    def n_products(self) -> int:
        return len(self.product_id)

    @property
    def dept(self) -> np.ndarray:
        """Department index per product."""
        return self.aisle_dept[self.aisle]


def _own_catalog(n: int, rng: np.random.Generator) -> _Catalog:
    """The built-in catalogue of ``n`` products (ids 1..n) from :mod:`catalog_vocab`.

    Every department is covered (n >= 20), every aisle once n >= the number of aisles; each aisle
    lists its most common items first, so small catalogues keep the everyday staples.
    """
    specs = vocab.AISLES
    names_sorted = sorted(specs)
    aisle_index = {a: i for i, a in enumerate(names_sorted)}
    dept_index = {d: i for i, d in enumerate(vocab.DEPARTMENTS)}
    aisle_dept = np.array([dept_index[specs[a]["department"]] for a in names_sorted], np.int32)
    shelf = np.array([float(specs[a]["catalog"]) for a in names_sorted])
    demand = np.array([float(specs[a]["demand"]) for a in names_sorted])
    counts = _allocate(n, shelf, demand, aisle_dept)
    per_aisle = _fill_aisles(counts, [specs[a] for a in names_sorted], shelf)
    names: list[str] = []
    items: list[str] = []
    aisle: list[int] = []
    rank: list[int] = []
    for a_name in names_sorted:
        a = aisle_index[a_name]
        for r, (name, item) in enumerate(per_aisle[a]):
            names.append(name)
            items.append(item)
            aisle.append(a)
            rank.append(r)
    aisle_arr = np.array(aisle, np.int32)
    popularity = _popularity(aisle_arr, np.array(rank), demand, rng)
    ranges = np.array([specs[a]["price"] for a in names_sorted], float)
    price = _prices(names, items, aisle_arr, ranges, rng)
    # Product ids carry no information: shuffle them, then store rows in id order.
    order = rng.permutation(len(names))
    return _Catalog(
        product_id=np.arange(1, len(names) + 1, dtype=np.int64),
        name=[names[i] for i in order],
        aisle=aisle_arr[order],
        price=price[order],
        popularity=popularity[order],
        aisle_id=np.arange(1, len(names_sorted) + 1, dtype=np.int64),
        aisle_name=names_sorted,
        aisle_dept=aisle_dept,
        dept_id=np.arange(1, len(vocab.DEPARTMENTS) + 1, dtype=np.int64),
        dept_name=list(vocab.DEPARTMENTS),
    )


def _allocate(n: int, shelf: np.ndarray, demand: np.ndarray, aisle_dept: np.ndarray) -> np.ndarray:
    """Products per aisle, summing to ``n``: every department first, then every aisle, then by
    a weight that moves from demand (small catalogues: the everyday aisles) to shelf width."""
    n_aisles = len(shelf)
    counts = np.zeros(n_aisles, np.int64)
    by_demand = np.argsort(-demand, kind="stable")
    if n < n_aisles:
        # the busiest aisle of each department first, then the other aisles by demand
        _, first_pos = np.unique(aisle_dept[by_demand], return_index=True)
        first = by_demand[np.sort(first_pos)]
        rest = by_demand[~np.isin(by_demand, first)]
        counts[np.r_[first, rest][:n]] = 1
        return counts
    k = 2_000.0
    root = np.sqrt(demand)  # busy aisles get more products, but fewer than their demand share
    weight = (root / root.sum() * k + shelf / shelf.sum() * n) / (k + n)
    return 1 + _largest_remainder(weight, n - n_aisles)


def _largest_remainder(weight: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weight`` (largest-remainder method)."""
    if total <= 0:
        return np.zeros(len(weight), np.int64)
    exact = weight / weight.sum() * total
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    if short:
        out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out


def _fill_aisles(
    counts: np.ndarray, specs: Sequence[dict[str, Any]], shelf: np.ndarray
) -> list[list[tuple[str, str]]]:
    """Take ``counts[a]`` unique names from each aisle's generator; aisles that run out pass
    their shortfall to the others. Returns ``(name, base item)`` pairs per aisle, most common
    first. Raises ConfigError if the vocabulary cannot supply that many names."""
    seen: set[str] = set()
    gens = [_aisle_names(spec) for spec in specs]
    out: list[list[tuple[str, str]]] = [[] for _ in specs]
    exhausted = np.zeros(len(specs), bool)
    want = counts.copy()
    while True:
        for a, gen in enumerate(gens):
            while len(out[a]) < want[a] and not exhausted[a]:
                nxt = next(gen, None)
                if nxt is None:
                    exhausted[a] = True
                elif nxt[0].casefold() not in seen:
                    seen.add(nxt[0].casefold())
                    out[a].append(nxt)
        have = np.array([len(o) for o in out])
        short = int(want.sum() - have.sum())
        if short == 0:
            return out
        open_ = ~exhausted
        if not open_.any():
            raise ConfigError(
                f"the built-in catalogue has only {int(have.sum())} product names; ask for fewer "
                "products or use a catalogue folder"
            )
        want = have.copy()
        want[open_] += _largest_remainder(shelf[open_], short)


_FILLER_WORDS = frozenset({"&", "and", "of", "with", "in"})
#: Cost of one position step per name component (item, modifier, flavour, brand, suffix): the
#: next base item is "cheaper" than a variant, so small catalogues get varied everyday items.
_COST = (1, 2, 2, 2, 2)


def _aisle_names(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield ``(name, base item)`` for one aisle, simplest and most common first.

    A name is ``[brand] [modifier] [flavour] item [suffix]`` (a flavour starting in lower case,
    like "in Olive Oil", goes after the item). Candidates are enumerated by increasing cost, the
    weighted sum of the components' positions in their lists (absent = 0; see :data:`_COST`), so
    "Banana" and "Strawberries" come before "Organic Banana", before "Green Acre Organic Banana
    2 lb Bag". Names repeating a word are
    skipped ("Organic Organic ...").
    """
    brands = vocab.BRANDS[spec["brands"]].split("|")
    groups = []
    for items, mods, flavours, suffixes in spec["groups"]:
        dims = [_split(items), [""] + _split(mods), [""] + _split(flavours), [""] + brands,
                [""] + _split(suffixes)]
        groups.append(dims)
    max_cost = max(sum((len(d) - 1) * w for d, w in zip(dims, _COST, strict=True))
                   for dims in groups)
    for cost in range(max_cost + 1):
        for dims in groups:
            for item, mod, flavour, brand, suffix in _combos(dims, _COST, cost):
                if flavour[:1].islower():
                    parts = [brand, mod, item, flavour, suffix]
                else:
                    parts = [brand, mod, flavour, item, suffix]
                name = " ".join(p for p in parts if p)
                words = [w for w in name.casefold().split() if w not in _FILLER_WORDS]
                if len(words) == len(set(words)):
                    yield name, item


def _split(field: str) -> list[str]:
    return [s.strip() for s in field.split("|") if s.strip()]


def _combos(dims: Sequence[list[str]], weights: Sequence[int],
            cost: int) -> Iterator[tuple[str, ...]]:
    """All picks of one entry per dimension whose weighted positions sum to ``cost``."""
    head, w = dims[0], weights[0]
    if len(dims) == 1:
        if cost % w == 0 and cost // w < len(head):
            yield (head[cost // w],)
        return
    rest_max = sum((len(d) - 1) * wd for d, wd in zip(dims[1:], weights[1:], strict=True))
    for i in range(max(0, -(-(cost - rest_max) // w)), min(cost // w, len(head) - 1) + 1):
        for tail in _combos(dims[1:], weights[1:], cost - i * w):
            yield (head[i], *tail)


def _popularity(
    aisle: np.ndarray, rank: np.ndarray, demand: np.ndarray, rng: np.random.Generator,
    exponent: float = 1.0,
) -> np.ndarray:
    """Demand share per product: the aisle's demand split Zipf-like over its rank (0 = most
    common) with log-normal noise; sums to 1."""
    w = (rank + 1.0) ** -exponent * np.exp(rng.normal(0.0, 0.35, len(rank)))
    per_aisle = np.bincount(aisle, w, len(demand))
    share = demand[aisle] * w / per_aisle[aisle]
    return share / share.sum()


def _prices(
    names: Sequence[str], items: Sequence[str] | None, aisle: np.ndarray, ranges: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unit prices in dollars, 2 decimals, log-normal within each aisle's ``[low, high]`` range.

    Products sharing a base ``item`` share a price level; words of
    :data:`catalog_vocab.PRICE_MULTIPLIERS` (organic, family size, ...) scale it; most prices end
    in .x9 or .x5 cents.
    """
    lo, hi = ranges[aisle, 0], ranges[aisle, 1]
    sigma = np.log(hi / lo) / 4.0
    z = rng.normal(0.0, 1.0, len(names))
    if items is not None:
        keys = [f"{a}|{it}" for a, it in zip(aisle.tolist(), items, strict=True)]
        _, item_idx = np.unique(np.array(keys, dtype=object), return_inverse=True)
        z = 0.9 * rng.normal(0.0, 1.0, item_idx.max() + 1)[item_idx] + 0.45 * z
    factors = vocab.PRICE_MULTIPLIERS
    pattern = _word_pattern(factors, 0)
    mult = np.fromiter((math.prod(factors[w] for w in set(pattern.findall(s))) for s in names),
                       float, len(names))
    price = np.clip(np.sqrt(lo * hi) * np.exp(sigma * z) * mult, lo, hi)
    cents = np.round(price * 100).astype(np.int64)
    ending = rng.random(len(names))
    tens = cents // 10 * 10
    cents = np.where(ending < 0.6, tens + 9, np.where(ending < 0.8, tens + 5, cents))
    cents = np.clip(cents, np.round(lo * 100), np.round(hi * 100))  # range ends are .x9 prices
    return np.round(cents / 100.0, 2)


def _foreign_catalog(folder: Path, n: int, rng: np.random.Generator) -> _Catalog:
    """An Instacart-layout catalogue from ``folder``: all its products, or a seeded sample of
    ``n`` when it has more (one per department first, then weighted towards everyday items).
    Prices are invented per aisle (by aisle name where the vocabulary knows it)."""
    if not folder.is_dir():
        raise DataError("catalogue folder not found", path=folder)
    prod_path, aisle_path, dept_path = (folder / f for f in
                                        ("products.csv", "aisles.csv", "departments.csv"))
    products = read_csv(prod_path, {"product_id": "int", "product_name": "str",
                                    "aisle_id": "int", "department_id": "int"})
    aisles = read_csv(aisle_path, {"aisle_id": "int", "aisle": "str"})
    depts = read_csv(dept_path, {"department_id": "int", "department": "str"})
    for df, path, cols in ((products, prod_path, list(products.columns)),
                           (aisles, aisle_path, ["aisle_id", "aisle"]),
                           (depts, dept_path, ["department_id", "department"])):
        for c in cols:
            if df[c].isna().any():
                raise DataError("empty value in a required column", path=path, column=c)
    for df, path, col in ((products, prod_path, "product_id"), (aisles, aisle_path, "aisle_id"),
                          (depts, dept_path, "department_id")):
        if df[col].duplicated().any():
            raise DataError("duplicate ids", path=path, column=col)
    aisle_ids = aisles["aisle_id"].to_numpy(np.int64)
    dept_ids = depts["department_id"].to_numpy(np.int64)
    p_aisle = products["aisle_id"].to_numpy(np.int64)
    p_dept = products["department_id"].to_numpy(np.int64)
    for values, known, col in ((p_aisle, aisle_ids, "aisle_id"), (p_dept, dept_ids,
                                                                  "department_id")):
        bad = ~np.isin(values, known)
        if bad.any():
            raise DataError(f"{int(bad.sum())} product(s) refer to unknown ids", path=prod_path,
                            column=col, rows=[f"line {i + 2}" for i in np.flatnonzero(bad)[:20]])
    a_idx = np.searchsorted(np.sort(aisle_ids), p_aisle)
    aisle_order = np.argsort(aisle_ids)
    aisle_of = aisle_order[a_idx]  # aisle index (row of aisles.csv) per product
    dept_of = np.argsort(dept_ids)[np.searchsorted(np.sort(dept_ids), p_dept)]
    # Department per aisle: the most common department of the aisle's products.
    aisle_dept = np.zeros(len(aisle_ids), np.int32)
    pair = np.unique(np.stack([aisle_of, dept_of], 1), axis=0, return_counts=True)
    for (a, d), _ in sorted(zip(map(tuple, pair[0]), pair[1], strict=True), key=lambda x: x[1]):
        aisle_dept[a] = d
    aisle_name = aisles["aisle"].astype(str).tolist()
    dept_name = depts["department"].astype(str).tolist()
    names = products["product_name"].astype(str).tolist()
    demand = np.array([float(vocab.AISLES.get(a, {}).get("demand", 0.1)) for a in aisle_name])
    everyday = _staple_score(names) * np.exp(rng.normal(0.0, 0.3, len(names)))
    keep = _sample_products(n, dept_of, everyday, rng)
    keep.sort()
    aisle_kept = aisle_of[keep].astype(np.int32)
    rank = _rank_within(aisle_kept, everyday[keep])
    popularity = _popularity(aisle_kept, rank, demand, rng)
    ranges = np.array([_aisle_price_range(a, dept_name[aisle_dept[i]])
                       for i, a in enumerate(aisle_name)], float)
    kept_names = [names[i] for i in keep]
    price = _prices(kept_names, None, aisle_kept, ranges, rng)
    pid = products["product_id"].to_numpy(np.int64)[keep]
    order = np.argsort(pid, kind="stable")
    return _Catalog(
        product_id=pid[order],
        name=[kept_names[i] for i in order],
        aisle=aisle_kept[order],
        price=price[order],
        popularity=popularity[order],
        aisle_id=aisle_ids,
        aisle_name=aisle_name,
        aisle_dept=aisle_dept,
        dept_id=dept_ids,
        dept_name=dept_name,
    )


def _aisle_price_range(aisle: str, dept: str) -> tuple[float, float]:
    spec = vocab.AISLES.get(aisle)
    if spec is not None:
        lo, hi = spec["price"]
        return float(lo), float(hi)
    return vocab.DEPARTMENT_PRICES.get(dept, (0.99, 9.99))


def _staple_score(names: Sequence[str]) -> np.ndarray:
    """How much a name looks like an everyday staple: 1 for most, up to 31 for short names
    containing a :data:`catalog_vocab.STAPLE_KEYWORDS` word (earlier keywords score higher)."""
    keywords = vocab.STAPLE_KEYWORDS
    rank = {w: k for k, w in enumerate(keywords)}
    pattern = _word_pattern(keywords, re.IGNORECASE)
    best = np.fromiter((min((rank[m.casefold()] for m in pattern.findall(s)), default=-1)
                        for s in names), np.int64, len(names))
    n_words = np.array([max(1, sum(w not in _GENERIC_WORDS for w in s.casefold().split()))
                        for s in names])
    value = 1.0 + 30.0 / n_words * (1.0 - 0.8 * best / len(keywords))
    return np.where(best >= 0, value, 1.0)


def _word_pattern(words: Sequence[str] | dict[str, float], flags: int) -> re.Pattern[str]:
    """A regex matching any of ``words`` as whole words, longest first."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", flags)


#: Words that do not make a name less generic ("Bag of Organic Bananas" is as plain as "Banana").
_GENERIC_WORDS = frozenset({"organic", "bag", "of", "large", "fresh", "whole"})


def _sample_products(n: int, dept: np.ndarray, weight: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` products (all when there are no more): one per department, the rest a
    weighted sample without replacement."""
    total = len(dept)
    if n >= total:
        return np.arange(total)
    key = np.log(rng.random(total)) / weight  # Efraimidis-Spirakis: largest keys win
    order = np.lexsort((-key, dept))
    firsts = order[np.r_[True, dept[order][1:] != dept[order][:-1]]]
    firsts = firsts[np.argsort(-key[firsts])][:n]
    rest = np.setdiff1d(np.argsort(-key, kind="stable")[: n + len(firsts)], firsts,
                        assume_unique=True)
    rest = rest[np.argsort(-key[rest], kind="stable")][: n - len(firsts)]
    return np.concatenate([firsts, rest])


def _rank_within(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank (0 = highest score) of each element within its group."""
    order = np.lexsort((-score, group))
    g = group[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty(len(group), np.int64)
    rank[order] = np.arange(len(g)) - first
    return rank


# ------------------------------------------------------------------------------- shopper model


class _GroupSampler:
    """Draw values from many small categorical distributions at once.

    Built from ``(group, value, weight)`` triples; :meth:`draw` takes an array of group numbers
    and returns one value per entry, drawn with probability proportional to weight within its
    group. All groups live in one sorted array of cumulative weights offset by the group number,
    so a draw is a single ``searchsorted``. Groups with zero total weight must not be drawn.
    """

    def __init__(self, group: np.ndarray, value: np.ndarray, weight: np.ndarray,
                 n_groups: int) -> None:
        order = np.lexsort((value, group))
        g, w = group[order], weight[order].astype(np.float64)
        cs = np.cumsum(w)
        totals = np.bincount(g, w, n_groups)
        before = np.r_[0.0, np.cumsum(totals)][:-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            within = np.where(totals[g] > 0, (cs - before[g]) / totals[g], 0.0)
        last = np.r_[g[1:] != g[:-1], True]
        within[last] = 1.0
        self._cum = g + np.minimum(within, 1.0)
        self._value = value[order]

    def draw(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        x = groups + rng.random(len(groups))
        idx = np.searchsorted(self._cum, x, side="right")
        return self._value[np.minimum(idx, len(self._value) - 1)]


@dataclass(frozen=True)
class _Model:
    """Everything chunks of shoppers are drawn from (product-index space throughout)."""

    catalog: _Catalog
    dept_seg: _GroupSampler  # group = dept * 3 + segment -> product, by popularity
    discovery: _GroupSampler  # same groups, much flatter: items a shopper tries for the first time
    persona_share: np.ndarray  # (K,)
    persona_dept: np.ndarray  # (K, D) department preference, rows sum to 1
    pools: np.ndarray  # (K, 3, M) favourite products per persona and segment, favourite first
    pool_cdf: np.ndarray  # (M,) shared Zipf profile over pool positions
    rep_cdf: np.ndarray  # (REPERTOIRE_SLOTS,) profile over a user's repertoire
    partners: np.ndarray  # (P, 3) complementary products, strongest first
    cheap: np.ndarray  # (P,) chance of buying several units


def _build_model(cat: _Catalog, rng: np.random.Generator) -> _Model:
    """Personas, segment-aware samplers and co-purchase partners for catalogue ``cat``."""
    n_prod, n_dept = cat.n_products, len(cat.dept_id)
    dept = cat.dept
    aisle_median = np.array([np.median(cat.price[cat.aisle == a]) if (cat.aisle == a).any()
                             else 1.0 for a in range(len(cat.aisle_id))])
    rel_price = cat.price / aisle_median[cat.aisle]
    seg_factor = np.stack([rel_price**b for b in SEGMENT_BETA])  # (3, P)
    groups = (dept[None, :] * 3 + np.arange(3)[:, None]).ravel()
    dept_seg = _GroupSampler(groups, np.tile(np.arange(n_prod), 3),
                             (cat.popularity[None, :] * seg_factor).ravel(), n_dept * 3)
    discovery = _GroupSampler(groups, np.tile(np.arange(n_prod), 3),
                              (cat.popularity[None, :] ** 0.3 * seg_factor).ravel(), n_dept * 3)
    share, persona_dept, pools = _personas(cat, seg_factor, rng)
    m = pools.shape[2]
    pool_cdf = np.cumsum(np.arange(1, m + 1) ** -0.7)
    rep_cdf = np.cumsum(np.arange(1, REPERTOIRE_SLOTS + 1) ** -0.8)
    cheap = np.clip(0.05 + 0.22 * (cat.price < 2.0) + 0.08 * (cat.price < 4.0), 0, 0.4)
    return _Model(cat, dept_seg, discovery, share, persona_dept, pools, pool_cdf / pool_cdf[-1],
                  rep_cdf / rep_cdf[-1], _partners(cat, rng), cheap)


def _personas(cat: _Catalog, seg_factor: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Persona population shares (K,), department preferences (K, D) and favourite pools
    (K, 3, M) drawn from :data:`catalog_vocab.PERSONA_ARCHETYPES` with per-persona noise."""
    archetypes = list(vocab.PERSONA_ARCHETYPES.values())
    n_prod, n_dept = cat.n_products, len(cat.dept_id)
    m = int(np.clip(n_prod // 8, 16, 400))
    dept_pos = {d: i for i, d in enumerate(cat.dept_name)}
    aisle_pos = {a: i for i, a in enumerate(cat.aisle_name)}
    share = np.empty(N_PERSONAS)
    persona_dept = np.empty((N_PERSONAS, n_dept))
    pools = np.empty((N_PERSONAS, 3, m), np.int64)
    for k in range(N_PERSONAS):
        arch = archetypes[k % len(archetypes)]
        share[k] = float(arch["share"]) * rng.lognormal(0.0, 0.3)
        d_mult = rng.lognormal(0.0, 0.35, n_dept)
        for d, f in arch["departments"].items():
            if d in dept_pos:
                d_mult[dept_pos[d]] *= f
        a_mult = np.ones(len(cat.aisle_id))
        for a, f in arch["aisles"].items():
            if a in aisle_pos:
                a_mult[aisle_pos[a]] *= f
        w = cat.popularity * d_mult[cat.dept] * a_mult[cat.aisle] * rng.lognormal(0.0, 1.0, n_prod)
        persona_dept[k] = np.bincount(cat.dept, w, n_dept)
        for s in range(3):
            ws = w * seg_factor[s]
            key = np.log(ws) + rng.gumbel(size=n_prod)  # weighted sample without replacement
            top = np.argpartition(-key, min(m, n_prod) - 1)[:m] if m < n_prod else np.arange(n_prod)
            top = top[np.argsort(-ws[top], kind="stable")]  # favourite (heaviest) first
            pools[k, s] = np.resize(top, m)
    persona_dept /= persona_dept.sum(1, keepdims=True)
    return share / share.sum(), persona_dept, pools


def _partners(cat: _Catalog, rng: np.random.Generator) -> np.ndarray:
    """Three co-purchase partners per product (P, 3): a product of a complementary aisle (or the
    same aisle when there is none), one of the same aisle, one of the same department; drawn
    proportionally to popularity**0.5 so partners are varied but mostly well-known items."""
    n_aisle = len(cat.aisle_id)
    pos = {a: i for i, a in enumerate(cat.aisle_name)}
    has_products = np.bincount(cat.aisle, minlength=n_aisle) > 0
    comp: list[list[int]] = [[] for _ in range(n_aisle)]
    for a, b in vocab.COMPLEMENTS:
        if a in pos and b in pos and has_products[pos[a]] and has_products[pos[b]]:
            comp[pos[a]].append(pos[b])
            comp[pos[b]].append(pos[a])
    target_aisle = np.empty(cat.n_products, np.int64)
    pick = rng.random(cat.n_products)
    for a in range(n_aisle):
        members = cat.aisle == a
        options = comp[a] or [a]
        target_aisle[members] = np.array(options)[(pick[members] * len(options)).astype(int)]
    weight = np.sqrt(cat.popularity)
    by_aisle = _GroupSampler(cat.aisle.astype(np.int64), np.arange(cat.n_products), weight, n_aisle)
    n_dept = len(cat.dept_id)
    by_dept = _GroupSampler(cat.dept.astype(np.int64), np.arange(cat.n_products), weight, n_dept)
    own = cat.aisle.astype(np.int64)
    partners = np.stack([by_aisle.draw(rng, target_aisle), by_aisle.draw(rng, own),
                         by_dept.draw(rng, cat.dept.astype(np.int64))], 1)
    # A product is not its own partner: fall back to another draw from the department.
    for _ in range(3):
        self_ = partners == np.arange(cat.n_products)[:, None]
        if not self_.any():
            break
        rows, cols = np.nonzero(self_)
        partners[rows, cols] = by_dept.draw(rng, cat.dept[rows].astype(np.int64))
    return partners


# ------------------------------------------------------------------------------ order simulation


@dataclass
class _Users:
    """Per-user attributes of one chunk (arrays of length U, user-local index)."""

    n_orders: np.ndarray
    segment: np.ndarray
    persona: np.ndarray
    persona2: np.ndarray
    basket_mean: np.ndarray
    gap: np.ndarray  # typical days between orders
    weekly: np.ndarray  # bool: orders on a weekly rhythm
    last_back: np.ndarray  # days between the last order and END_DATE
    hour_pref: np.ndarray
    repertoire_share: np.ndarray
    pair_rate: np.ndarray
    dept_sampler: _GroupSampler  # group = user -> department


def _draw_users(model: _Model, rng: np.random.Generator, n: int) -> _Users:
    n_orders = np.clip(3 + np.floor(rng.lognormal(np.log(10.5), 0.85, n)), MIN_ORDERS,
                       MAX_ORDERS).astype(np.int64)
    k = len(model.persona_share)
    persona = rng.choice(k, n, p=model.persona_share)
    persona2 = rng.choice(k, n, p=model.persona_share)
    gap = np.clip(rng.lognormal(np.log(10.5), 0.75, n) * (17.0 / n_orders) ** 0.35, 1.0, 40.0)
    gap = np.minimum(gap, np.maximum(MAX_SPAN_DAYS / (n_orders - 1), 1.0))
    churned = rng.random(n) < 0.2
    last_back = np.where(churned, rng.uniform(30, 240, n),
                         np.minimum(rng.exponential(0.7 * gap), 45)).astype(np.int64)
    dept_pref = (0.85 * model.persona_dept[persona] + 0.15 * model.persona_dept[persona2])
    dept_pref = dept_pref * rng.lognormal(0.0, 0.5, dept_pref.shape)
    n_dept = dept_pref.shape[1]
    sampler = _GroupSampler(np.repeat(np.arange(n), n_dept), np.tile(np.arange(n_dept), n),
                            dept_pref.ravel(), n)
    return _Users(
        n_orders=n_orders,
        segment=rng.choice(3, n, p=SEGMENT_SHARE),
        persona=persona,
        persona2=persona2,
        basket_mean=rng.lognormal(np.log(8.1), 0.45, n),
        gap=gap,
        weekly=rng.random(n) < 0.12,
        last_back=last_back,
        hour_pref=rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()),
        repertoire_share=rng.beta(5.0, 3.0, n),
        pair_rate=rng.beta(2.0, 12.0, n),
        dept_sampler=sampler,
    )


def _draw_items(model: _Model, users: _Users, rng: np.random.Generator, who: np.ndarray,
                p_pool: float, p_pool2: float, p_discover: float = 0.0) -> np.ndarray:
    """One product per entry of ``who`` (user-local indices): from the user's main persona pool
    with probability ``p_pool``, the secondary persona's with ``p_pool2``, else an item of a
    department the user likes, in the user's price segment: with probability ``p_discover`` from
    the long tail (popularity**0.3), otherwise by popularity."""
    r = rng.random(len(who))
    seg = users.segment[who]
    out = np.empty(len(who), np.int64)
    from_pool = r < p_pool + p_pool2
    persona = np.where(r < p_pool, users.persona[who], users.persona2[who])[from_pool]
    j = np.searchsorted(model.pool_cdf, rng.random(int(from_pool.sum())), side="right")
    j = np.minimum(j, len(model.pool_cdf) - 1)
    out[from_pool] = model.pools[persona, seg[from_pool], j]
    rest = ~from_pool
    group = users.dept_sampler.draw(rng, who[rest]) * 3 + seg[rest]
    discover = r[rest] >= 1.0 - p_discover
    out[np.flatnonzero(rest)[discover]] = model.discovery.draw(rng, group[discover])
    out[np.flatnonzero(rest)[~discover]] = model.dept_seg.draw(rng, group[~discover])
    return out


@dataclass
class _Orders:
    """One chunk's orders, sorted by (user, time); arrays of length O."""

    user: np.ndarray  # user-local index
    number: np.ndarray  # 1-based order_number
    day: np.ndarray  # days since 1970-01-01
    seconds: np.ndarray  # seconds since 1970-01-01 (ordered_at)
    days_since: np.ndarray  # whole calendar days since the previous order, capped; -1 on first
    last: np.ndarray  # bool: the user's last order (eval_set "train")


def _draw_orders(users: _Users, rng: np.random.Generator) -> _Orders:
    """Order times: per-user gaps (weekly rhythm for some), counted back from each user's last
    order; days nudged towards busy weekdays; hours from a habit or the daily curve."""
    n = users.n_orders
    total = int(n.sum())
    ou = np.repeat(np.arange(len(n)), n)
    start = np.cumsum(n) - n
    k = np.arange(total) - start[ou]
    g = users.gap[ou]
    weekly = users.weekly[ou]
    raw = np.where(weekly, 7 * np.maximum(1, np.round(g / 7 * rng.gamma(6.0, 1 / 6.0, total))),
                   np.round(g * rng.gamma(2.2, 1 / 2.2, total)))
    raw[k == 0] = 0
    csum = np.cumsum(raw)
    user_total = csum[start + n - 1] - np.r_[0.0, csum][start]
    within = csum - np.r_[0.0, csum][start][ou]
    end_day = int(END_DATE.astype(np.int64))
    day = end_day - users.last_back[ou] - (user_total[ou] - within).astype(np.int64)
    day = day + _weekday_shift(day, ou, users, rng)
    day = np.minimum(day, end_day)
    habit = rng.random(total) < 0.55
    hour = np.where(habit,
                    np.clip(users.hour_pref[ou] + np.round(rng.normal(0, 1.5, total)), 0, 23),
                    rng.choice(24, total, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())).astype(np.int64)
    seconds = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, total)
    order = np.lexsort((seconds, ou))  # chronological within user
    seconds, day = seconds[order], day[order]
    first = k == 0  # ou is unchanged by the sort, so the first slot of each user stays first
    days_since = np.where(first, -1, np.minimum(day - np.r_[day[:1], day[:-1]], MAX_DAYS_SINCE))
    return _Orders(user=ou, number=k + 1, day=day, seconds=seconds, days_since=days_since,
                   last=(k + 1) == n[ou])


def _weekday_shift(day: np.ndarray, ou: np.ndarray, users: _Users,
                   rng: np.random.Generator) -> np.ndarray:
    """Days to add so that weekdays follow :data:`DOW_WEIGHTS`: -1..1 per order, or one shift
    of -3..3 per weekly shopper (keeping their rhythm)."""
    dow_w = DOW_WEIGHTS / DOW_WEIGHTS.max()
    shifts = np.array([-1, 0, 1])
    w = np.array([0.5, 1.0, 0.5])[None, :] * dow_w[(day[:, None] + shifts + 4) % 7]
    pick = (rng.random(len(day))[:, None] * w.sum(1, keepdims=True) > np.cumsum(w, 1)).sum(1)
    per_order = shifts[pick]
    # weekly shoppers: one shift for all their orders, chosen on their last order's weekday
    wk_shifts = np.arange(-3, 4)
    last_idx = np.cumsum(users.n_orders) - 1
    w2 = dow_w[(day[last_idx][:, None] + wk_shifts + 4) % 7] ** 2
    u = rng.random(len(last_idx))[:, None] * w2.sum(1, keepdims=True)
    per_user = wk_shifts[(u > np.cumsum(w2, 1)).sum(1)]
    return np.where(users.weekly[ou], per_user[ou], per_order)


@dataclass
class _Lines:
    """One chunk's basket lines, sorted by (order, add_to_cart_order)."""

    order: np.ndarray  # chunk-local order index (row of _Orders)
    product: np.ndarray  # product index
    add_to_cart: np.ndarray
    reordered: np.ndarray
    quantity: np.ndarray


def _draw_lines(model: _Model, users: _Users, orders: _Orders,
                rng: np.random.Generator) -> _Lines:
    """Baskets: staples due on their cycle, then repertoire and exploration items up to the
    order's basket size, then complementary partners; deduplicated within each order."""
    n_users = len(users.n_orders)
    ou = orders.user
    s_order, s_prod, s_key = _staple_lines(model, users, orders, rng)
    staples_per_order = np.bincount(s_order, minlength=len(ou))
    mean = users.basket_mean[ou]
    target = 1 + rng.poisson(rng.gamma(3.0, np.maximum(mean - 1, 0.1) / 3.0))
    extra = np.maximum(target - staples_per_order, 0)  # >= 1 line when no staple is due
    e_order = np.repeat(np.arange(len(ou)), extra)
    e_user = ou[e_order]
    repertoire = _draw_items(model, users, rng, np.repeat(np.arange(n_users), REPERTOIRE_SLOTS),
                             0.5, 0.1).reshape(n_users, REPERTOIRE_SLOTS)
    from_rep = rng.random(len(e_order)) < users.repertoire_share[e_user]
    slot = np.minimum(np.searchsorted(model.rep_cdf, rng.random(int(from_rep.sum())), "right"),
                      REPERTOIRE_SLOTS - 1)
    e_prod = np.empty(len(e_order), np.int64)
    e_prod[from_rep] = repertoire[e_user[from_rep], slot]
    e_prod[~from_rep] = _draw_items(model, users, rng, e_user[~from_rep], 0.45, 0.1, 0.2)
    e_key = 0.1 + 0.9 * rng.random(len(e_order))
    base_order = np.r_[s_order, e_order]
    base_prod = np.r_[s_prod, e_prod]
    base_key = np.r_[s_key, e_key]
    paired = rng.random(len(base_order)) < users.pair_rate[ou[base_order]]
    which = rng.choice(3, int(paired.sum()), p=[0.6, 0.3, 0.1])
    p_order = base_order[paired]
    p_prod = model.partners[base_prod[paired], which]
    p_key = base_key[paired] + 1e-6 * (1 + which)
    return _finish_lines(model, orders, np.r_[base_order, p_order], np.r_[base_prod, p_prod],
                         np.r_[base_key, p_key], rng)


def _staple_lines(model: _Model, users: _Users, orders: _Orders,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Staple purchases as (order, product, cart key). Each user has up to STAPLE_SLOTS staples
    with a personal cycle in days; a staple is *due* when a cycle boundary passed since the
    previous order and is then bought with high probability (else rarely)."""
    n_users, s = len(users.n_orders), STAPLE_SLOTS
    n_staples = np.clip(np.round(users.basket_mean * rng.lognormal(np.log(1.0), 0.35, n_users)),
                        1, s)
    items = _draw_items(model, users, rng, np.repeat(np.arange(n_users), s), 0.55, 0.1)
    items = items.reshape(n_users, s)
    valid = np.arange(s)[None, :] < n_staples[:, None]
    srt = np.sort(np.where(valid, items, -1), axis=1)  # duplicates become neighbours
    valid = (srt >= 0) & np.c_[np.ones((n_users, 1), bool), srt[:, 1:] != srt[:, :-1]]
    cycle = np.maximum(users.gap[:, None] * rng.lognormal(np.log(1.6), 0.5, (n_users, s)), 1.0)
    phase = rng.random((n_users, s)) * cycle
    p_due = rng.beta(7.0, 2.0, (n_users, s))
    ou = orders.user
    t = (orders.seconds / 86_400.0)[:, None]
    first = orders.number == 1
    t_prev = np.where(first, orders.seconds / 86_400.0 - users.gap[ou],
                      np.r_[0.0, orders.seconds[:-1] / 86_400.0])[:, None]
    c, ph = cycle[ou], phase[ou]
    due = np.floor((t - ph) / c) > np.floor((t_prev - ph) / c)
    p = np.where(due, p_due[ou], 0.03)
    bought = valid[ou] & (rng.random(p.shape) < p)
    o_idx, slot = np.nonzero(bought)
    return o_idx, srt[ou[o_idx], slot], 0.7 * rng.random(len(o_idx))


def _finish_lines(model: _Model, orders: _Orders, order: np.ndarray, prod: np.ndarray,
                  key: np.ndarray, rng: np.random.Generator) -> _Lines:
    """Drop repeats within an order (keeping the earliest in the cart), number the cart, and
    flag reorders (the user bought the product in an earlier order)."""
    n_prod = model.catalog.n_products
    srt = np.lexsort((key, order))
    pair = order[srt] * n_prod + prod[srt]
    _, first = np.unique(pair, return_index=True)
    keep = srt[np.sort(first)]
    order, prod = order[keep], prod[keep]
    starts = np.searchsorted(order, order, side="left")
    add_to_cart = np.arange(len(order)) - starts + 1
    user_prod = orders.user[order] * n_prod + prod
    _, first_buy = np.unique(user_prod, return_index=True)  # stable: earliest order wins
    reordered = np.ones(len(order), np.int8)
    reordered[first_buy] = 0
    multi = rng.random(len(order)) < model.cheap[prod]
    extra = np.minimum(rng.geometric(0.55, len(order)), 5)
    quantity = 1 + multi * extra
    return _Lines(order=order, product=prod, add_to_cart=add_to_cart, reordered=reordered,
                  quantity=quantity)


# ---------------------------------------------------------------------------------------- output


def _csv_writer(path: Path, schema: pa.Schema) -> pacsv.CSVWriter:
    """A CSV writer with an unquoted header and unquoted values (callers only write values
    without commas, quotes or newlines)."""
    opts = pacsv.WriteOptions(include_header=True, quoting_style="none", quoting_header="none")
    return pacsv.CSVWriter(str(path), schema, write_options=opts)


def _write_catalog(folder: Path, cat: _Catalog) -> None:
    """products.csv (with unit prices, 2 decimals), aisles.csv and departments.csv."""
    dept_of_product = cat.dept
    rows = zip(cat.product_id.tolist(), cat.name, cat.aisle_id[cat.aisle].tolist(),
               cat.dept_id[dept_of_product].tolist(), (f"{p:.2f}" for p in cat.price.tolist()),
               strict=True)
    _write_small_csv(folder / "products.csv", PRODUCT_COLUMNS, rows)
    a_order = np.argsort(cat.aisle_id)
    _write_small_csv(folder / "aisles.csv", ("aisle_id", "aisle"),
                     ((int(cat.aisle_id[a]), cat.aisle_name[a]) for a in a_order))
    d_order = np.argsort(cat.dept_id)
    _write_small_csv(folder / "departments.csv", ("department_id", "department"),
                     ((int(cat.dept_id[d]), cat.dept_name[d]) for d in d_order))


def _write_small_csv(path: Path, header: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> None:
    # The csv module quotes only the values that need it (names with commas or quotes).
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


_ORDER_SCHEMA = pa.schema([
    ("order_id", pa.int64()), ("user_id", pa.int64()), ("eval_set", pa.string()),
    ("order_number", pa.int16()), ("order_dow", pa.int8()), ("order_hour_of_day", pa.int8()),
    ("days_since_prior_order", pa.string()), ("ordered_at", pa.timestamp("s")),
])
_LINE_SCHEMA = pa.schema([
    ("order_id", pa.int64()), ("product_id", pa.int64()), ("add_to_cart_order", pa.int16()),
    ("reordered", pa.int8()), ("quantity", pa.int16()),
])


def _write_orders(folder: Path, model: _Model, n_users: int, ss: np.random.SeedSequence,
                  progress: bool) -> dict[str, int]:
    """Simulate all users chunk by chunk and append to orders.csv and the two line files.
    Returns counts: orders, prior_lines, train_lines, reordered."""
    n_chunks = math.ceil(n_users / CHUNK_USERS)
    seeds = ss.spawn(n_chunks)
    stats = {"orders": 0, "prior_lines": 0, "train_lines": 0, "reordered": 0}
    with (
        _csv_writer(folder / "orders.csv", _ORDER_SCHEMA) as w_orders,
        _csv_writer(folder / "order_products__prior.csv", _LINE_SCHEMA) as w_prior,
        _csv_writer(folder / "order_products__train.csv", _LINE_SCHEMA) as w_train,
        tqdm(total=n_users, unit="user", desc="generating orders", disable=not progress) as bar,
    ):
        for c in range(n_chunks):
            first_user = c * CHUNK_USERS
            size = min(CHUNK_USERS, n_users - first_user)
            rng = np.random.default_rng(seeds[c])
            users = _draw_users(model, rng, size)
            orders = _draw_orders(users, rng)
            lines = _draw_lines(model, users, orders, rng)
            order_ids = stats["orders"] + 1 + np.arange(len(orders.user), dtype=np.int64)
            w_orders.write_table(_orders_table(orders, order_ids, first_user))
            is_train = orders.last[lines.order]
            w_prior.write_table(_lines_table(model, lines, order_ids, ~is_train))
            w_train.write_table(_lines_table(model, lines, order_ids, is_train))
            stats["orders"] += len(orders.user)
            stats["train_lines"] += int(is_train.sum())
            stats["prior_lines"] += int((~is_train).sum())
            stats["reordered"] += int(lines.reordered.sum())
            bar.update(size)
            log.debug("chunk %d/%d: %d users, %d orders, %d lines", c + 1, n_chunks, size,
                      len(orders.user), len(lines.order))
    return stats


def _orders_table(orders: _Orders, order_ids: np.ndarray, first_user: int) -> pa.Table:
    days = pa.array(orders.days_since, pa.int16(), mask=orders.days_since < 0)
    days_text = pc.binary_join_element_wise(pc.cast(days, pa.string()), ".0", "")
    eval_set = pa.array(["prior", "train"]).take(pa.array(orders.last.astype(np.int8)))
    return pa.Table.from_arrays([
        pa.array(order_ids),
        pa.array(first_user + 1 + orders.user.astype(np.int64)),
        eval_set,
        pa.array(orders.number.astype(np.int16)),
        pa.array(((orders.day + 4) % 7).astype(np.int8)),  # 1970-01-01 was a Thursday (4)
        pa.array((orders.seconds // 3_600 % 24).astype(np.int8)),
        days_text,
        pa.array(orders.seconds.astype("datetime64[s]")),
    ], schema=_ORDER_SCHEMA)


def _lines_table(model: _Model, lines: _Lines, order_ids: np.ndarray, mask: np.ndarray) -> pa.Table:
    return pa.Table.from_arrays([
        pa.array(order_ids[lines.order[mask]]),
        pa.array(model.catalog.product_id[lines.product[mask]]),
        pa.array(lines.add_to_cart[mask].astype(np.int16)),
        pa.array(lines.reordered[mask]),
        pa.array(lines.quantity[mask].astype(np.int16)),
    ], schema=_LINE_SCHEMA)


def _write_funnel(folder: Path, n_users: int, rng: np.random.Generator) -> int:
    """The Kaggle "E-commerce website funnel analysis" tables for min(5 x users, 500,000)
    visitors (ids 1..n) over the four months up to END_DATE; returns the number of visitors.

    Page files have the Kaggle headers (``user_id,home_page`` ...). Conversion follows the real
    data: half the visitors search (more in the first two months than in the last two), ~13% of
    searchers reach payment (Mobile twice Desktop), ~7.5% of those confirm (Mobile twice
    Desktop); women convert slightly better.
    """
    folder.mkdir()
    n = min(VISITORS_PER_USER * n_users, MAX_VISITORS)
    span = int((END_DATE - FUNNEL_START).astype(int)) + 1
    offset = rng.integers(0, span, n)
    date = FUNNEL_START + offset
    mobile = rng.random(n) < 1 / 3
    female = rng.random(n) < 0.5
    early = date < np.datetime64("2025-05-01")
    sex_f = np.where(female, 1.05, 0.95)
    searched = rng.random(n) < np.where(early, 0.6, 0.4)
    paid = searched & (rng.random(n) < np.where(mobile, 0.20, 0.10) * sex_f)
    confirmed = paid & (rng.random(n) < np.where(mobile, 0.10, 0.05) * sex_f)
    ids = np.arange(1, n + 1, dtype=np.int64)
    users = pa.table({
        "user_id": ids,
        "date": pa.array(date.astype("datetime64[D]")),
        "device": pa.array(np.where(mobile, "Mobile", "Desktop")),
        "sex": pa.array(np.where(female, "Female", "Male")),
    })
    with _csv_writer(folder / "user_table.csv", users.schema) as w:
        w.write_table(users)
    for (file, page), mask in zip(FUNNEL_PAGES, (np.ones(n, bool), searched, paid, confirmed),
                                  strict=True):
        sel = ids[mask]
        table = pa.table({"user_id": sel, page: pa.repeat(pa.scalar(page), len(sel))})
        with _csv_writer(folder / file, table.schema) as w:
            w.write_table(table)
    return n


def _write_manifest(folder: Path, users: int, products: int, seed: int,
                    catalog_dir: Path | None, report: GenerateReport) -> None:
    doc = {
        "generator": "cartwise.data.generate",
        "parameters": {"users": users, "products": products, "seed": seed,
                       "catalog": str(catalog_dir) if catalog_dir is not None else None},
        "end_date": str(END_DATE),
        "currency": CURRENCY,
        "report": report.to_dict(),
    }
    (folder / "generate.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


@contextmanager
def _atomic_dir(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh temporary sibling folder of ``out_dir``; on success it replaces ``out_dir``
    (old one renamed aside, new one renamed in, old one deleted); on failure it is deleted and
    ``out_dir`` is untouched."""
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = parent / f".{out_dir.name}.old-{secrets.token_hex(4)}"
    had_old = out_dir.exists()
    if had_old:
        os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        if had_old:
            os.replace(old, out_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if had_old:
        shutil.rmtree(old)
