"""Product affinity ("frequently bought together"): each product's partners, with their evidence.

For products *a* and *b* over *N* baskets, with *n_a* baskets holding *a*, *n_ab* holding both
and *s_ab* distinct shoppers who bought both in one basket:

* support(a, b) = n_ab / N, 0..1: how common the pair is;
* confidence(a -> b) = n_ab / n_a, 0..1: the share of *a*'s baskets that also hold *b*;
* lift(a, b) = N * n_ab / (n_a * n_b), > 0: 1 = bought together as often as chance predicts,
  above 1 = more often (symmetric in *a* and *b*).

A pair is kept when it has enough evidence (:class:`~cartwise.analytics.pair_evidence.PairRules`):
``n_ab >= max(min_pair_count, min_support * N)`` shared baskets, ``s_ab >= min_pair_shoppers``
shoppers, and a Benjamini-Hochberg q value of its one-sided hypergeometric test ``<= pair_fdr``
over every pair tested. Kept partners are ranked by
:func:`~cartwise.analytics.pair_evidence.pair_score` (the Wilson lower bound of the confidence
minus the partner's base rate: strong *and* well supported first; ties: more shared baskets,
then product row). See :mod:`cartwise.analytics.pair_evidence` for why.

Counting uses the binary baskets x products matrix *B* (scipy CSR) with the orders grouped by
shopper. For a block of product rows, *Y* has one row per (product, shopper) holding that
shopper's baskets with the product; ``Y @ B`` counts, per (product, shopper, partner), the
shopper's baskets with both, so summing its rows per product gives ``n_ab`` and counting its
non-zeros gives ``s_ab`` (one sparse product for both). Blocks are sized by their work so that
memory stays bounded at Instacart scale; only products that can meet the floors are counted.
The pairs meeting the support floors are kept until every block is done, because the q values
need every p value: memory grows with the number of supported pairs (about 1.7 million at the
full demo scale of 3.5 million baskets). A basket is an order with at least one line; each
(order, product) pair counts once.
"""

from __future__ import annotations

import logging
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartwise.analytics.pair_evidence import FalseDiscovery, PairRules, p_values, pair_score
from cartwise.analytics.source import PartnerRows
from cartwise.errors import StoreError

log = logging.getLogger(__name__)

#: Multiply-adds per block of the counting product (bounds the block's memory to a few hundred
#: MB; smaller blocks also run faster, as they stay in cache).
BLOCK_WORK = 10_000_000
#: Seconds between progress lines of the counting.
PROGRESS_S = 10.0


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


