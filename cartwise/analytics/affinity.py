"""Product affinity ("frequently bought together"): support, confidence and lift of product pairs.

For products *a* and *b* over *N* baskets, with *n_a* baskets holding *a* and *n_ab* holding both:

* support(a, b) = n_ab / N, 0..1: how common the pair is;
* confidence(a -> b) = n_ab / n_a, 0..1: the share of *a*'s baskets that also hold *b*;
* lift(a, b) = N * n_ab / (n_a * n_b), > 0: 1 = bought together as often as chance predicts,
  above 1 = more often (symmetric in *a* and *b*).

A pair counts only with enough evidence: ``n_ab >= max(min_pair_count, min_support * N)``;
partners are ranked by lift (ties: more shared baskets first, then product id).

Counting uses the binary baskets x products matrix *B* (scipy CSR): co-occurrence counts are
``B.T @ B``, computed in blocks of product rows sized by their work so that memory stays bounded
at Instacart scale, and cut to each product's top partners as each block is done. A basket is an
order with at least one line; each (order, product) pair counts once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartwise.analytics.source import PartnerRows
from cartwise.errors import StoreError

log = logging.getLogger(__name__)

#: Multiply-adds per block of B.T @ B (bounds the block's memory to a few hundred MB).
BLOCK_WORK = 40_000_000


def basket_matrix(
    line_order: np.ndarray, line_product: np.ndarray, n_orders: int, n_products: int
) -> sp.csr_matrix:
    """The binary baskets x products matrix, shape ``(n_orders, n_products)``, int32 0/1.

    Args:
        line_order: order row of each line, 0..n_orders-1.
        line_product: product row of each line, 0..n_products-1.

    Rows of orders without lines are empty. Repeated (order, product) lines count once.
    """
    m = sp.csr_matrix(
        (np.ones(len(line_order), dtype=np.int32), (line_order, line_product)),
        shape=(n_orders, n_products),
    )
    if m.nnz and m.data.max() > 1:
        m.data[:] = 1
    return m


def _rank(
    row: np.ndarray,
    col: np.ndarray,
    count: np.ndarray,
    product_baskets: np.ndarray,
    n_baskets: int,
    min_count: int,
    top_k: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Filter ``(row, col, count)`` co-occurrences and keep each row's ``top_k`` by lift.

    Returns the kept ``(row, col, count)``, sorted by row, then by descending lift, descending
    count and ascending column.
    """
    keep = (count >= min_count) & (row != col)
    row, col, count = row[keep], col[keep], count[keep]
    if len(row) == 0:
        return row, col, count
    lift = n_baskets * count.astype(np.float64) / (
        product_baskets[row].astype(np.float64) * product_baskets[col])
    order = np.lexsort((col, -count.astype(np.int64), -lift, row))
    row, col, count = row[order], col[order], count[order]
    if top_k is not None:
        new = np.r_[True, row[1:] != row[:-1]]
        first = np.maximum.accumulate(np.where(new, np.arange(len(row)), 0))
        keep = (np.arange(len(row)) - first) < top_k
        row, col, count = row[keep], col[keep], count[keep]
    return row, col, count


def _blocks(rows: np.ndarray, work: np.ndarray, budget: int) -> Iterator[np.ndarray]:
    """Consecutive slices of ``rows`` whose summed ``work`` stays within ``budget``."""
    if len(rows) == 0:
        return
    cum = np.cumsum(work[rows])
    start = 0
    while start < len(rows):
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + budget, side="right"))
        stop = max(stop, start + 1)
        yield rows[start:stop]
        start = stop


