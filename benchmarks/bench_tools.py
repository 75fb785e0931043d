"""Tool latency as a person meets it: every tool of the catalogue timed at three depths on a
built store, plus ``GET /health``.

For each tool of :data:`~cartwise.tools.registry.TOOLS`, over the same varied arguments (users,
products by id and by name, queries, filters, groupings):

(a) inner: the service calls the tool makes (name resolution, the catalogue filter and the
    service method), on arguments validated beforehand;
(b) tool layer: ``run_tool`` (argument validation, the call, the result model, the summary),
    alone and with the JSON the agent writes of each result (``for_model`` for the chat model
    and ``model_dump(mode="json")`` for the trace);
(c) HTTP: the tool's REST route over real HTTP: ``cartwise serve --no-ui`` in its own process
    (its default logging: an access line per request, to a file), one httpx keep-alive client
    sending one request at a time.

The store is the demo store (3,000 products; generated and built in the work folder when
missing) or, with ``--data``, an Instacart-layout folder such as the full-scale benchmark data
(``python benchmarks/bench_generate.py --users 200000 --products 50000 --out /tmp/cw_full``),
built into ``WORK/store``. Each of ``--rounds`` rounds times every tool at every depth (the
depths of a tool one after the other on the same arguments); the table pools the rounds, the
targets also give each round's p50 and the load average while it ran.

    python benchmarks/bench_tools.py [--work /tmp/cw-tools] [--calls 200] [--rounds 3]
    python benchmarks/bench_tools.py --data /tmp/cw_full --work /tmp/cw-tools-full
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import loaded_services, percentiles, table, write_report  # noqa: E402

from cartwise.config import Settings, get_settings  # noqa: E402
from cartwise.services import Services  # noqa: E402
from cartwise.tools.memory import ResultMemory, StoredList  # noqa: E402
from cartwise.tools.registry import TOOLS, resolve_product, run_tool  # noqa: E402
from cartwise.tools.render import for_model  # noqa: E402
from cartwise.tools.results import ProductList, is_failure  # noqa: E402

QUERIES = ["almond milk", "gluten free pasta", "dark chocolate", "spicy salsa", "greek yogurt",
           "breakfast cereal", "organic bananas", "sparkling water", "frozen pizza", "dog food",
           "something spicy for tacos", "snacks for kids", "oat milk", "ice cream", "coffee"]
SEARCH_TARGET = (10.0, 15.0)  # ms p50: tool layer, HTTP
OTHER_HTTP_TARGET = 5.0
HEALTH_TARGET = 2.0

Args = dict[str, Any]


def tool_args(services: Services, rng: random.Random) -> dict[str, Callable[[], Args]]:
    """Per tool, a generator of varied raw arguments (known users; products half by id, half by
    name; queries with and without filters)."""
    users = services.recommenders.x.user_ids
    products = services.catalog.ids
    names = services.catalog.names.tolist()
    known = services.catalog.department_names
    common = [d for d in ("produce", "dairy eggs", "snacks", "beverages") if d in known]
    departments: list[str | None] = [None, *(common or known[:4])]

    def user() -> int:
        return int(users[rng.randrange(len(users))])

    def product() -> str:
        i = rng.randrange(len(products))
        return str(int(products[i])) if rng.random() < 0.5 else names[i]

    def search() -> Args:
        args: Args = {"query": rng.choice(QUERIES), "k": rng.choice([5, 10])}
        roll = rng.random()
        if roll < 0.2:
            args["department"] = rng.choice(departments[1:])
        elif roll < 0.4:
            args["max_price"] = rng.choice([3.0, 5.0, 10.0])
        return args

    return {
        "recommend_products": lambda: {"user_id": user(), "k": rng.choice([5, 10]),
                                       "strategy": rng.choice(["hybrid", "hybrid", "als",
                                                               "item_cf", "popularity",
                                                               "repeat"])},
        "search_products": search,
        "similar_products": lambda: {"product": product(), "k": 5},
        "frequently_bought_together": lambda: {"product": product(), "k": 5},
        "popular_products": lambda: {"k": 10, "department": rng.choice(departments)},
        "similar_users": lambda: {"user_id": user(), "k": 5},
        "user_profile": lambda: {"user_id": user()},
        "product_details": lambda: {"product": product()},
        "customer_segments": lambda: {},
        "churn_risk": lambda: {"user_id": user()} if rng.random() < 0.5 else {"k": 10},
        "lifetime_value": lambda: {"user_id": user()} if rng.random() < 0.5 else {"k": 10},
        "customer_journey": lambda: {},
        "funnel_analysis": lambda: {"by": rng.choice([None, "device", "sex", "week"])},
        "order_trends": lambda: {"by": rng.choice(["dow", "hour", "week", "month"])},
        "sales_summary": lambda: {"by": rng.choice(["month", "week", "day", "dow", "hour",
                                                    "department", "aisle"]),
                                  "compare": rng.random() < 0.7},
        "purchase_history": lambda: {"user_id": user(), "orders": rng.choice([3, 5, 10])},
        "cohort_retention": lambda: {"by": rng.choice(["month", "week"]),
                                     "metric": rng.choice(["shoppers", "revenue"])},
        "detect_anomalies": lambda: {"metric": rng.choice(["orders", "revenue", "shoppers",
                                                           "aov"]),
                                     "by": rng.choice(["day", "week"]), "k": 10},
        "business_insights": lambda: {"period": rng.choice(["week", "month"])},
        "refine_results": lambda: rng.choice([
            {"sort_by": "price", "order": "asc", "k": 1}, {"max_price": 5.0},
            {"position": rng.randrange(1, 6)}, {"sort_by": "popularity", "k": 3},
            {"department": rng.choice(departments[1:])}]),
    }


def inner_call(services: Services, name: str, a: Any) -> Callable[[], Any]:
    """The service calls tool ``name`` makes for validated arguments ``a`` (None: the tool has
    no service call of its own)."""
    cat, rec, search, an = (services.catalog, services.recommenders, services.search,
                            services.analytics)

    def product_id() -> int:
        return resolve_product(services, a.product)[0].product_id

    calls: dict[str, Callable[[], Any]] = {
        "recommend_products": lambda: rec.recommend(
            a.user_id, a.k, a.strategy, cat.product_filter(a.department, a.min_price,
                                                           a.max_price), a.exclude_purchased),
        "search_products": lambda: search.search(
            a.query, a.k, cat.product_filter(a.department, a.min_price, a.max_price)),
        "similar_products": lambda: search.similar([product_id()], k=a.k),
        "frequently_bought_together": lambda: an.frequently_bought_together(product_id(),
                                                                            a.k),
        "popular_products": lambda: rec.popular(a.k, cat.product_filter(a.department)),
        "similar_users": lambda: rec.similar_users(a.user_id, a.k),
        "user_profile": lambda: an.user_profile(a.user_id),
        "product_details": lambda: an.product_details(product_id()),
        "customer_segments": lambda: an.customer_segments(),
        "churn_risk": lambda: an.churn_risk(a.user_id, a.k),
        "lifetime_value": lambda: an.lifetime_value(a.user_id, a.k),
        "customer_journey": lambda: an.customer_journey(),
        "funnel_analysis": lambda: an.funnel_analysis(a.device, a.sex, a.by),
        "order_trends": lambda: an.order_trends(a.by),
        "sales_summary": lambda: an.sales.sales_summary(a.by, a.start, a.end, a.compare),
        "purchase_history": lambda: an.sales.purchase_history(a.user_id, a.orders),
        "cohort_retention": lambda: an.sales.cohort_retention(a.by, a.periods, a.metric),
        "detect_anomalies": lambda: an.sales.detect_anomalies(a.metric, a.by, a.k),
        "business_insights": lambda: an.business_insights(a.period),
    }
    return calls[name]


def route(services: Services, name: str, args: Args) -> tuple[str, dict[str, Any]] | None:
    """The REST route (path, query parameters) answering tool ``name`` for ``args``; None when
    the tool has no route (``refine_results`` works on a conversation's lists)."""
    a = {k: v for k, v in args.items() if v is not None}

    def pid() -> int:
        return resolve_product(services, a.pop("product"))[0].product_id

    paths: dict[str, Callable[[], str]] = {
        "recommend_products": lambda: f"/recommendations/{a.pop('user_id')}",
        "search_products": lambda: "/products/search",
        "similar_products": lambda: f"/products/{pid()}/similar",
        "frequently_bought_together": lambda: f"/products/{pid()}/bought-together",
        "popular_products": lambda: "/products/popular",
        "similar_users": lambda: f"/users/{a.pop('user_id')}/similar",
        "user_profile": lambda: f"/users/{a.pop('user_id')}/profile",
        "product_details": lambda: f"/products/{pid()}",
        "customer_segments": lambda: "/analytics/segments",
        "churn_risk": lambda: "/analytics/churn",
        "lifetime_value": lambda: "/analytics/ltv",
        "customer_journey": lambda: "/analytics/journey",
        "funnel_analysis": lambda: "/analytics/funnel",
        "order_trends": lambda: "/analytics/trends",
        "sales_summary": lambda: "/analytics/sales",
        "purchase_history": lambda: f"/users/{a.pop('user_id')}/orders",
        "cohort_retention": lambda: "/analytics/cohorts",
        "detect_anomalies": lambda: "/analytics/anomalies",
        "business_insights": lambda: "/analytics/insights",
    }
    if name not in paths:
        return None
    path = paths[name]()
    if name == "search_products":
        a["q"] = a.pop("query")
    return path, a


def refine_memory(services: Services) -> ResultMemory:
    """A conversation's lists for ``refine_results``: a search and a user's recommendations."""
    user = int(services.recommenders.x.user_ids[0])
    lists = []
    for tool, args in (("recommend_products", {"user_id": user, "k": 10}),
                       ("search_products", {"query": "yogurt", "k": 10})):
        result = run_tool(services, tool, args)
        assert isinstance(result, ProductList)
        lists.append(StoredList(tool, args, result))
    return ResultMemory(lists)


def agent_json(result: Any) -> None:
    """The JSON the agent writes of a result: what the chat model reads and the trace."""
    for_model(result)
    result.model_dump(mode="json")


def ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``cartwise serve --no-ui`` on a free port in its own process (its default logging, to
    ``log``); ``url`` once it answers ``/health``."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        store = settings.store_path.resolve()
        env = {**os.environ, "CARTWISE_STORE_DIR": str(store),
               "CARTWISE_DATA_DIR": str(settings.data_path.resolve()),
               "CARTWISE_PORT": str(self.port), "CARTWISE_HOST": "127.0.0.1",
               "CARTWISE_SESSIONS": "memory"}
        self._log = log.open("w")
        # run from the store's folder: the package is the one this process imports (its
        # install or PYTHONPATH), not a checkout that happens to be the current directory
        self.proc = subprocess.Popen([sys.executable, "-m", "cartwise.cli", "serve", "--no-ui"],
                                     env=env, cwd=store.parent, stdout=subprocess.DEVNULL,
                                     stderr=self._log)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: see {self._log.name}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.3)

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


