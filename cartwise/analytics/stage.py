"""The "analytics" build stage: precomputed shopper analytics in the model store.

:func:`build_analytics_stage` reads the store's data stage, computes everything the analytics
serve (:meth:`~cartwise.analytics.calculator.Calculator.precompute`) and publishes it atomically
as the ``analytics`` stage; :func:`load_analytics` loads it into an
:class:`~cartwise.analytics.service.Analytics` over a
:class:`~cartwise.analytics.reader.PrecomputedReader`. The stage's input hash is the data
stage's input hash plus the analytics parameters and :data:`FORMAT_VERSION`: it is rebuilt only
when one of them changes.

Files: ``users.parquet`` (one row per shopper), ``products.parquet`` (one row per product),
``favourites.npz`` and ``partners.npz`` (arrays, no pickle), ``ledger/`` (the order ledger,
one ``.npy`` per array, mapped when served), ``results.json`` (the aggregate results),
``context.json`` (parameters and population facts), ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import TYPE_CHECKING

from cartwise.analytics.affinity import Partners
from cartwise.analytics.calculator import Calculator
from cartwise.analytics.params import AnalyticsParams
from cartwise.analytics.precomputed import Precomputed
from cartwise.analytics.reader import PrecomputedReader
from cartwise.analytics.service import Analytics
from cartwise.analytics.source import catalog_mismatch
from cartwise.catalog import Catalog
from cartwise.data.stage import STAGE as DATA_STAGE
from cartwise.data.stage import load_data
from cartwise.errors import StoreError
from cartwise.stages import STAGE_FORMATS
from cartwise.store import StageResult, Store

if TYPE_CHECKING:
    from cartwise.config import Settings

log = logging.getLogger(__name__)

STAGE = "analytics"
#: Bump when a file's layout or a column's meaning changes; older stages must be rebuilt.
#: 3: lifetime value and churn from the repeat-buying model (``visits`` column, ``clv`` facts).
#: 4: bought-together partners with their evidence (shoppers, p and q values in
#: ``partners.npz``), ranked by the significance-aware score. (Bumped in
#: :data:`cartwise.stages.STAGE_FORMATS`.)
FORMAT_VERSION = STAGE_FORMATS[STAGE]
#: The data tables :func:`load_analytics` reads (the rest is precomputed or in the catalogue).
SERVE_TABLES = ("funnel_users", "funnel_events")


def input_hash(data_hash: str, params: AnalyticsParams) -> str:
    """Hash of everything that decides the stage's output."""
    blob = json.dumps({"data": data_hash, "params": params.to_dict(), "format": FORMAT_VERSION},
                      sort_keys=True)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def _data_hash(store: Store) -> str:
    manifest = store.manifest(DATA_STAGE)
    if manifest is None:
        raise StoreError(f"the store {store.root} has no data stage: run `cartwise build` first")
    return str(manifest.get("input_hash"))


def build_analytics_stage(
    store: Store,
    settings: Settings | None = None,
    force: bool = False,
    params: AnalyticsParams | None = None,
) -> StageResult:
    """Compute and publish the analytics stage, unless it is up to date.

    Args:
        store: the model store; the caller must hold ``store.lock()``.
        settings: source of the ``analytics_*`` parameters (default: the parameter defaults).
        force: rebuild even when up to date.
        params: explicit parameters (win over ``settings``).

    Raises:
        StoreError: the store has no (readable) data stage.
    """
    start = time.perf_counter()
    if params is None:
        params = AnalyticsParams.from_settings(settings) if settings is not None \
            else AnalyticsParams()
    digest = input_hash(_data_hash(store), params)
    current = store.manifest(STAGE)
    if (not force and current is not None and current.get("input_hash") == digest
            and current.get("format_version") == FORMAT_VERSION):
        log.info("analytics stage is up to date (input hash %s)", digest)
        return StageResult(STAGE, False, current, time.perf_counter() - start,
                           dict(current.get("summary", {})), list(current.get("details", [])))

    t0 = time.perf_counter()
    data = load_data(store)
    read_s = time.perf_counter() - t0
    calculator = Calculator(data, params)
    pre = calculator.precompute()
    timings = {"load_data": round(read_s, 2),
               **{k: round(v, 2) for k, v in calculator.timings.items()}}
    summary, details = _summary(pre)
    manifest = {
        "format_version": FORMAT_VERSION,
        "input_hash": digest,
        "data_hash": _data_hash(store),
        "params": params.to_dict(),
        "summary": summary,
        "details": details,
        "has_prices": bool(pre.context["has_prices"]),
        "time_kind": pre.context["time_kind"],
        "timings": timings,
    }
    with store.write_stage(STAGE, manifest) as tmp:
        pre.save(tmp)
    return StageResult(STAGE, True, store.manifest(STAGE) or manifest,
                       time.perf_counter() - start, summary, details, timings)