@dataclass
class Partners:
    """Each product's best bought-together partners, by lift (a CSR-like layout over rows).

    Attributes:
        indptr: int64, length n_products + 1: product row ``p``'s partners are
            ``partner[indptr[p]:indptr[p+1]]``, best first.
        partner: int32 product rows of the partners.
        count: int32 baskets holding both products.
        product_baskets: int64 baskets holding each product (length n_products).
        n_baskets: baskets in the data (orders with at least one line).
        min_count: the shared-basket threshold that was applied.
    """

    indptr: np.ndarray
    partner: np.ndarray
    count: np.ndarray
    product_baskets: np.ndarray
    n_baskets: int
    min_count: int

    @property
    def n_products(self) -> int:
        return len(self.product_baskets)

    def of(self, product_row: int) -> tuple[np.ndarray, np.ndarray]:
        """``(partner rows, shared baskets)`` of one product, best first."""
        a, b = self.indptr[product_row], self.indptr[product_row + 1]
        return self.partner[a:b], self.count[a:b]

    def top(self, product_row: int, k: int) -> PartnerRows:
        """The ``k`` best partners of one product, with the basket counts around them."""
        rows, together = self.of(product_row)
        rows, together = rows[:k], together[:k]
        return PartnerRows(rows, together, self.product_baskets[rows],
                           int(self.product_baskets[product_row]), self.n_baskets,
                           self.min_count)

    def save(self, path: Path) -> None:
        np.savez(
            path, indptr=self.indptr, partner=self.partner, count=self.count,
            product_baskets=self.product_baskets,
            meta=np.array([self.n_baskets, self.min_count], dtype=np.int64),
        )

    @classmethod
    def load(cls, path: Path) -> Partners:
        """Load what :meth:`save` wrote (no pickle); :class:`StoreError` if it is unreadable."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = z["meta"]
                return cls(z["indptr"], z["partner"], z["count"], z["product_baskets"],
                           int(meta[0]), int(meta[1]))
        except (OSError, KeyError, ValueError) as exc:
            raise StoreError(f"unreadable affinity file {path}: {exc}") from exc


def top_partners(basket: sp.csr_matrix, min_count: int, top_k: int,
                 block_work: int = BLOCK_WORK) -> Partners:
    """Every product's ``top_k`` partners by lift among pairs sharing >= ``min_count`` baskets.

    Args:
        basket: the binary baskets x products matrix (:func:`basket_matrix`).
        min_count: minimum shared baskets, >= 1 (apply ``min_support`` through it:
            ``max(min_pair_count, ceil(min_support * n_baskets))``).
        top_k: partners kept per product, >= 1.
        block_work: multiply-adds per block of ``B.T @ B``.
    """
    t0 = time.perf_counter()
    n_products = basket.shape[1]
    sizes = np.diff(basket.indptr).astype(np.int64)
    n_baskets = int((sizes > 0).sum())
    product_baskets = np.bincount(basket.indices, minlength=n_products).astype(np.int64)
    bt = basket.T.tocsr()  # products x baskets
    work = bt @ sizes  # multiply-adds of each product's row of B.T @ B
    rows = np.flatnonzero(product_baskets >= max(min_count, 1))
    parts_r, parts_c, parts_n = [], [], []
    n_blocks = 0
    for block in _blocks(rows, work, block_work):
        co = (bt[block] @ basket).tocoo()
        r, c, n = _rank(block[co.row].astype(np.int32), co.col.astype(np.int32),
                        co.data.astype(np.int32), product_baskets, n_baskets, min_count, top_k)
        parts_r.append(r)
        parts_c.append(c)
        parts_n.append(n)
        n_blocks += 1
    row = np.concatenate(parts_r) if parts_r else np.empty(0, np.int32)
    partner = np.concatenate(parts_c) if parts_c else np.empty(0, np.int32)
    count = np.concatenate(parts_n) if parts_n else np.empty(0, np.int32)
    indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n_products))].astype(np.int64)
    log.info("affinity: %d products with partners, %d partner links from %d baskets in %d "
             "blocks, %.1f s", int((np.diff(indptr) > 0).sum()), len(partner), n_baskets,
             n_blocks, time.perf_counter() - t0)
    return Partners(indptr, partner.astype(np.int32), count.astype(np.int32), product_baskets,
                    n_baskets, int(min_count))


def partners_of(
    product_row: int,
    line_order: np.ndarray,
    line_product: np.ndarray,
    n_orders: int,
    product_baskets: np.ndarray,
    n_baskets: int,
    min_count: int,
    top_k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One product's partners straight from the lines (no precomputation), best first.

    Same result as ``top_partners(...).of(product_row)``; one pass over the lines.

    Returns:
        ``(partner rows, shared baskets)``.
    """
    mine = line_product == product_row
    in_basket = np.zeros(n_orders, dtype=bool)
    in_basket[line_order[mine]] = True
    sel = in_basket[line_order]
    pairs = np.unique(line_order[sel].astype(np.int64) * len(product_baskets) + line_product[sel])
    counts = np.bincount(pairs % len(product_baskets), minlength=len(product_baskets))
    col = np.flatnonzero(counts).astype(np.int32)
    _, c, n = _rank(np.full(len(col), product_row, dtype=np.int32), col,
                    counts[col].astype(np.int32), product_baskets, n_baskets, min_count, top_k)
    return c, n


