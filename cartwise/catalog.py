"""The one product catalogue: product ids and rows, the typed product entry, departments, the
shop's shoppers, and the argument checks every service shares (``k``, price ranges).

Built once from the data stage (:meth:`Catalog.from_data`) and handed to the recommenders, the
product search and the analytics, so that all of them agree on what a product is, which row it
has, what a department name means and whether the data has prices.

Id spaces: ``product_id`` is the shop's external id (what a person types); a *row* is its
position in the catalogue, which is the products table sorted by ``product_id`` (the data stage
stores it in that order, so catalogue rows, the recommenders' item columns, the product index
and the analytics' product rows are one space). ``code`` is the shop's own product code where
the data has one (Online Retail's StockCode), accepted wherever a product id or name is.
Prices are unit list prices in the data's currency (``currency``, an ISO 4217 code such as
"USD", None when unknown).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from cartwise.data.schema import CanonicalData
from cartwise.data.stage import load_data
from cartwise.errors import InvalidArgument, StoreError, UnknownProduct
from cartwise.store import Store
from cartwise.text import name_similarity, normalize, stem

#: Largest ``k`` (list length) any call accepts.
MAX_K = 100

#: Common words for departments -> the (Instacart-style) department name they mean; used only
#: when the catalogue has that department.
DEPARTMENT_SYNONYMS: dict[str, str] = {
    "drink": "beverages", "drinks": "beverages", "beverage": "beverages", "soda": "beverages",
    "veggies": "produce", "veggie": "produce", "vegetables": "produce", "vegetable": "produce",
    "fruit": "produce", "fruits": "produce", "greens": "produce",
    "booze": "alcohol", "liquor": "alcohol", "alcoholic": "alcohol", "wine": "alcohol",
    "wines": "alcohol", "beer": "alcohol", "beers": "alcohol",
    "toiletries": "personal care", "hygiene": "personal care", "cosmetics": "personal care",
    "cleaning": "household",
    "meats": "meat seafood", "meat": "meat seafood", "fish": "meat seafood",
    "seafood": "meat seafood", "poultry": "meat seafood",
    "baby": "babies", "infant": "babies",
    "pet": "pets", "dog": "pets", "cat": "pets",
    "sweets": "snacks", "snack": "snacks", "candy": "snacks",
    "egg": "dairy eggs", "eggs": "dairy eggs", "dairy": "dairy eggs", "milk": "dairy eggs",
    "cheese": "dairy eggs",
    "canned": "canned goods", "tinned": "canned goods",
    "pasta": "dry goods pasta",
}

#: A fuzzy department match needs at least this name similarity (0..1).
DEPARTMENT_FUZZY_MIN = 0.5


class Product(BaseModel):
    """One product, as every result lists it.

    ``product_id`` is the catalogue's external id; ``price`` the unit list price in the data's
    ``currency`` (None where the data has no price; ``currency`` None where it is unknown);
    ``code`` the shop's own product code (None where the data has none).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_id: int = Field(description="The catalogue's product id.")
    name: str
    aisle: str
    department: str
    price: float | None = Field(None, description="Unit price in the data's currency.")
    currency: str | None = Field(None, description="ISO 4217 code of the prices, if known.")
    code: str | None = Field(None, description="The shop's own product code, if any.")


@dataclass(frozen=True)
class Vocabulary:
    """What the offline planner and the grounding check need to know about the shop.

    Args:
        departments: the catalogue's department names ("produce", "dairy eggs", ...).
        aisles: the catalogue's aisle names ("fresh fruits", "yogurt", ...).
        product_names: product names (optional): their words help to tell product mentions
            from other words and to correct typos in them; the grounding check looks for them
            in LLM replies.
        has_prices: whether the data has prices (without them, price filters are not planned).
        aisle_departments: optional map aisle name -> department name.
        currency: the prices' ISO 4217 code, None when unknown.
    """

    departments: Sequence[str]
    aisles: Sequence[str]
    product_names: Sequence[str] = ()
    has_prices: bool = True
    aisle_departments: Mapping[str, str] = field(default_factory=dict)
    currency: str | None = None


@dataclass(frozen=True)
class ProductFilter:
    """A checked product filter: catalogue ``departments`` (resolved names; None = any) and an
    inclusive price range in the data's currency (a product without a price fails any bound).
    Build one with :meth:`Catalog.product_filter`, which resolves and checks the arguments."""

    departments: tuple[str, ...] | None = None
    min_price: float | None = None
    max_price: float | None = None

    @property
    def is_empty(self) -> bool:
        return self.departments is None and self.min_price is None and self.max_price is None


