"""The one place where Cartwise's parts are wired together.

``build_services(settings)`` opens the built store and checks, cheaply, that every stage is there
in the format this Cartwise reads, with every file its writer wrote at the size it was written (a
missing or old store, or a missing or truncated file, fails at once, naming it). Each part is
loaded the first time something asks for it, once, and then kept: the catalogue (products,
departments, shoppers), then over it the recommenders, the analytics and the product search (Qdrant
over the product embeddings, with the query embedder). A command that needs only the recommenders
never loads the embedding model; a server warms every part in the background
(:meth:`Services.warm`) and reports which are still warming (:meth:`Services.status`). Nothing is
loaded at import.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cartwise.config import Settings
from cartwise.errors import CartwiseError, StoreError, WarmingUp
from cartwise.stages import STAGE_FORMATS
from cartwise.store import Store

if TYPE_CHECKING:  # the parts load lazily: importing this module stays cheap (the tools, and
    # through them the planner, import it)
    from cartwise.analytics.service import Analytics
    from cartwise.catalog import Catalog
    from cartwise.recsys.service import Recommenders
    from cartwise.retrieval.embedder import Embedder
    from cartwise.retrieval.search import ProductSearch

log = logging.getLogger(__name__)

#: The parts, in the order :meth:`Services.warm` loads them: the catalogue first (every other
#: part is built over it), the query embedder before the product search (which uses it).
PARTS: tuple[str, ...] = ("catalog", "recommenders", "analytics", "embedder", "search")

#: A part's state: ``idle`` (not asked for yet), ``warming`` (loading), ``ok``, ``failed``.
IDLE, WARMING, OK, FAILED = "idle", "warming", "ok", "failed"


@dataclass
class PartStatus:
    """One part's state (``idle`` / ``warming`` / ``ok`` / ``failed``), the seconds its load
    took (once finished) and, when it failed, the error's message."""

    state: str = IDLE
    seconds: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class _Part:
    load: Callable[[], Any]
    lock: threading.Lock = field(default_factory=threading.Lock)
    value: Any = None
    loaded: bool = False
    error: CartwiseError | None = None
    status: PartStatus = field(default_factory=PartStatus)