def pair_metrics(count: np.ndarray, n_a: np.ndarray, n_b: np.ndarray,
                 n_baskets: int) -> dict[str, np.ndarray]:
    """Support (0..1), confidence a -> b (0..1) and lift (> 0, 1 = independent) of pairs."""
    count = np.asarray(count, dtype=np.float64)
    n_a = np.asarray(n_a, dtype=np.float64)
    n_b = np.asarray(n_b, dtype=np.float64)
    return {
        "support": count / n_baskets,
        "confidence": count / n_a,
        "lift": n_baskets * count / (n_a * n_b),
    }


def pair_stats(
    lines: pd.DataFrame,
    basket_col: str = "order_id",
    item_col: str = "product_id",
    min_support: float = 0.0,
    min_count: int = 1,
) -> pd.DataFrame:
    """Every pair of items bought in the same basket, with its support, confidence and lift.

    Args:
        lines: one row per (basket, item); repeats count once.
        basket_col, item_col: the basket and item id columns.
        min_support: keep pairs with support >= this (0..1).
        min_count: keep pairs sharing >= this many baskets (>= 1).

    Returns:
        One row per unordered pair with ``item_a < item_b``: ``item_a``, ``item_b``, ``count``
        (baskets with both), ``support``, ``confidence_ab`` (a -> b), ``confidence_ba``, ``lift``;
        sorted by descending lift, then count. Meant for analyses and tests on small data: the
        service uses :func:`top_partners`.
    """
    b_codes, _ = pd.factorize(lines[basket_col], sort=True)
    i_codes, items = pd.factorize(lines[item_col], sort=True)
    basket = basket_matrix(b_codes, i_codes, int(b_codes.max()) + 1 if len(b_codes) else 0,
                           len(items))
    n_baskets = int((np.diff(basket.indptr) > 0).sum())
    n_item = np.bincount(basket.indices, minlength=len(items))
    co = sp.triu(basket.T @ basket, k=1).tocoo()
    threshold = max(int(min_count), int(np.ceil(min_support * n_baskets - 1e-9)), 1)
    keep = co.data >= threshold
    a, b, n = co.row[keep], co.col[keep], co.data[keep]
    m = pair_metrics(n, n_item[a], n_item[b], n_baskets)
    out = pd.DataFrame({
        "item_a": np.asarray(items)[a],
        "item_b": np.asarray(items)[b],
        "count": n.astype(np.int64),
        "support": m["support"],
        "confidence_ab": m["confidence"],
        "confidence_ba": n / n_item[b].astype(np.float64),
        "lift": m["lift"],
    })
    return out.sort_values(["lift", "count", "item_a", "item_b"],
                           ascending=[False, False, True, True]).reset_index(drop=True)


def top_pairs(partners: Partners, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``n`` pairs with the highest lift over all products (each pair once).

    Exact when every product kept at least ``n`` partners' worth of its best pairs: a pair
    among the global top ``n`` is among the top ``n`` of its own product.

    Returns:
        ``(rows a, rows b, shared baskets)`` with ``a < b``, best first.
    """
    row = np.repeat(np.arange(partners.n_products, dtype=np.int32), np.diff(partners.indptr))
    col, cnt = partners.partner, partners.count
    once = row < col
    row, col, cnt = row[once], col[once], cnt[once]
    pb = partners.product_baskets.astype(np.float64)
    lift = partners.n_baskets * cnt / (pb[row] * pb[col])
    order = np.lexsort((col, row, -cnt.astype(np.int64), -lift))[:n]
    return row[order], col[order], cnt[order]