Samples = dict[str, dict[str, list[list[float]]]]  # tool -> depth -> per round: ms


def bench_round(services: Services, http: httpx.Client, calls: int, seed: int,
                samples: Samples, problems: dict[str, int]) -> None:
    """One round: every tool at every depth on ``calls`` varied arguments, and /health."""
    gens = tool_args(services, random.Random(seed))
    memory = refine_memory(services)
    for name, spec in TOOLS.items():
        raw = [gens[name]() for _ in range(calls)]
        parsed = [spec.args.model_validate(x) for x in raw]
        depth = samples.setdefault(name, {})
        mem = memory if spec.uses_memory else None
        if not spec.uses_memory:
            inner = [inner_call(services, name, a) for a in parsed]
            inner[0]()  # warm-up
            ms = []
            for call in inner:
                t0 = time.perf_counter()
                call()
                ms.append(ms_since(t0))
            depth.setdefault("inner", []).append(ms)
        run_tool(services, name, raw[0], mem)  # warm-up
        ms, with_json = [], []
        for x in raw:
            t0 = time.perf_counter()
            result = run_tool(services, name, x, mem)
            ms.append(ms_since(t0))
            agent_json(result)
            with_json.append(ms_since(t0))
            problems[name] = problems.get(name, 0) + is_failure(result)
        depth.setdefault("tool", []).append(ms)
        depth.setdefault("tool_json", []).append(with_json)
        requests = [route(services, name, x) for x in raw]
        if requests[0] is None:
            continue
        http.get(requests[0][0], params=requests[0][1])  # warm-up
        ms = []
        for req in requests:
            assert req is not None
            t0 = time.perf_counter()
            resp = http.get(req[0], params=req[1])
            resp.content  # noqa: B018 - read the whole body
            ms.append(ms_since(t0))
            if resp.status_code != 200:
                problems[f"{name} HTTP {resp.status_code}"] = problems.get(
                    f"{name} HTTP {resp.status_code}", 0) + 1
        depth.setdefault("http", []).append(ms)
    http.get("/health")
    ms = []
    for _ in range(calls):
        t0 = time.perf_counter()
        http.get("/health").content  # noqa: B018
        ms.append(ms_since(t0))
    samples.setdefault("/health", {}).setdefault("http", []).append(ms)


