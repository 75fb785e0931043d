"""Retrieval benchmark: the product index over the real 49,688-product Instacart catalogue.

Measures, for each backend (Qdrant Edge = the embedded default, qdrant-client's local mode, and a
plain NumPy scan for reference):

* index build: embedding time per product (all-MiniLM-L6-v2 on the CPU) and everything else;
  for Edge through the real build stage (`build_retrieval_stage`: full, unchanged, incremental);
* search latency p50/p99 including the query embedding: no filter, a department filter, a price
  filter; similar products p50; name resolution p50;
* quality: precision@5 on the labelled queries of `benchmarks/queries/` (see
  `search_quality.py`): the Instacart tuning set and the report set (written before any tuning,
  never used to choose a setting), by kind (plain, misspelled, descriptive), with and without
  the search re-ranking; the same over the Online Retail II product names (a second index built
  from `../shared/data/online_retail_ii`); the close-match signal on nonsense requests.

The catalogue has no prices: this benchmark (only) gives each product a seeded synthetic price
(log-normal, median about 3.3) so that the price filter can be timed.

    python benchmarks/bench_retrieval.py                       # all backends
    python benchmarks/bench_retrieval.py --backends edge       # the embedded default only
    python benchmarks/bench_retrieval.py --work W --reuse-cache --quick   # tuning loop

``--quick`` measures quality on the tuning sets only (edge, re-ranked and not), prints it and
writes no report: about a minute with a warm embedding cache, for tuning without looking at the
report sets.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search_quality as sq  # noqa: E402
from _report import peak_rss_mb, table, write_report  # noqa: E402

from cartwise.catalog import Catalog, load_catalog  # noqa: E402
from cartwise.config import Settings, get_settings  # noqa: E402
from cartwise.data.instacart import _products  # noqa: E402
from cartwise.data.load import resolve_source  # noqa: E402
from cartwise.data.schema import LoadReport  # noqa: E402
from cartwise.data.stage import build_data_stage  # noqa: E402
from cartwise.errors import UnknownProduct  # noqa: E402
from cartwise.retrieval import CACHE_NAME  # noqa: E402
from cartwise.retrieval.cache import EmbeddingCache, text_key  # noqa: E402
from cartwise.retrieval.embedder import (  # noqa: E402
    Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from cartwise.retrieval.qdrant_store import QdrantServerStore  # noqa: E402
from cartwise.retrieval.search import ProductSearch  # noqa: E402
from cartwise.retrieval.stage import (  # noqa: E402
    CATALOG_FILE,
    FORMAT_VERSION,
    STAGE,
    build_retrieval_stage,
    load_retrieval,
    reranking_of,
)
from cartwise.retrieval.text import grams_document, words_document  # noqa: E402
from cartwise.retrieval.vectorstore import (  # noqa: E402
    Hit,
    HybridQuery,
    IndexSpec,
    PointBatch,
    SearchFilter,
)
from cartwise.store import Store  # noqa: E402

HERE = Path(__file__).resolve().parent
CATALOG = HERE.parent.parent / "shared" / "data" / "instacart_catalog"
BASKETS = (HERE.parent.parent / "shared" / "data" / "instacart_baskets"
           / "order_products__train_head.csv")
DEPARTMENT_FILTERS = ("dairy", "produce", "snacks", "frozen", "beverages", "pantry")
PRICE_FILTER = (2.0, 8.0)

log = logging.getLogger("bench_retrieval")


# --- the NumPy reference backend -----------------------------------------------------------------


class NumpyStore:
    """A plain NumPy/SciPy scan with the same contract as the Qdrant backends (reference only).

    Dense: one matrix product; sparse: CSR matrices with Qdrant's IDF formula; fusion: the same
    weighted RRF as Qdrant; recommendation: best-score like Qdrant.
    """

    def __init__(self, catalog: pd.DataFrame, vectors: np.ndarray, spec: IndexSpec) -> None:
        self._spec = spec
        self.ids = catalog["product_id"].to_numpy(np.int64)
        self.row = {int(i): r for r, i in enumerate(self.ids)}
        self.dense = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dept = catalog["department"].to_numpy(object)
        self.price = catalog["price"].to_numpy(float)
        names, aisles = catalog["name"].tolist(), catalog["aisle"].tolist()
        depts, descs = catalog["department"].tolist(), catalog["description"].tolist()
        self.words = self._csr([words_document(n, a, d, s)
                                for n, a, d, s in zip(names, aisles, depts, descs, strict=True)])
        self.grams = self._csr([grams_document(n) for n in names])

    @staticmethod
    def _csr(vectors: Sequence[Any]) -> tuple[sp.csr_matrix, dict[int, int], np.ndarray]:
        vocab: dict[int, int] = {}
        rows, cols, vals = [], [], []
        for r, v in enumerate(vectors):
            for i, x in zip(v.indices, v.values, strict=True):
                rows.append(r)
                cols.append(vocab.setdefault(i, len(vocab)))
                vals.append(x)
        m = sp.csr_matrix((vals, (rows, cols)), shape=(len(vectors), len(vocab)),
                          dtype=np.float32)
        df = np.bincount(cols, minlength=len(vocab)).astype(np.float64)
        n = len(vectors)
        idf = np.log((n - df + 0.5) / (df + 0.5) + 1.0)
        return m.tocsc(), vocab, idf

    @property
    def spec(self) -> IndexSpec:
        return self._spec

    def _mask(self, flt: SearchFilter | None) -> np.ndarray | None:
        if flt is None or flt.empty:
            return None
        m = np.ones(len(self.ids), bool)
        if flt.departments:
            m &= np.isin(self.dept, list(flt.departments))
        if flt.min_price is not None:
            m &= self.price >= flt.min_price
        if flt.max_price is not None:
            m &= self.price <= flt.max_price
        for i in flt.exclude_ids:
            if i in self.row:
                m[self.row[i]] = False
        return m

    @staticmethod
    def _top(scores: np.ndarray, mask: np.ndarray | None, k: int,
             valid: np.ndarray | None = None) -> np.ndarray:
        s = scores.astype(np.float64, copy=True)
        if mask is not None:
            s[~mask] = -np.inf
        if valid is not None:
            s[~valid] = -np.inf
        k = min(k, int(np.isfinite(s).sum()))
        if k <= 0:
            return np.zeros(0, np.int64)
        part = np.argpartition(-s, k - 1)[:k]
        return part[np.argsort(-s[part], kind="stable")]

    def _sparse_scores(self, which: tuple[sp.csc_matrix, dict[int, int], np.ndarray],
                       v: Any) -> tuple[np.ndarray, np.ndarray]:
        m, vocab, idf = which
        cols = [vocab[i] for i in v.indices if i in vocab]
        if not cols:
            return np.zeros(m.shape[0]), np.zeros(m.shape[0], bool)
        sub = m[:, cols]
        scores = np.asarray(sub @ idf[cols]).ravel()
        return scores, np.diff(sub.tocsr().indptr) > 0

    def hybrid(self, query: HybridQuery, *, limit: int, flt: SearchFilter | None = None,
               with_vectors: bool = False) -> list[Hit]:
        mask = self._mask(flt)
        lists = [(self._top(self.dense @ query.dense, mask, query.candidates), query.weights[0])]
        for which, vec, w in ((self.words, query.words, query.weights[1]),
                              (self.grams, query.grams, query.weights[2])):
            if len(vec) and w > 0:
                scores, hit = self._sparse_scores(which, vec)
                lists.append((self._top(scores, mask, query.candidates, hit), w))
        fused: dict[int, float] = {}
        for rows, w in lists:
            for pos, r in enumerate(rows):
                fused[int(r)] = fused.get(int(r), 0.0) + 1.0 / ((pos + 1.0) / w + query.rrf_k - 1)
        best = sorted(fused.items(), key=lambda x: -x[1])[:limit]
        return [Hit(int(self.ids[r]), s, self.dense[r] if with_vectors else None)
                for r, s in best]

    def recommend(self, positive: Sequence[int], negative: Sequence[int] = (), *, limit: int,
                  flt: SearchFilter | None = None) -> list[Hit]:
        mask = self._mask(flt)
        mask = np.ones(len(self.ids), bool) if mask is None else mask
        for i in (*positive, *negative):
            mask[self.row[int(i)]] = False
        pos = (self.dense @ self.dense[[self.row[int(i)] for i in positive]].T).max(axis=1)
        score = pos
        if negative:
            neg = (self.dense @ self.dense[[self.row[int(i)] for i in negative]].T).max(axis=1)
            score = np.where(pos > neg, pos, -(neg**2))
        rows = self._top(score, mask, limit)
        return [Hit(int(self.ids[r]), float(score[r])) for r in rows]

    def payloads(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return {}

    def count(self) -> int:
        return len(self.ids)

    def upsert(self, batch: PointBatch) -> None:  # pragma: no cover - read-only reference
        raise NotImplementedError

    def set_payloads(self, payloads: Mapping[int, dict[str, Any]]) -> None:  # pragma: no cover
        raise NotImplementedError

    def delete(self, ids: Sequence[int]) -> None:  # pragma: no cover
        raise NotImplementedError

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass


# --- data ----------------------------------------------------------------------------------------


def write_catalog_data(folder: Path, seed: int, change: int = 0) -> pd.DataFrame:
    """The real catalogue in the Instacart layout with seeded synthetic prices, and the 10,166
    real Instacart baskets of ``BASKETS`` as orders (one shopper each) so that products have
    their real popularity (one order when the baskets are absent).

    ``change`` > 0 renames that many products, drops one and adds one (for the incremental
    rebuild)."""
    products = _products(CATALOG, LoadReport("instacart"))
    rng = np.random.default_rng(seed)
    products["price"] = np.round(rng.lognormal(1.2, 0.7, len(products)), 2)
    if change:
        pick = rng.choice(len(products), size=change + 1, replace=False)
        for i in pick[:change]:
            products.loc[i, "product_name"] = products.loc[i, "product_name"] + " Family Size"
        products = products.drop(index=pick[change]).reset_index(drop=True)
        extra = products.iloc[[0]].copy()
        extra["product_id"] = int(products["product_id"].max()) + 1
        extra["product_name"] = "Cartwise Benchmark Oat Crunch Granola"
        products = pd.concat([products, extra], ignore_index=True)
    folder.mkdir(parents=True, exist_ok=True)
    products[["product_id", "product_name", "aisle_id", "department_id", "price"]].to_csv(
        folder / "products.csv", index=False)
    shutil.copy(CATALOG / "aisles.csv", folder / "aisles.csv")
    shutil.copy(CATALOG / "departments.csv", folder / "departments.csv")
    header = ("order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,"
              "days_since_prior_order\n")
    if BASKETS.is_file():
        lines = pd.read_csv(BASKETS)
        lines = lines[lines["product_id"].isin(products["product_id"])]
        order_ids = np.unique(lines["order_id"].to_numpy())
        (folder / "orders.csv").write_text(header + "".join(
            f"{o},{o},prior,1,0,10,\n" for o in order_ids), encoding="utf-8")
        lines.to_csv(folder / "order_products__prior.csv", index=False)
        return products
    (folder / "orders.csv").write_text(header + "1,1,prior,1,0,10,\n", encoding="utf-8")
    first = int(products["product_id"].iloc[0])
    (folder / "order_products__prior.csv").write_text(
        f"order_id,product_id,add_to_cart_order,reordered\n1,{first},1,0\n", encoding="utf-8")
    return products


# --- measurements --------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pct(ms: Sequence[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def measure(ps: ProductSearch, queries: Sequence[Mapping[str, Any]], names: Sequence[str],
            similar_ids: Sequence[int], passes: int) -> dict[str, Any]:
    texts = [q["query"] for q in queries]
    for t in texts[:5]:  # warm-up: first model call, first query
        ps.search(t, k=5)
    out: dict[str, Any] = {}
    conds: dict[str, dict[str, Any]] = {
        "none": {},
        "dept": {},
        "price": {"min_price": PRICE_FILTER[0], "max_price": PRICE_FILTER[1]},
    }
    catalog = ps.catalog
    for name, kw in conds.items():
        ms = []
        for _ in range(passes):
            for i, t in enumerate(texts):
                args = dict(kw)
                if name == "dept":
                    args["department"] = DEPARTMENT_FILTERS[i % len(DEPARTMENT_FILTERS)]

                def run(t: str = t, args: dict[str, Any] = args) -> Any:
                    # the filter is resolved in the timed call, as a tool does
                    return ps.search(t, k=5, where=catalog.product_filter(**args))

                ms.append(timed(run)[0])
        out[f"search_{name}"] = pct(ms)
    emb = [timed(lambda t=t: ps.embedder.encode_query(t))[0] for t in texts * passes]
    out["embed_query"] = pct(emb)
    sim = [timed(lambda i=i: ps.similar([i], k=5))[0] for i in similar_ids]
    out["similar"] = pct(sim)
    sim2 = [timed(lambda i=i, j=j: ps.similar([i], [j], k=5))[0]
            for i, j in zip(similar_ids[::2], similar_ids[1::2], strict=False)]
    out["similar_neg"] = pct(sim2)
    res = []
    for n in names:
        def resolve(n: str = n) -> None:
            with contextlib.suppress(UnknownProduct):
                ps.resolve(n)
        res.append(timed(resolve)[0])
    out["resolve"] = pct(res)
    return out


def paired_latency(ps: ProductSearch, texts: Sequence[str], passes: int
                   ) -> dict[str, tuple[float, float]]:
    """p50 / p99 (ms) of unfiltered searches over ``texts`` with the settings' re-ranking and
    without it, interleaved query by query so that both see the same machine load."""
    reranked = ps.reranking
    base = sq.without_reranking(ps).reranking
    ms: dict[str, list[float]] = {"re-ranked": [], "fused + name only": []}
    for _ in range(passes):
        for t in texts:
            for name, w in (("re-ranked", reranked), ("fused + name only", base)):
                ps.reranking = w
                ms[name].append(timed(lambda t=t: ps.search(t, k=5))[0])
    ps.reranking = reranked
    return {k: pct(v) for k, v in ms.items()}


def retail_quality(work: Path, embedder: Any, threads: int,
                   set_names: Sequence[str] = ("tune", "report")) -> dict[str, Any]:
    """Precision@5 on the Online Retail II query sets ``set_names`` over an index of its
    product names, with and without re-ranking, the issue's three examples and the close-match
    signal."""
    data_dir = work / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    for f in sq.retail_files():
        if not (data_dir / f.name).is_file():
            shutil.copy(f, data_dir / f.name)
    settings = get_settings(home=work / "home", data_dir=data_dir, vector_store="embedded",
                            embedding_threads=threads)
    store = Store(settings.store_path)
    with store.lock():
        build_data_stage(store, resolve_source(data_dir))
        build_retrieval_stage(store, settings, embedder=embedder)
    ps = load_retrieval(store, settings, load_catalog(store), embedder=embedder)
    sets = {name: sq.load_queries(f"online_retail_{name}") for name in set_names}
    out: dict[str, Any] = {"products": len(ps), "sets": sets, "scores": {}, "examples": {}}

    def top5(text: str) -> list[Any]:
        return ps.search(text, k=5)

    def relevant(hit: Any, q: Mapping[str, Any]) -> bool:
        return sq.name_relevant(hit.product.name, q)

    for variant in ("re-ranked", "fused + name only"):
        if variant != "re-ranked":
            sq.without_reranking(ps)
        for name, qset in sets.items():
            out["scores"][(variant, name)], detail = sq.precision_by_kind(
                top5, qset, relevant, sq.retail_denominators(ps, qset))
            out.setdefault("details", {})[(variant, name)] = detail
        out["examples"][variant] = {
            q: [h.product.name for h in ps.search(q, k=3)] for q in sq.RETAIL_EXAMPLES}
        out["watch"] = out.get("watch", {}) | {
            variant: sq.rank_of(ps, "candle holder", sq.RETAIL_WATCH)}
        if variant == "re-ranked":
            out["close"] = sq.close_signal(ps, [q for qs in sets.values() for q in qs])
    ps.close()
    return out


def resolution_quality(ps: ProductSearch, catalog: pd.DataFrame, rng: np.random.Generator,
                       n: int = 200) -> dict[str, float]:
    """Share of sampled product names resolved to that product: as written (lower case), with
    one character dropped (a typo), and share of nonsense strings reported as not found."""
    rows = rng.choice(len(catalog), size=n, replace=False)
    exact = typo = 0
    for r in rows:
        name, pid = str(catalog["name"].iat[r]), int(catalog["product_id"].iat[r])
        try:
            res = ps.resolve(name.lower())
            ids = {res.product.product_id} | {
                a.product_id for a, c in zip(res.alternatives, res.alternative_confidences,
                                             strict=True) if c >= res.confidence}
            exact += pid in ids
        except UnknownProduct:
            pass
        words = name.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        w = words[longest]
        if len(w) >= 5:
            j = len(w) // 2
            words[longest] = w[:j] + w[j + 1:]
        try:
            res = ps.resolve(" ".join(words))
            typo += res.product.product_id == pid or any(a.product_id == pid
                                                         for a in res.alternatives[:2])
        except UnknownProduct:
            pass
    nonsense = ["zqxv blorft", "qwerty uiop", "xylophone repair kit", "jet engine", "lorem ipsum"]
    nf = 0
    for s in nonsense:
        try:
            ps.resolve(s)
        except UnknownProduct:
            nf += 1
    return {"names": exact / n, "typos": typo / n, "nonsense_not_found": nf / len(nonsense)}


# --- main ----------------------------------------------------------------------------------------


def catalog_store(work: Path, args: argparse.Namespace
                  ) -> tuple[Path, Settings, Store, Embedder]:
    """The real catalogue written as demo data under ``work/data``, and the settings, store
    (``work/home``, embedded backend) and embedder the benchmark builds it with."""
    data_dir = work / "data"
    write_catalog_data(data_dir, args.seed)
    settings = get_settings(home=work / "home", data_dir=data_dir, vector_store="embedded",
                            embedding_threads=args.threads)
    return data_dir, settings, Store(settings.store_path), make_embedder(settings)


def quick(args: argparse.Namespace) -> None:
    """``--quick``: precision@5 on the tuning sets (Instacart, Online Retail II), edge backend,
    re-ranked and with fused and name scores only, printed (the report sets are not read)."""
    logging.basicConfig(level=logging.WARNING)
    work = args.work or Path(tempfile.mkdtemp(prefix="cw-bench-retrieval-"))
    data_dir, settings, store, embedder = catalog_store(work, args)
    with store.lock():
        build_data_stage(store, resolve_source(data_dir))
        build_retrieval_stage(store, settings, embedder=embedder)
    ps = load_retrieval(store, settings, load_catalog(store), embedder=embedder)
    tune = sq.load_queries("instacart_tune")
    n = {k: sum(q["kind"] == k for q in tune) for k in sq.KINDS}
    rows = []
    for variant in ("re-ranked", "fused + name only"):
        if variant != "re-ranked":
            sq.without_reranking(ps)
        scores, detail = sq.precision_by_kind(lambda t: ps.search(t, k=5), tune,
                                              sq.aisle_relevant)
        rows.append(sq.table_rows(f"instacart, {variant}, tune", scores, n))
        if args.show and variant == "re-ranked":
            for qtext, p, top in detail:
                if p < 1:
                    print(f"{p:.1f}  {qtext!r}: {top}")
    ps.close()
    if sq.retail_files():
        retail = retail_quality(work / "retail", embedder, args.threads, set_names=("tune",))
        rn = {k: sum(q["kind"] == k for q in retail["sets"]["tune"]) for k in sq.KINDS}
        rows += [sq.table_rows(f"online retail, {variant}, tune", sc, rn)
                 for (variant, _), sc in retail["scores"].items()]
    print(table(["set", "P@5 all", "plain (n)", "misspelled (n)", "descriptive (n)"], rows))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="edge,local,numpy",
                        help="comma-separated: edge, local (qdrant-client local mode), numpy")
    parser.add_argument("--passes", type=int, default=2, help="passes over the queries (latency)")
    parser.add_argument("--local-passes", type=int, default=1, help="passes for local mode")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="embedding worker threads (each runs torch on one thread)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--show", action="store_true", help="print each query's top 5")
    parser.add_argument("--reuse-cache", action="store_true",
                        help="keep the embedding cache of --work (development: the full build "
                        "then does not measure embedding)")
    parser.add_argument("--quick", action="store_true",
                        help="quality on the tuning sets only (edge), printed; no latency, no "
                        "report sets, no report file")
    args = parser.parse_args()
    if args.quick:
        quick(args)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message="Local mode is not recommended")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="cw-bench-retrieval-"))
    load0 = os.getloadavg()

    # --- the real build stage (embedded backend): full, unchanged, incremental ----------------
    data_dir, settings, store, embedder = catalog_store(work, args)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    embedder.warm_up()  # load the model, export the query encoder (once per model): not timed
    if not args.reuse_cache:
        for f in store.cache_dir(CACHE_NAME).glob("embeddings-*.npz"):
            f.unlink()
    with store.lock():
        build_data_stage(store, resolve_source(data_dir), force=True)
        t0 = time.perf_counter()
        full = build_retrieval_stage(store, settings, force=True, embedder=embedder)
        full_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_retrieval_stage(store, settings, embedder=embedder)
        again_s = time.perf_counter() - t0
    n = full.manifest["counts"]["products"]
    embed_s = full.manifest["seconds"]["embedding"]
    precision = embedder.batch_precision

    # CPU time of embedding, which does not depend on what else runs on the machine: on an idle
    # machine the wall time is about CPU time / worker threads.
    sample = [str(t) for t in np.random.default_rng(args.seed).choice(
        pd.read_parquet(store.stage_dir(STAGE) / CATALOG_FILE)["text"].to_numpy(), 5000,
        replace=False)]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    embedder.encode(sample, batch_size=settings.embedding_batch_size)
    cpu_ms = (time.process_time() - cpu0) / len(sample) * 1000
    wall_ms = (time.perf_counter() - wall0) / len(sample) * 1000

    write_catalog_data(data_dir, args.seed, change=2)
    with store.lock():
        build_data_stage(store, resolve_source(data_dir))
        t0 = time.perf_counter()
        inc = build_retrieval_stage(store, settings, embedder=embedder)
        inc_s = time.perf_counter() - t0
    build_rows = [
        ("full build (cold embedding cache)", f"{n:,}", full.manifest["counts"]["embedded"],
         f"{embed_s:.1f}", f"{embed_s / n * 1000:.2f}", f"{full_s - embed_s:.1f}",
         f"{full.manifest['seconds']['index']:.1f}"),
        ("embedding 5,000 sampled products again (CPU time / product: "
         f"{cpu_ms:.2f} ms)", "5,000", "5,000", f"{wall_ms * 5:.1f}", f"{wall_ms:.2f}", "-", "-"),
        ("rebuild, nothing changed", f"{n:,}", 0, "0.0", "-", f"{again_s:.1f}", "-"),
        ("rebuild, 2 renamed + 1 removed + 1 added", f"{inc.manifest['counts']['products']:,}",
         inc.manifest["counts"]["embedded"], f"{inc.manifest['seconds']['embedding']:.1f}", "-",
         f"{inc_s - inc.manifest['seconds']['embedding']:.1f}",
         f"{inc.manifest['seconds']['index']:.1f} ({inc.manifest.get('mode')})"),
    ]

    # --- search over each backend ---------------------------------------------------------------
    tune, report = sq.load_queries("instacart_tune"), sq.load_queries("instacart_report")
    queries = tune + report
    folder, manifest = store.open_stage(STAGE, FORMAT_VERSION)
    catalog = pd.read_parquet(folder / CATALOG_FILE)  # the index's frame, row = catalogue row
    shop: Catalog = load_catalog(store)
    popularity = catalog["popularity"].to_numpy(np.int64)
    assert np.array_equal(catalog["product_id"].to_numpy(np.int64), shop.ids), "stale index"
    cache = EmbeddingCache(store.cache_dir(CACHE_NAME), embedder.model_id, embedder.dim)
    vectors, found = cache.lookup([text_key(t) for t in catalog["text"].tolist()])
    assert found.all(), "the embedding cache lacks vectors of the built catalogue"
    spec = IndexSpec.from_dict(manifest["spec"])
    rng = np.random.default_rng(args.seed)
    similar_ids = [int(i) for i in rng.choice(catalog["product_id"].to_numpy(), 200,
                                              replace=False)]
    names = ([str(x).lower() for x in rng.choice(catalog["name"].to_numpy(), 100, replace=False)]
             + [q["query"] for q in queries])
    results: dict[str, dict[str, Any]] = {}
    paired: dict[str, tuple[float, float]] = {}
    quality: dict[tuple[str, str, str], dict[str, float]] = {}
    close: dict[str, float] = {}
    res_quality: dict[str, dict[str, float]] = {}
    details: dict[str, list[tuple[str, float, list[str]]]] = {}
    build_other: dict[str, float] = {}
    for backend in backends:
        log.info("backend %s", backend)
        if backend == "edge":
            ps = load_retrieval(store, settings, shop, embedder=embedder)
            build_other["edge"] = full_s - embed_s
            passes = args.passes
        elif backend == "local":
            from qdrant_client import QdrantClient

            from cartwise.retrieval.index import write_points

            client = QdrantClient(location=":memory:")
            t0 = time.perf_counter()
            qs = QdrantServerStore.create(client, "bench", spec)
            write_points(qs, catalog, vectors)
            qs.finish()
            build_other["local"] = time.perf_counter() - t0
            ps = ProductSearch(qs, embedder, shop, popularity,
                               threshold=settings.product_match_threshold,
                               candidates=settings.search_candidates,
                               reranking=reranking_of(settings), pool=settings.search_pool,
                               vectors=vectors)
            passes = args.local_passes
        elif backend == "numpy":
            t0 = time.perf_counter()
            ns = NumpyStore(catalog, vectors, spec)
            build_other["numpy"] = time.perf_counter() - t0
            ps = ProductSearch(ns, embedder, shop, popularity,  # type: ignore[arg-type]
                               threshold=settings.product_match_threshold,
                               candidates=settings.search_candidates,
                               reranking=reranking_of(settings), pool=settings.search_pool,
                               vectors=vectors)
            passes = args.passes
        else:
            raise SystemExit(f"unknown backend {backend!r}")
        def top5(text: str, ps: ProductSearch = ps) -> list[Any]:
            return ps.search(text, k=5)

        for set_name, qset in (("tune", tune), ("report", report)):
            quality[(backend, "re-ranked", set_name)], detail = sq.precision_by_kind(
                top5, qset, sq.aisle_relevant)
            if set_name == "report":
                details[backend] = detail
        if backend == "edge":
            close = sq.close_signal(ps, queries)
        res_quality[backend] = resolution_quality(ps, catalog, np.random.default_rng(args.seed),
                                                  n=200 if backend != "local" else 50)
        lim = None if backend != "local" else 20
        results[backend] = measure(ps, queries[:lim] if lim else queries,
                                   names[:lim] if lim else names,
                                   similar_ids[:lim] if lim else similar_ids, passes)
        if backend == "edge":  # the ranking before re-ranking, for comparison
            paired = paired_latency(ps, [q["query"] for q in queries], passes)
            sq.without_reranking(ps)
            for set_name, qset in (("tune", tune), ("report", report)):
                quality[(backend, "fused + name only", set_name)], _ = sq.precision_by_kind(
                    top5, qset, sq.aisle_relevant)
        ps.close()
    retail = retail_quality(work / "retail", embedder, args.threads) if sq.retail_files() else None
    load1 = os.getloadavg()

    # --- report -----------------------------------------------------------------------------------
    lat_rows = []
    for b, r in results.items():
        def f(key: str, r: dict[str, Any] = r) -> str:
            return f"{r[key][0]:.1f} / {r[key][1]:.1f}"
        lat_rows.append((b, f"{build_other[b]:.1f}", f("search_none"), f("search_dept"),
                         f("search_price"), f("embed_query"), f("similar"), f("similar_neg"),
                         f("resolve")))
    def counts(qset: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        return {k: sum(q["kind"] == k for q in qset) for k in sq.KINDS}

    n_set = {"tune": counts(tune), "report": counts(report)}
    q_rows = [sq.table_rows(f"{b}, {variant}, {set_name}", q, n_set[set_name])
              for (b, variant, set_name), q in sorted(
                  quality.items(), key=lambda x: (x[0][2] != "report", x[0][0], x[0][1]))]
    r_rows = [(b, f"{r['names']:.2f}", f"{r['typos']:.2f}", f"{r['nonsense_not_found']:.2f}")
              for b, r in res_quality.items()]
    retail_lines: list[str] = []
    if retail:
        rn = {name: counts(qs) for name, qs in retail["sets"].items()}
        retail_rows = [sq.table_rows(f"{variant}, {name}", sc, rn[name])
                       for (variant, name), sc in sorted(retail["scores"].items(),
                                                         key=lambda x: (x[0][1] != "report",
                                                                        x[0][0]))]
        ex = retail["examples"]
        retail_lines = [
            "## Online Retail II product names",
            "",
            f"An index of the {retail['products']:,} products of `{sq.RETAIL}` (both years; "
            "no aisles, so the re-ranking's agreement is measured in embedding space). "
            "Precision@5 over `benchmarks/queries/online_retail_{tune,report}.jsonl`: a result "
            "is relevant when its name has the words the query's labels require (e.g. candle "
            "holder: HOLDER and CANDLE, T-LIGHT or TEALIGHT), divided by min(5, relevant "
            "products).",
            "",
            table(["variant, set", "P@5 all", "plain (n)", "misspelled (n)",
                   "descriptive (n)"], retail_rows),
            "",
            "The issue's examples (top 3):",
            "",
            table(["query", "re-ranked", "fused + name only"],
                  [(q, "; ".join(ex["re-ranked"][q]), "; ".join(ex["fused + name only"][q]))
                   for q in sq.RETAIL_EXAMPLES]),
            "",
            f"{sq.RETAIL_WATCH} for \"candle holder\": rank "
            f"{retail['watch']['re-ranked'] or '> 100'} re-ranked, "
            f"{retail['watch']['fused + name only'] or '> 100'} without (its name has no "
            "\"candle\"; the top 5 are candle holders either way). Close-match signal: "
            f"{retail['close']['nonsense_no_close']:.0%} of {len(sq.NONSENSE)} nonsense "
            f"requests have no close hit; {retail['close']['labelled_some_close']:.0%} of the "
            "labelled queries have one.",
            "",
        ]
    edge_report = quality.get(("edge", "re-ranked", "report"))
    edge_before = quality.get(("edge", "fused + name only", "report"))
    edge = results.get("edge")
    verdict = []
    if edge:
        verdict = [
            (f"- embedding <= 2 ms/product: {'met' if embed_s / n * 1000 <= 2 else 'MISSED'} "
             f"({embed_s / n * 1000:.2f} ms wall, {precision} batches, {args.threads} worker "
             f"threads; {cpu_ms:.2f} ms of CPU time per product, i.e. about "
             f"{cpu_ms / args.threads:.2f} ms wall on {args.threads} idle cores)"
             if full.manifest["counts"]["embedded"] else
             f"- embedding <= 2 ms/product: not measured by the full build (--reuse-cache: "
             f"every vector came from the cache); 5,000 sampled products took {wall_ms:.2f} ms "
             f"wall and {cpu_ms:.2f} ms of CPU time per product"),
            f"- everything besides embedding <= 15 s: "
            f"{'met' if full_s - embed_s <= 15 else 'MISSED'} ({full_s - embed_s:.1f} s)",
            *[f"- search p50 <= 10 ms / p99 <= 30 ms ({k}): "
              f"{'met' if edge[k][0] <= 10 and edge[k][1] <= 30 else 'MISSED'} "
              f"({edge[k][0]:.1f} / {edge[k][1]:.1f} ms)"
              for k in ("search_none", "search_dept", "search_price")],
            f"- similar p50 <= 5 ms: {'met' if edge['similar'][0] <= 5 else 'MISSED'} "
            f"({edge['similar'][0]:.1f} ms)",
        ]
        if edge_report and edge_before:
            verdict += [
                f"- aisle precision@5 >= 0.95 on the report set: "
                f"{'met' if edge_report['all'] >= 0.95 else 'MISSED'} "
                f"({edge_report['all']:.3f}; {edge_before['all']:.3f} without re-ranking)",
                "- literal queries not worse than without re-ranking (report set): "
                + ", ".join(f"{k} {edge_report[k]:.3f} vs {edge_before[k]:.3f} "
                            f"{'ok' if edge_report[k] >= edge_before[k] else 'WORSE'}"
                            for k in ("plain", "misspelled")),
            ]
    choice = []
    if {"edge", "local", "numpy"} <= set(results):
        e, lo, nu = results["edge"], results["local"], results["numpy"]
        choice = [
            "## The embedded default",
            "",
            f"Qdrant Edge: search p50 {e['search_none'][0]:.1f} ms ({e['search_price'][0]:.1f} ms "
            f"with a price filter) against {lo['search_none'][0]:.0f} ms "
            f"({lo['search_price'][0]:.0f} ms) for qdrant-client's local mode and "
            f"{nu['search_none'][0]:.1f} ms ({nu['search_price'][0]:.1f} ms) for a NumPy scan "
            "doing the same hybrid query, at the same precision. Edge is the Qdrant engine "
            "(HNSW, sparse IDF indexes, payload indexes, RRF, recommendations) in-process: it "
            "meets the targets and keeps one query model for both backends, so it is the "
            "embedded default; local mode is kept for testing the server backend's code.",
            "",
        ]
    body = "\n".join([
        f"Catalogue: `{CATALOG}` ({n:,} products; seeded synthetic prices for the price filter "
        "only). Embedding model: "
        f"{embedder.model_id}, {precision} batches, {args.threads} embedding worker threads, "
        f"queries embedded in float32 on one thread with {embedder.query_runtime}.",
        f"Load average (1/5/15 min) at start {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}, at "
        f"end {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} on {os.cpu_count()} cores (the end "
        "figures include this benchmark's own work)"
        + ("; the machine was busy at the start: other processes were running" if load0[0] > 1.0
           else "") + ".",
        "",
        "## Index build (embedded backend, through `build_retrieval_stage`)",
        "",
        table(["build", "products", "embedded", "embedding s", "ms/product",
               "everything else s", "of which index s"], build_rows),
        "",
        "## Latency (ms, p50 / p99; search includes the query embedding)",
        "",
        f"Queries: the {len(queries)} labelled queries x {args.passes} passes "
        f"(local mode: the first 20 x {args.local_passes}); dept filter rotates over "
        f"{', '.join(DEPARTMENT_FILTERS)} (partial names); price filter {PRICE_FILTER[0]:g}.."
        f"{PRICE_FILTER[1]:g}; similar: 200 random products (+ one negative example: 100); "
        "resolve: 100 product names + the queries. Build = everything besides embedding "
        "(edge: the whole stage).",
        "",
        table(["backend", "build s", "search", "search + dept", "search + price",
               "query embedding", "similar", "similar +/-", "resolve"], lat_rows),
        "",
        *([f"What the re-ranking costs (edge, no filter, the same queries interleaved with and "
           f"without it): {paired['re-ranked'][0]:.1f} / {paired['re-ranked'][1]:.1f} ms "
           f"re-ranked against {paired['fused + name only'][0]:.1f} / "
           f"{paired['fused + name only'][1]:.1f} ms with fused and name scores only."]
          if paired else []),
        "",
        "## Quality",
        "",
        "Aisle precision@5 on `benchmarks/queries/instacart_tune.jsonl` (the queries search "
        "was tuned on) and `instacart_report.jsonl` (written before any tuning and never used "
        "to choose a setting): a result is relevant when its aisle is one of the query's "
        "`aisles` or its department one of its `departments`, labels set from where such "
        "products sit in the catalogue. \"re-ranked\" is the default search; \"fused + name "
        "only\" the ranking before re-ranking (`CARTWISE_SEARCH_RERANK=false`). Product "
        "popularity: order lines in the 10,166 real Instacart baskets.",
        "",
        table(["backend, variant, set", "P@5 all", "plain (n)", "misspelled (n)",
               "descriptive (n)"], q_rows),
        "",
        (f"Close-match signal (edge): {close['nonsense_no_close']:.0%} of {len(sq.NONSENSE)} "
         f"nonsense requests ({', '.join(sq.NONSENSE)}) have no close hit in their top 5; "
         f"{close['labelled_some_close']:.0%} of the labelled queries have at least one."
         if close else ""),
        "",
        "Name resolution on 200 sampled product names (local mode: 50), as written and with "
        "one letter dropped from the longest word (right product first, or among the top 3 for "
        "the typos), and 5 nonsense strings (share reported not found).",
        "",
        table(["backend", "resolve names", "resolve typos", "nonsense not found"], r_rows),
        "",
        *retail_lines,
        *choice,
        "## Targets (edge, the embedded default)",
        "",
        *verdict,
        f"- peak RSS {peak_rss_mb():,.0f} MiB",
    ])
    if args.show:
        for b, rows in details.items():
            print(f"\n== {b} (report set)")
            for qtext, p, top in rows:
                print(f"{p:.1f}  {qtext!r}: {top}")
    write_report("retrieval", "Retrieval benchmark", body)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