def check_k(k: object, name: str = "k") -> int:
    """``k`` as an int when it is a whole number from 1 to :data:`MAX_K`.

    Raises:
        InvalidArgument: anything else (booleans and floats included).
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_K:
        raise InvalidArgument(name, k, f"a whole number from 1 to {MAX_K}")
    return int(k)


def resolve_departments(text: str, departments: Sequence[str], *,
                        fuzzy: bool = True) -> tuple[str, ...]:
    """The departments of ``departments`` that ``text`` means, best first; () when none.

    In order, the first rule that matches decides:

    1. the text is a department's name (up to case, accents and punctuation);
    2. it is a common word for a department the catalogue has (:data:`DEPARTMENT_SYNONYMS`:
       "drinks" -> "beverages");
    3. it names part of departments ("dairy" -> "dairy eggs"; "goods" -> "canned goods",
       "dry goods pasta": every department whose words hold the text's words, or whose name
       holds the text) or holds a department's whole name ("the dairy eggs aisle");
    4. with ``fuzzy``, a misspelt name: the department with the best
       :func:`~cartwise.text.name_similarity`, if it reaches :data:`DEPARTMENT_FUZZY_MIN`.
    """
    wanted = normalize(text)
    if not wanted:
        return ()
    keys = {d: normalize(d) for d in departments}
    exact = [d for d, key in keys.items() if key == wanted]
    if exact:
        return tuple(exact)
    synonym = DEPARTMENT_SYNONYMS.get(wanted) or DEPARTMENT_SYNONYMS.get(stem(wanted))
    if synonym is not None:
        hits = [d for d, key in keys.items() if key == synonym]
        if hits:
            return tuple(hits)
    q = {stem(w) for w in wanted.split()}
    stems = {d: {stem(w) for w in key.split()} for d, key in keys.items()}
    found = [d for d, key in keys.items()
             if wanted in key or q <= stems[d] or (stems[d] and stems[d] <= q)]
    if found or not fuzzy:
        return tuple(found)
    scored = sorted(((name_similarity(sorted(q), sorted(stems[d])), d) for d in departments
                     if stems[d]), reverse=True)
    return (scored[0][1],) if scored and scored[0][0] >= DEPARTMENT_FUZZY_MIN else ()


def _text_column(products: pd.DataFrame, column: str) -> np.ndarray:
    if column not in products:
        return np.full(len(products), None, dtype=object)
    values = products[column].astype(object).to_numpy()
    return np.array([v.strip() if isinstance(v, str) and v.strip() else None for v in values],
                    dtype=object)


def _id_column(products: pd.DataFrame, column: str) -> np.ndarray:
    if column not in products:
        return np.zeros(len(products), dtype=np.int64)
    return products[column].to_numpy(dtype=np.int64)


class Catalog:
    """The shop's products (and the ids of its shoppers), loaded once.

    Args:
        products: the canonical products table (``product_id``, ``product_name``, ``aisle``,
            ``department``, ``price``, optionally ``sku``); it must be sorted by ``product_id``
            (as the data stage stores it) so that its rows are the catalogue's rows.
        user_ids: the shop's shopper ids (with or without orders), any order.
        currency: the prices' ISO 4217 code, None when unknown.

    Raises:
        StoreError: the products are not sorted by id, or an id repeats (a data stage written
            by an older Cartwise: rebuild it).

    Thread-safe: product entries are built on first use under a lock.
    """

    def __init__(self, products: pd.DataFrame, user_ids: Sequence[int] | np.ndarray = (),
                 currency: str | None = None) -> None:
        ids = products["product_id"].to_numpy(dtype=np.int64)
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            raise StoreError("the catalogue's products are not sorted by unique product id: "
                             "rebuild the store with `cartwise build --force`")
        self.ids = ids
        self.currency = currency.strip().upper() if currency and currency.strip() else None
        self.names = products["product_name"].astype(str).str.strip().to_numpy(dtype=object)
        self.aisles = products["aisle"].astype(str).to_numpy(dtype=object)
        self.departments = products["department"].astype(str).to_numpy(dtype=object)
        self.prices = pd.to_numeric(products["price"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
        self.codes = _text_column(products, "sku")
        #: the data's own aisle and department ids of each row (0 where the table has none)
        self.aisle_ids = _id_column(products, "aisle_id")
        self.department_ids = _id_column(products, "department_id")
        self.department_names: list[str] = sorted(set(self.departments.tolist()))
        self.aisle_names: list[str] = sorted(set(self.aisles.tolist()))
        index = {d: i for i, d in enumerate(self.department_names)}
        #: department index (into :attr:`department_names`) of each row
        self.department_codes = np.array([index[d] for d in self.departments], dtype=np.int32)
        self._code_row = {str(c).upper(): i for i, c in enumerate(self.codes) if c is not None}
        self.user_ids = np.unique(np.asarray(user_ids, dtype=np.int64))
        self.has_prices = bool(np.isfinite(self.prices).any())
        self._entries: dict[int, Product] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_data(cls, data: CanonicalData, currency: str | None = None) -> Catalog:
        """The catalogue of canonical tables (``products`` and ``users``); ``currency``
        overrides the data's own (``data.currency``)."""
        return cls(data.products, data.users["user_id"].to_numpy(),
                   currency or data.currency)

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------------------ ids and rows

    def row(self, product_id: object) -> int | None:
        """The row of ``product_id`` (an int, or digits as text), None when it is not in the
        catalogue."""
        if isinstance(product_id, bool):
            return None
        try:
            pid = int(product_id)  # type: ignore[call-overload]
        except (TypeError, ValueError, OverflowError):
            return None
        i = int(np.searchsorted(self.ids, pid))
        return i if i < len(self.ids) and int(self.ids[i]) == pid else None

    def rows(self, product_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows of ``product_ids`` (int64 array; -1 where an id is not in the catalogue)."""
        q = np.asarray(product_ids, dtype=np.int64)
        i = np.minimum(np.searchsorted(self.ids, q), max(len(self.ids) - 1, 0))
        found = (self.ids[i] == q) if len(self.ids) else np.zeros(len(q), bool)
        return np.where(found, i, -1).astype(np.int64)

    def code_row(self, code: str) -> int | None:
        """The row of the product whose shop code is ``code`` (any case), None if none."""
        return self._code_row.get(code.strip().upper())

    def product(self, row: int) -> Product:
        """The product entry of catalogue ``row``."""
        entry = self._entries.get(row)
        if entry is None:
            price = self.prices[row]
            entry = Product(product_id=int(self.ids[row]), name=str(self.names[row]),
                            aisle=str(self.aisles[row]), department=str(self.departments[row]),
                            price=round(float(price), 2) if np.isfinite(price) else None,
                            currency=self.currency, code=self.codes[row])
            with self._lock:
                self._entries[row] = entry
        return entry

    def get(self, product_id: object) -> Product:
        """The product entry of ``product_id``.

        Raises:
            UnknownProduct: no such product.
        """
        row = self.row(product_id)
        if row is None:
            raise UnknownProduct(product_id)
        return self.product(row)

    def category_names(self, level: str) -> dict[int, str]:
        """The data's ``"aisle"`` or ``"department"`` ids -> their names."""
        ids = self.aisle_ids if level == "aisle" else self.department_ids
        names = self.aisles if level == "aisle" else self.departments
        out: dict[int, str] = {}
        for i, n in zip(ids.tolist(), names.tolist(), strict=True):
            out.setdefault(int(i), str(n))
        return out

    # ------------------------------------------------------------------------ shoppers

    def has_user(self, user_id: object) -> bool:
        """Whether ``user_id`` is one of the shop's shoppers (with or without orders)."""
        return self.user_row(user_id) is not None

    def user_row(self, user_id: object) -> int | None:
        """The position of ``user_id`` among the sorted shopper ids, None when unknown."""
        if isinstance(user_id, bool) or not isinstance(user_id, int | np.integer):
            return None
        i = int(np.searchsorted(self.user_ids, int(user_id)))
        return i if i < len(self.user_ids) and int(self.user_ids[i]) == int(user_id) else None

    # ------------------------------------------------------------------------ departments

    def resolve_departments(self, department: str | None) -> tuple[str, ...] | None:
        """The catalogue departments ``department`` means (see :func:`resolve_departments`),
        or None for no filter (None or blank).

        Raises:
            InvalidArgument: it names no department (the message lists them).
        """
        if department is None or not str(department).strip():
            return None
        found = resolve_departments(str(department), self.department_names)
        if not found:
            raise InvalidArgument("department", department, self.department_names)
        return found

    def department_mask(self, departments: Sequence[str]) -> np.ndarray:
        """Boolean array over rows: the product is in one of ``departments`` (catalogue
        names)."""
        wanted = [i for i, d in enumerate(self.department_names) if d in set(departments)]
        return np.isin(self.department_codes, wanted)

    def product_filter(self, department: str | None = None, min_price: float | None = None,
                       max_price: float | None = None) -> ProductFilter:
        """The filter a tool's ``department``, ``min_price`` and ``max_price`` arguments ask
        for, resolved and checked: the one meaning of these arguments for every tool.

        Raises:
            InvalidArgument: an unknown department, or a bad price range (see
                :meth:`check_prices`).
        """
        departments = self.resolve_departments(department)
        self.check_prices(min_price, max_price)
        return ProductFilter(departments, None if min_price is None else float(min_price),
                             None if max_price is None else float(max_price))

    def mask(self, flt: ProductFilter) -> np.ndarray | None:
        """Boolean array over rows of the products passing ``flt``; None when it lets every
        product through."""
        if flt.is_empty:
            return None
        mask = self.price_mask(flt.min_price, flt.max_price)
        if flt.departments:
            mask &= self.department_mask(flt.departments)
        return mask

    def accepts(self, row: int, flt: ProductFilter) -> bool:
        """Whether catalogue ``row`` passes ``flt``."""
        if flt.departments and self.departments[row] not in flt.departments:
            return False
        price = self.prices[row]
        if flt.min_price is not None and not (np.isfinite(price) and price >= flt.min_price):
            return False
        return flt.max_price is None or bool(np.isfinite(price) and price <= flt.max_price)

    # ------------------------------------------------------------------------ prices

    def check_prices(self, min_price: float | None, max_price: float | None) -> None:
        """Check a price range (inclusive, the data's currency).

        Raises:
            InvalidArgument: a bound that is negative or not finite, ``min_price`` above
                ``max_price``, or a bound on data without prices.
        """
        for name, v in (("min_price", min_price), ("max_price", max_price)):
            if v is not None and (not np.isfinite(v) or v < 0):
                raise InvalidArgument(name, v, "a price >= 0")
        if min_price is not None and max_price is not None and min_price > max_price:
            raise InvalidArgument("min_price", min_price, f"at most max_price ({max_price})")
        if (min_price is not None or max_price is not None) and not self.has_prices:
            raise InvalidArgument("max_price" if max_price is not None else "min_price",
                                  max_price if max_price is not None else min_price,
                                  "no price filter", "this shop's data has no prices to filter on")

    def price_mask(self, min_price: float | None, max_price: float | None) -> np.ndarray:
        """Boolean array over rows: the product's price is within the (checked) range; a
        product without a price fails any bound."""
        mask = np.ones(len(self.ids), dtype=bool)
        if min_price is not None:
            mask &= np.isfinite(self.prices) & (self.prices >= min_price)
        if max_price is not None:
            mask &= np.isfinite(self.prices) & (self.prices <= max_price)
        return mask

    # ------------------------------------------------------------------------ vocabulary

    def vocabulary(self) -> Vocabulary:
        """What the planner and the grounding check need: departments, aisles (with their
        departments), product names, whether there are prices and their currency."""
        pairs: dict[str, str] = {}
        for aisle, dept in zip(self.aisles.tolist(), self.departments.tolist(), strict=True):
            pairs.setdefault(aisle, dept)
        return Vocabulary(departments=list(self.department_names), aisles=list(self.aisle_names),
                          product_names=self.names.tolist(), has_prices=self.has_prices,
                          aisle_departments=pairs, currency=self.currency)

    def describe(self) -> dict[str, Any]:
        """Counts for health checks: products, departments, shoppers, prices, currency."""
        return {"products": len(self.ids), "departments": len(self.department_names),
                "shoppers": len(self.user_ids), "has_prices": self.has_prices,
                "currency": self.currency}


def load_catalog(store: Store, currency: str | None = None) -> Catalog:
    """The catalogue of the store's data stage (its ``products`` and ``users`` tables);
    ``currency`` (a setting) overrides what the data says.

    Raises:
        StoreError: no data stage, or one written by an older Cartwise.
    """
    return Catalog.from_data(load_data(store, tables=("products", "users")), currency)