def _first_of_runs(keys: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Boolean mask of the entries that start a run of equal ``keys`` or sit at ``starts``."""
    new = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        new[1:] = keys[1:] != keys[:-1]
    new[starts[starts < len(keys)]] = True
    return new


def _rank(row: np.ndarray, col: np.ndarray, together: np.ndarray, score: np.ndarray,
          top_k: int | None) -> np.ndarray:
    """Positions of ``(row, col)`` pairs sorted by row, then descending score, descending shared
    baskets and ascending column, cut to each row's ``top_k`` (None: all)."""
    order = np.lexsort((col, -together.astype(np.int64), -score, row))
    if top_k is None or len(order) == 0:
        return order
    r = row[order]
    new = np.r_[True, r[1:] != r[:-1]]
    first = np.maximum.accumulate(np.where(new, np.arange(len(r)), 0))
    return order[(np.arange(len(r)) - first) < top_k]


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
    """Each product's best bought-together partners with their evidence (a CSR-like layout).

    Attributes:
        indptr: int64, length n_products + 1: product row ``p``'s partners are
            ``partner[indptr[p]:indptr[p+1]]``, best (highest :func:`pair_score`) first.
        partner: int32 product rows of the partners.
        count: int32 baskets holding both products.
        shoppers: int32 distinct shoppers who bought both in one basket.
        p_value: float64 one-sided hypergeometric p value of each pair, 0..1.
        q_value: float64 Benjamini-Hochberg q value of each pair, 0..1 (``<= rules.fdr``).
        product_baskets: int64 baskets holding each product (length n_products).
        product_shoppers: int64 distinct shoppers who bought each product.
        n_baskets: baskets in the data (orders with at least one line).
        rules: the floors and the false-discovery rate that were applied.
        n_tests: pairs tested (``m`` of the correction).
        with_baskets: int32 per product: partners sharing >= ``rules.min_count`` baskets.
        with_shoppers: int32 per product: of those, partners with >= ``rules.min_shoppers``
            shoppers.
        significant: int32 per product: of those, partners with ``q <= rules.fdr`` (all of
            them, also beyond the ones kept).
        discovery: the correction itself (only after :func:`top_partners`; not saved), for
            :func:`partners_of`.
    """

    indptr: np.ndarray
    partner: np.ndarray
    count: np.ndarray
    shoppers: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    product_baskets: np.ndarray
    product_shoppers: np.ndarray
    n_baskets: int
    rules: PairRules
    n_tests: int
    with_baskets: np.ndarray
    with_shoppers: np.ndarray
    significant: np.ndarray
    discovery: FalseDiscovery | None = None

    @property
    def n_products(self) -> int:
        return len(self.product_baskets)

    @property
    def min_count(self) -> int:
        return self.rules.min_count

    def of(self, product_row: int) -> tuple[np.ndarray, np.ndarray]:
        """``(partner rows, shared baskets)`` of one product, best first."""
        a, b = self.indptr[product_row], self.indptr[product_row + 1]
        return self.partner[a:b], self.count[a:b]

    def top(self, product_row: int, k: int) -> PartnerRows:
        """The ``k`` best partners of one product, with their evidence."""
        a = int(self.indptr[product_row])
        b = min(int(self.indptr[product_row + 1]), a + max(int(k), 0))
        return _partner_rows(
            product_row, self.partner[a:b], self.count[a:b], self.shoppers[a:b],
            self.p_value[a:b], self.q_value[a:b], self.product_baskets,
            self.product_shoppers, self.n_baskets, self.rules, self.n_tests,
            (int(self.with_baskets[product_row]), int(self.with_shoppers[product_row]),
             int(self.significant[product_row])))

    def save(self, path: Path) -> None:
        np.savez(
            path, indptr=self.indptr, partner=self.partner, count=self.count,
            shoppers=self.shoppers, p_value=self.p_value, q_value=self.q_value,
            product_baskets=self.product_baskets, product_shoppers=self.product_shoppers,
            with_baskets=self.with_baskets, with_shoppers=self.with_shoppers,
            significant=self.significant,
            meta=np.array([self.n_baskets, self.rules.min_count, self.rules.min_shoppers,
                           self.n_tests], dtype=np.int64),
            fdr=np.array([self.rules.fdr], dtype=np.float64),
        )

    @classmethod
    def load(cls, path: Path) -> Partners:
        """Load what :meth:`save` wrote (no pickle); :class:`StoreError` if it is unreadable
        (or of an older layout)."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta, fdr = z["meta"], float(z["fdr"][0])
                out = cls(z["indptr"], z["partner"], z["count"], z["shoppers"], z["p_value"],
                          z["q_value"], z["product_baskets"], z["product_shoppers"],
                          int(meta[0]), PairRules(int(meta[1]), int(meta[2]), fdr),
                          int(meta[3]), z["with_baskets"], z["with_shoppers"], z["significant"])
        except (OSError, KeyError, ValueError, IndexError, EOFError,
                zipfile.BadZipFile) as exc:
            raise StoreError(f"unreadable affinity file {path}: {exc}") from exc
        n = len(out.product_baskets)
        links = len(out.partner)
        if (len(out.indptr) != n + 1 or int(out.indptr[-1]) != links
                or any(len(x) != links for x in (out.count, out.shoppers, out.p_value,
                                                  out.q_value))):
            raise StoreError(f"unreadable affinity file {path}: inconsistent array lengths")
        return out


def _partner_rows(product_row: int, rows: np.ndarray, together: np.ndarray,
                  shoppers: np.ndarray, p: np.ndarray, q: np.ndarray,
                  product_baskets: np.ndarray, product_shoppers: np.ndarray, n_baskets: int,
                  rules: PairRules, n_tests: int, funnel: tuple[int, int, int]) -> PartnerRows:
    n_a = int(product_baskets[product_row])
    baskets = product_baskets[rows]
    return PartnerRows(
        rows=rows, together=together, baskets=baskets, anchor_baskets=n_a,
        n_baskets=n_baskets, min_count=rules.min_count, shoppers=shoppers,
        p_value=p, q_value=q,
        score=pair_score(together, shoppers, np.full(len(rows), n_a), baskets, n_baskets),
        anchor_shoppers=int(product_shoppers[product_row]), min_shoppers=rules.min_shoppers,
        fdr=rules.fdr, n_tests=n_tests, with_baskets=funnel[0], with_shoppers=funnel[1],
        significant=funnel[2])


def _grouped_by_shopper(basket: sp.csr_matrix, order_user: np.ndarray
                        ) -> tuple[sp.csr_matrix, np.ndarray]:
    """``basket`` with its rows (orders) grouped by shopper, and the shopper of each row."""
    order_user = np.asarray(order_user, dtype=np.int64)
    if len(order_user) != basket.shape[0]:
        raise ValueError(f"{len(order_user)} order shoppers for {basket.shape[0]} orders")
    if len(order_user) < 2 or bool(np.all(order_user[1:] >= order_user[:-1])):
        return basket, order_user
    perm = np.argsort(order_user, kind="stable")
    return basket[perm], order_user[perm]


def _product_shoppers(bt: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
    """Distinct shoppers of each row of ``bt`` (products x orders grouped by shopper)."""
    u = users[bt.indices]
    first = _first_of_runs(u, bt.indptr[:-1])
    row = np.repeat(np.arange(bt.shape[0]), np.diff(bt.indptr))
    return np.bincount(row[first], minlength=bt.shape[0]).astype(np.int64)


def _block_counts(bt_block: sp.csr_matrix, users: np.ndarray, basket: sp.csr_matrix
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shared baskets and shoppers of a block of products with every column of ``basket``.

    Args:
        bt_block: block rows x orders (grouped by shopper), binary.
        users: shopper of each order.
        basket: orders x columns, binary.

    Returns:
        ``(row in block, column, shared baskets, shoppers)`` of every non-zero pair.
    """
    n_rows = bt_block.shape[0]
    first = _first_of_runs(users[bt_block.indices], bt_block.indptr[:-1])
    starts = np.flatnonzero(first)
    y = sp.csr_matrix((bt_block.data, bt_block.indices,
                       np.r_[starts, len(first)].astype(np.int64)),
                      shape=(len(starts), bt_block.shape[1]))
    y_row = np.repeat(np.arange(n_rows), np.diff(bt_block.indptr))[starts]
    z = y @ basket  # (product, shopper) x column: the shopper's baskets with both
    z.data = z.data.astype(np.int64) + (1 << 32)  # sums to shoppers << 32 | baskets
    group = sp.csr_matrix((np.ones(len(starts), dtype=np.int64), np.arange(len(starts)),
                           np.r_[0, np.cumsum(np.bincount(y_row, minlength=n_rows))]),
                          shape=(n_rows, len(starts)))
    both = (group @ z).tocoo()
    return (both.row.astype(np.int32), both.col.astype(np.int32),
            (both.data & 0xFFFFFFFF).astype(np.int32), (both.data >> 32).astype(np.int32))


def top_partners(basket: sp.csr_matrix, order_user: np.ndarray, rules: PairRules,
                 top_k: int, block_work: int = BLOCK_WORK) -> Partners:
    """Every product's ``top_k`` partners by :func:`pair_score` among the pairs that pass
    ``rules`` (support floors and the false-discovery rate over every pair tested).

    Args:
        basket: the binary baskets x products matrix (:func:`basket_matrix`).
        order_user: the shopper (any int id, e.g. the user row) of each order row.
        rules: the floors and FDR (apply ``min_support`` through ``rules.min_count``:
            ``max(min_pair_count, ceil(min_support * n_baskets))``).
        top_k: partners kept per product, >= 1.
        block_work: multiply-adds per block of the counting product.
    """
    t0 = time.perf_counter()
    n_products = basket.shape[1]
    basket, users = _grouped_by_shopper(basket, order_user)
    sizes = np.diff(basket.indptr).astype(np.int64)
    n_baskets = int((sizes > 0).sum())
    bt = basket.T.tocsr()  # products x orders (grouped by shopper)
    bt.sort_indices()  # a product's orders in row order, so a shopper's orders are adjacent
    product_baskets = np.diff(bt.indptr).astype(np.int64)
    product_shoppers = _product_shoppers(bt, users)
    eligible = rules.eligible(product_baskets, product_shoppers)
    n_tests = rules.n_tests(product_baskets, product_shoppers)
    columns = np.flatnonzero(eligible).astype(np.int32)
    sub = basket[:, columns]  # only partners that can pass
    work = bt @ np.diff(sub.indptr).astype(np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    with_baskets = np.zeros(n_products, dtype=np.int32)
    n_blocks, done, last_log = 0, 0, time.perf_counter()
    for block in _blocks(columns, work, block_work):
        if time.perf_counter() - last_log > PROGRESS_S:
            last_log = time.perf_counter()
            log.info("affinity: %d of %d products counted (%.0f s)", done, len(columns),
                     last_log - t0)
        done += len(block)
        r, c, n, s = _block_counts(bt[block], users, sub)
        r, c = block[r].astype(np.int32), columns[c]
        enough = (n >= rules.min_count) & (r != c)
        with_baskets += np.bincount(r[enough], minlength=n_products).astype(np.int32)
        keep = enough & (s >= rules.min_shoppers)
        parts.append((r[keep], c[keep], n[keep], s[keep]))
        n_blocks += 1
    if parts:
        row, col, together, shoppers = (np.concatenate(x) for x in zip(*parts, strict=True))
    else:
        row = col = together = shoppers = np.empty(0, np.int32)
    p = _mirrored_p_values(row, col, together, product_baskets, n_baskets)
    discovery = FalseDiscovery.from_p(p[row < col], n_tests, rules.fdr)
    q = discovery.q_values(p)
    with_shoppers = np.bincount(row, minlength=n_products).astype(np.int32)
    sig = q <= rules.fdr
    significant = np.bincount(row[sig], minlength=n_products).astype(np.int32)
    row, col, together, shoppers, p, q = (x[sig] for x in (row, col, together, shoppers, p, q))
    score = pair_score(together, shoppers, product_baskets[row], product_baskets[col], n_baskets)
    order = _rank(row, col, together, score, top_k)
    row, col, together, shoppers, p, q = (x[order] for x in (row, col, together, shoppers, p, q))
    indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n_products))].astype(np.int64)
    log.info("affinity: %d products with partners, %d partner links (%d significant pairs of "
             "%d tested) from %d baskets in %d blocks, %.1f s",
             int((np.diff(indptr) > 0).sum()), len(col), discovery.n_discoveries, n_tests,
             n_baskets, n_blocks, time.perf_counter() - t0)
    return Partners(indptr, col.astype(np.int32), together.astype(np.int32),
                    shoppers.astype(np.int32), p, q, product_baskets, product_shoppers,
                    n_baskets, rules, n_tests, with_baskets, with_shoppers, significant,
                    discovery)