class Services:
    """The parts of one built store, each loaded on first use (thread-safe: two threads asking
    for the same part load it once; the second waits for the first).

    Attributes:
        settings: the settings they are loaded with.
        store: the model store.
        catalog: the one product catalogue (ids, entries, departments, prices, shoppers).
        recommenders: recommendations, similar items and users, best sellers.
        analytics: the shopper analytics (served from the precomputed stage).
        embedder: the query embedder of the product index (the offline planner shares it;
            loading it does not open the index).
        search: semantic product search, similar products, name resolution.
        load_seconds: seconds each part loaded so far took to load.
        manifests: each stage's manifest as it was when the services were opened (what is
            served, read once: operational routes report from it without touching the disk).
        wait_seconds: how long asking for a part another thread is loading waits for it before
            :class:`~cartwise.errors.WarmingUp` is raised (``Settings.warm_wait``).

    A part whose load fails raises the same :class:`~cartwise.errors.StoreError` (or other
    project error) to every caller that asks for it, and :meth:`status` reports it.
    """

    def __init__(self, settings: Settings, store: Store,
                 manifests: dict[str, dict[str, Any]] | None = None,
                 loaders: dict[str, Callable[[Services], Any]] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.manifests = manifests or {}
        self.load_seconds: dict[str, float] = {}
        self.wait_seconds = settings.warm_wait
        self._closed = False
        self._state_lock = threading.Lock()
        loaders = {**_LOADERS, **(loaders or {})}
        self._parts = {name: _Part(load=(lambda fn=loaders[name]: fn(self))) for name in PARTS}

    # ------------------------------------------------------------------ the parts

    @property
    def catalog(self) -> Catalog:
        return self.part("catalog")  # type: ignore[no-any-return]

    @property
    def recommenders(self) -> Recommenders:
        return self.part("recommenders")  # type: ignore[no-any-return]

    @property
    def analytics(self) -> Analytics:
        return self.part("analytics")  # type: ignore[no-any-return]

    @property
    def embedder(self) -> Embedder:
        return self.part("embedder")  # type: ignore[no-any-return]

    @property
    def search(self) -> ProductSearch:
        return self.part("search")  # type: ignore[no-any-return]

    def part(self, name: str) -> Any:
        """The part ``name`` (one of :data:`PARTS`), loaded now if nobody has yet.

        Raises:
            StoreError: the part's stage is missing, incompatible or damaged (the same error,
                each time it is asked for), or these services are closed.
            WarmingUp: another thread has been loading the part for longer than
                ``wait_seconds``.
        """
        p = self._parts[name]
        if p.loaded:
            return p.value
        if not p.lock.acquire(timeout=self.wait_seconds):
            raise WarmingUp(name, self.wait_seconds)
        try:
            if p.loaded:
                return p.value
            if p.error is not None:
                raise _again(p.error)
            if self._closed:
                raise StoreError(f"the services of {self.store.root} are closed")
            return self._load(name, p)
        finally:
            p.lock.release()

    def _load(self, name: str, p: _Part) -> Any:
        p.status = PartStatus(WARMING)
        t0 = time.perf_counter()
        try:
            value = p.load()
        except CartwiseError as exc:
            p.error = exc
            p.status = PartStatus(FAILED, round(time.perf_counter() - t0, 3), str(exc))
            log.error("cannot load the %s: %s", name, exc)
            raise
        except BaseException as exc:  # an unexpected failure: reported, then raised as is
            p.status = PartStatus(FAILED, round(time.perf_counter() - t0, 3),
                                  f"{type(exc).__name__}: {exc}")
            raise
        seconds = round(time.perf_counter() - t0, 3)
        with self._state_lock:
            p.value, p.loaded = value, True
            p.status = PartStatus(OK, seconds)
            self.load_seconds[name] = seconds
            closed = self._closed
        log.info("loaded the %s in %.2f s", name, seconds)
        if closed:  # closed while it was loading: release it at once
            _close(value)
        return value

    def peek(self, name: str) -> Any:
        """The part ``name`` if it is loaded, else None (never loads nor waits)."""
        p = self._parts[name]
        return p.value if p.loaded else None

    def loaded(self) -> tuple[str, ...]:
        """The parts loaded so far, in :data:`PARTS` order."""
        return tuple(name for name in PARTS if self._parts[name].loaded)

    def status(self) -> dict[str, PartStatus]:
        """Every part's state: ``idle``, ``warming``, ``ok`` or ``failed`` (with the error)."""
        return {name: self._parts[name].status for name in PARTS}

    def warm(self, parts: Iterable[str] = PARTS) -> None:
        """Load ``parts`` (default: all) now, in :data:`PARTS` order, each once.

        Every part is tried; the first failure is raised after the others were tried.

        Raises:
            CartwiseError: a part failed to load (:meth:`status` names each).
        """
        first: CartwiseError | None = None
        wanted = set(parts)
        for name in PARTS:
            if name not in wanted:
                continue
            try:
                self.part(name)
            except CartwiseError as exc:
                first = first or exc
        if first is not None:
            raise first

    def close(self) -> None:
        """Release what was loaded (the product index; the other parts hold only memory); a
        part still loading is released when its load finishes."""
        with self._state_lock:
            self._closed = True
            loaded = [p.value for p in self._parts.values() if p.loaded]
        for value in loaded:
            _close(value)


def _again(exc: CartwiseError) -> CartwiseError:
    """The recorded failure ``exc`` to raise once more, without growing its traceback."""
    return exc.with_traceback(None)


def _close(value: Any) -> None:
    close = getattr(value, "close", None)
    if callable(close):
        close()


# ---------------------------------------------------------------------- loading each part


def _load_catalog(s: Services) -> Catalog:
    from cartwise.catalog import load_catalog

    return load_catalog(s.store, s.settings.currency)


def _load_recommenders(s: Services) -> Recommenders:
    from cartwise.recsys.stage import load_recsys

    return load_recsys(s.store, s.catalog)


def _load_analytics(s: Services) -> Analytics:
    from cartwise.analytics.stage import load_analytics

    return load_analytics(s.store, s.catalog)


def _load_embedder(s: Services) -> Embedder:
    from cartwise.retrieval.embedder import make_embedder

    embedder = make_embedder(s.settings)
    embedder.warm_up()
    return embedder


def _load_search(s: Services) -> ProductSearch:
    from cartwise.retrieval.stage import load_retrieval

    return load_retrieval(s.store, s.settings, s.catalog, embedder=s.embedder)


_LOADERS: dict[str, Callable[[Services], Any]] = {
    "catalog": _load_catalog,
    "recommenders": _load_recommenders,
    "analytics": _load_analytics,
    "embedder": _load_embedder,
    "search": _load_search,
}


def check_store(store: Store) -> dict[str, dict[str, Any]]:
    """Every stage's manifest, checked: present, in the format this Cartwise reads, and every
    file the stage's writer wrote there with its size (:meth:`Store.check_files`). Reads only
    the manifests and stats the files (milliseconds).

    Raises:
        StoreError: a stage is missing (run ``cartwise build``), was written in another format
            version (the same errors the stages raise when they are opened), or lacks a file or
            has one of another size (naming the stage and the file).
    """
    manifests = {}
    for name, version in STAGE_FORMATS.items():
        folder, manifests[name] = store.open_stage(name, version)
        store.check_files(name, folder, manifests[name])
    return manifests


def build_services(settings: Settings, store: Store | None = None,
                   warm: bool = False) -> Services:
    """The services of the store at ``settings.store_path`` (or ``store``): checked now, each
    part loaded on first use (``warm``: load every part now).

    Raises:
        StoreError: a stage is missing or incompatible (run ``cartwise build``), or one of its
            files is missing or damaged (named); with ``warm``,
            also a stage that does not load (damaged, built from another catalogue).
    """
    store = store or Store(settings.store_path)
    services = Services(settings, store, check_store(store))
    if warm:
        try:
            services.warm()
        except BaseException:
            services.close()
            raise
        log.info("services loaded from %s (%s)", store.root,
                 ", ".join(f"{k} {v:.2f} s" for k, v in services.load_seconds.items()))
    return services