def pooled(rounds: list[list[float]] | None) -> str:
    return percentiles([v for r in rounds for v in r]) if rounds else "-"


def p50(values: list[float]) -> float:
    return float(np.percentile(values, 50))


def p50_all(rounds: list[list[float]]) -> float:
    return p50([v for r in rounds for v in r])


def per_round(rounds: list[list[float]]) -> str:
    return ", ".join(f"{p50(r):.1f}" for r in rounds)


def target_line(label: str, rounds: list[list[float]], target: float) -> str:
    value = p50_all(rounds)
    return (f"- {label} p50 <= {target:g} ms: {'met' if value <= target else 'MISSED'} "
            f"({value:.1f} ms; per round {per_round(rounds)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="Instacart-layout data folder (default: the "
                                                  "demo data, generated into WORK/demo)")
    parser.add_argument("--work", type=Path, help="folder for the data and the store (default: "
                                                  "temporary; reused when given)")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per tool and depth "
                                                               "in each round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cw-bench-tools-"))
    settings = (get_settings(data_dir=args.data, store_dir=work / "store", sessions="memory")
                if args.data else get_settings(home=work, sessions="memory"))
    services, build_s, load_s = loaded_services(settings)
    samples: Samples = {}
    problems: dict[str, int] = {}
    loads = []
    try:
        with (Server(settings, work / "bench-tools-server.log") as server,
              httpx.Client(base_url=server.url, timeout=60) as http):
            for n in range(args.rounds):
                before = os.getloadavg()[0]
                t0 = time.perf_counter()
                bench_round(services, http, args.calls, 7 + n, samples, problems)
                loads.append(f"round {n + 1}: {time.perf_counter() - t0:.0f} s, load average "
                             f"{before:.1f} -> {os.getloadavg()[0]:.1f}")
                print(loads[-1], flush=True)
    finally:
        services.close()
    rows = []
    for name, depth in samples.items():
        rows.append((name, pooled(depth.get("inner")), pooled(depth.get("tool")),
                     pooled(depth.get("tool_json")), pooled(depth.get("http"))))
    search, health = samples["search_products"], samples["/health"]["http"]
    others = {n: d["http"] for n, d in samples.items()
              if n not in ("search_products", "/health") and "http" in d}
    worst = max(others, key=lambda n: p50_all(others[n]))
    missed = [n for n in others if p50_all(others[n]) > OTHER_HTTP_TARGET]
    data = f"`{args.data}`" if args.data else "the demo data"
    body = "\n\n".join([
        f"Data: {data} ({len(services.catalog):,} products, "
        f"{services.recommenders.x.n_users:,} shoppers). Store: `{settings.store_path}` "
        f"(built or checked in {build_s:.1f} s; services loaded in {load_s:.1f} s).",
        f"{args.rounds} rounds x {args.calls} calls per tool and depth, varied arguments; "
        "machine load while measuring: " + "; ".join(loads) + ".",
        "## Latency (ms, p50 / p95 / p99, all rounds pooled)\n\n"
        "inner = the service calls the tool makes (validated arguments); run_tool = "
        "validation, call, result model, summary; + JSON = and the agent's JSON of the result "
        "(`for_model` and `model_dump(mode=\"json\")`); HTTP = the tool's REST route, "
        "`cartwise serve --no-ui` in its own process, one keep-alive client.\n\n" + table(
            ["tool", "inner", "run_tool", "run_tool + JSON", "HTTP"], rows),
        "Not-found / invalid results and non-200 answers: "
        + (", ".join(f"{k} {v}" for k, v in sorted(problems.items()) if v) or "none") + ".",
        "## Targets\n\n" + "\n".join([
            target_line("search_products through the tool layer (run_tool + JSON)",
                        search["tool_json"], SEARCH_TARGET[0]),
            target_line("GET /products/search", search["http"], SEARCH_TARGET[1]),
            f"- every other tool over HTTP p50 <= {OTHER_HTTP_TARGET:g} ms: "
            f"{'met' if not missed else 'MISSED'} (worst {worst} {p50_all(others[worst]):.1f} "
            f"ms" + (f"; over: {', '.join(missed)}" if missed else "") + ")",
            target_line("GET /health", health, HEALTH_TARGET),
        ]),
    ])
    write_report("tools", "Tool latency benchmark", body)


if __name__ == "__main__":
    main()