def _mirrored_p_values(row: np.ndarray, col: np.ndarray, together: np.ndarray,
                       product_baskets: np.ndarray, n_baskets: int) -> np.ndarray:
    """The p value of every directed pair, computed once per unordered pair (both directions
    of a pair are present, with equal counts)."""
    out = np.ones(len(row), dtype=np.float64)
    upper = np.flatnonzero(row < col)
    out[upper] = p_values(together[upper], product_baskets[row[upper]],
                          product_baskets[col[upper]], n_baskets)
    lower = np.flatnonzero(row > col)
    if len(lower) and len(upper):
        width = np.int64(len(product_baskets))
        keys = row[upper].astype(np.int64) * width + col[upper]
        order = np.argsort(keys)
        want = col[lower].astype(np.int64) * width + row[lower]
        at = np.minimum(np.searchsorted(keys[order], want), len(order) - 1)
        if not np.array_equal(keys[order][at], want):
            raise AssertionError("a pair is missing its mirror")  # counting is symmetric
        out[lower] = out[upper][order][at]
    return out


def partners_of(
    product_row: int,
    line_order: np.ndarray,
    line_product: np.ndarray,
    order_user: np.ndarray,
    n_orders: int,
    product_baskets: np.ndarray,
    product_shoppers: np.ndarray,
    n_baskets: int,
    discovery: FalseDiscovery,
    rules: PairRules,
    top_k: int,
) -> PartnerRows:
    """One product's partners straight from the lines, best first: the same partners, counts,
    p and q values and order as ``top_partners(...).top(product_row, top_k)``.

    The q values need every pair's p value, so ``discovery`` is the correction of the whole
    data (``top_partners(...).discovery``); everything else is one pass over the lines.

    Args:
        line_order, line_product: order row and product row of each line.
        order_user: shopper of each order row (as given to :func:`top_partners`).
        product_baskets, product_shoppers, n_baskets: as in :class:`Partners`.
    """
    n_products = len(product_baskets)
    line_order = np.asarray(line_order, dtype=np.int64)
    line_product = np.asarray(line_product, dtype=np.int64)
    in_basket = np.zeros(n_orders, dtype=bool)
    in_basket[line_order[line_product == product_row]] = True
    sel = in_basket[line_order]
    lo, lp = line_order[sel], line_product[sel]
    together = np.bincount(np.unique(lo * n_products + lp) % n_products, minlength=n_products)
    lu = np.asarray(order_user, dtype=np.int64)[lo]
    shoppers = np.bincount(np.unique(lu * n_products + lp) % n_products, minlength=n_products)
    eligible = rules.eligible(product_baskets, product_shoppers)
    enough = (together >= rules.min_count) & eligible & bool(eligible[product_row])
    enough[product_row] = False
    supported = enough & (shoppers >= rules.min_shoppers)
    col = np.flatnonzero(supported)
    p = p_values(together[col], np.full(len(col), product_baskets[product_row]),
                 product_baskets[col], n_baskets)
    q = discovery.q_values(p)
    sig = q <= rules.fdr
    col, p, q = col[sig], p[sig], q[sig]
    n, s = together[col], shoppers[col]
    score = pair_score(n, s, np.full(len(col), product_baskets[product_row]),
                       product_baskets[col], n_baskets)
    order = _rank(np.zeros(len(col), dtype=np.int32), col, n, score, top_k)
    return _partner_rows(product_row, col[order].astype(np.int32), n[order].astype(np.int32),
                         s[order].astype(np.int32), p[order], q[order], product_baskets,
                         product_shoppers, n_baskets, rules, discovery.n_tests,
                         (int(enough.sum()), int(supported.sum()), len(col)))


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


def top_pairs(partners: Partners, n: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``n`` best pairs over all products (each pair once), by :func:`pair_score`.

    A pair's score is the better of its two directions (a pair is kept in a direction when it is
    among that product's kept partners). Exact when every product kept at least ``n`` partners'
    worth of its best pairs: a pair among the global top ``n`` is among the top ``n`` of the
    product its best direction starts from.

    Returns:
        ``(rows a, rows b, shared baskets, scores)`` with ``a < b``, best first (ties: more
        shared baskets, then rows).
    """
    row = np.repeat(np.arange(partners.n_products, dtype=np.int32), np.diff(partners.indptr))
    col, cnt = partners.partner, partners.count
    pb = partners.product_baskets
    score = pair_score(cnt, partners.shoppers, pb[row], pb[col], partners.n_baskets)
    a, b = np.minimum(row, col), np.maximum(row, col)
    best = np.lexsort((-score, b, a))  # per unordered pair, its best direction first
    a, b, cnt, score = a[best], b[best], cnt[best], score[best]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    a, b, cnt, score = a[first], b[first], cnt[first], score[first]
    order = np.lexsort((b, a, -cnt.astype(np.int64), -score))[:n]
    return a[order], b[order], cnt[order], score[order]