def _summary(pre: Precomputed) -> tuple[dict[str, int], list[str]]:
    """Counts for the build report, and lines explaining them."""
    ctx = pre.context
    partners = pre.partners
    links = int(len(partners.partner)) if partners is not None else 0
    k = int((ctx.get("kmeans") or {}).get("k", 0))
    summary = {"shoppers": int(ctx["n_users"]), "products": int(ctx["n_products"]),
               "bought-together links": links, "K-means clusters": k}
    details = [
        _partners_detail(partners),
        f"K-means on RFM: k = {k}" if k else
        f"K-means on RFM: no clusters ({(ctx.get('kmeans') or {}).get('reason')})",
        f"time: {ctx['time_note']}",
        _clv_detail(ctx.get("clv") or {}),
    ]
    if not ctx["has_prices"]:
        details.append("no prices in this data: values are counted in items bought")
    return summary, details


def _partners_detail(partners: Partners | None) -> str:
    """The build report's line on bought-together partners: what passed and what a pair needs."""
    if partners is None:
        return "bought together: not computed"
    rules = partners.rules
    found = int(partners.significant.sum()) // 2  # each pair is counted from both sides
    return (f"bought together: {found:,} pairs pass of {partners.n_tests:,} tested (>= "
            f"{rules.min_count} shared baskets, >= {rules.min_shoppers} shoppers, q value <= "
            f"{rules.fdr:g}); {len(partners.partner):,} partner links kept")


def _clv_detail(clv: dict) -> str:
    """The build report's line on lifetime value and churn: the method and why."""
    if clv.get("method") == "bg_nbd+gamma_gamma":
        bg, gg = clv["bg_nbd"], clv["gamma_gamma"]
        return (f"lifetime value and churn: BG/NBD (r {bg['r']:.3g}, alpha {bg['alpha']:.3g} "
                f"days, a {bg['a']:.3g}, b {bg['b']:.3g}) + Gamma-Gamma (p {gg['p']:.3g}, q "
                f"{gg['q']:.3g}, gamma {gg['gamma']:.3g}) on {bg['customers']:,} shoppers' "
                f"visits, fitted in {clv.get('fit_seconds', 0):.1f} s")
    return f"lifetime value and churn: usual-gap fallback ({clv.get('reason')})"


def load_analytics(store: Store, catalog: Catalog) -> Analytics:
    """The analytics of a built store, served from its analytics stage.

    Reads the stage and only the funnel tables of the data stage (not orders or lines): every
    call is then a lookup or a small computation.

    Args:
        catalog: the store's catalogue (:func:`~cartwise.catalog.load_catalog`); the stage's
            products and shoppers must be its products and shoppers.

    Raises:
        StoreError: no analytics stage, another format version, built from older data than
            the store's current data stage, or from other products or shoppers than
            ``catalog``'s.
    """
    folder, manifest = store.open_stage(STAGE, FORMAT_VERSION)
    if manifest.get("data_hash") != _data_hash(store):
        raise StoreError(f"the analytics stage in {store.root} was built from other data than "
                         "its data stage: rebuild it with `cartwise build`")
    # partners.npz and the ledger are written only when there is something to write: only the
    # manifest's file list knows whether one is missing (rather than never built)
    store.check_files(STAGE, folder, manifest)
    pre = Precomputed.load(folder)
    funnel = load_data(store, tables=SERVE_TABLES)
    source = PrecomputedReader(pre, funnel.funnel_users, funnel.funnel_events)
    mismatch = catalog_mismatch(source, catalog)
    if mismatch is not None:
        raise StoreError(f"the analytics stage in {store.root} has other {mismatch} than the "
                         "catalogue: rebuild it with `cartwise build --force`")
    return Analytics(source, catalog)
