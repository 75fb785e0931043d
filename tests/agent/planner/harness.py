"""Test helpers for the planner: the demo catalogue's vocabulary, fake tool results shaped like
the real tools', a conversation runner and the evaluation's matching rules
(``../shared/eval/README.md``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartwise.agent import evaluate
from cartwise.agent.planner import Plan, PlannedCall, Planner, Turn
from cartwise.catalog import Product, Vocabulary
from cartwise.data import catalog_vocab
from cartwise.errors import UnknownUser
from cartwise.tools import results as r
from cartwise.tools.render import for_model

#: The shared evaluation folder beside the repository (/work/shared/eval for /work/main).
EVAL_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "eval"
DEV_CASES = EVAL_DIR / "conversations_dev.jsonl"
HELD_OUT = Path(__file__).resolve().parent / "heldout_turns.jsonl"

#: User ids from this value on are unknown to the fake tools.
UNKNOWN_FROM = 100_000


def demo_vocabulary() -> Vocabulary:
    """The demo generator's catalogue: departments, aisles (with their departments) and the
    everyday item names of every aisle."""
    names: list[str] = []
    for spec in catalog_vocab.AISLES.values():
        for group in spec["groups"]:
            names += [n for n in group[0].split("|") if n]
    return Vocabulary(
        departments=list(catalog_vocab.DEPARTMENTS),
        aisles=list(catalog_vocab.AISLES),
        product_names=names,
        has_prices=True,
        aisle_departments={a: s["department"] for a, s in catalog_vocab.AISLES.items()},
    )


def _pid(text: str, i: int) -> int:
    return 1000 + int(hashlib.blake2b(f"{text}|{i}".encode(), digest_size=3).hexdigest(), 16) % 9000


def _product(seed: str, i: int, label: str) -> Product:
    return Product(product_id=_pid(seed, i), name=f"{label} {i + 1}",
                   price=round(1.25 + 0.5 * i, 2), aisle="misc", department="other",
                   currency="USD")


def _products(seed: str, k: int, label: str) -> list[Product]:
    return [_product(seed, i, label) for i in range(k)]


def _entries(entry_type: type[Any], products: list[Product], **metrics: Any) -> list[Any]:
    return [entry_type(**dict(p), **metrics) for p in products]


_VALUED = {"value_unit": "currency", "prices_available": True, "currency": "USD"}


def _profile(uid: int) -> r.ShopperProfile:
    return r.ShopperProfile(
        user_id=uid, orders=12, baskets=12, items=40, products_bought=30, spend=345.6,
        spending_segment=r.SpendingSegment(label="high", basis="total spend",
                                           quartile_bounds=[10.0, 20.0, 30.0]),
        favourite_departments=[], favourite_aisles=[], days_between_orders=r.Gaps(gaps=11),
        last_order=r.LastOrder(order_number=12, basket_size=4),
        churn_risk=r.ChurnBrief(level="low"), rfm=r.RfmScores(r=5, f=4, m=4, segment="Loyal"),
        summary=f"User {uid}: 12 orders, $345.60 spent, high spender.", **_VALUED)


def _analysis(call: PlannedCall) -> r.ToolResult:
    """A small, valid result of an aggregate tool (the planner reads only its summary)."""
    summary = f"{call.name} with {json.dumps(call.args, sort_keys=True)}"
    if call.name == "funnel_analysis":
        return r.FunnelAnalysis(available=True, visitors=10, summary=summary)
    if call.name == "order_trends":
        by = str(call.args.get("by") or "dow")
        return r.OrderTrends(by=by, orders=3, items=9, series=r.TrendSeries(
            x=["Sunday"], orders=[3], items=[9], items_per_order=[3.0]), summary=summary,
            **_VALUED)
    if call.name == "customer_journey":
        hist = r.Distribution(histogram=[])
        return r.CustomerJourney(
            shoppers=r.ShopperCounts(total=2, one_order=1, repeat=1),
            orders=r.OrderCounts(total=3, first_orders=2, repeat_orders=1),
            orders_per_shopper=hist, retention=[],
            basket_size=r.BasketSizes(orders=3, histogram=[]),
            reorder_by_order_number=r.ReorderCurve(x=[], y=[]),
            days_between_orders=r.GapDistribution(gaps=1, histogram=[]), summary=summary)
    return r.CustomerSegments(
        n_users=2, rfm=r.RfmBasis(scores="1..5", frequency="orders", monetary="spend"),
        segments=[], kmeans=r.KMeans(k=0, silhouette_by_k={}, features="rfm"), clusters=[],
        summary=summary, **_VALUED)


def fake_result(call: PlannedCall) -> r.ToolResult:
    """A plausible result of ``call``: the real tools' result models, filled with made-up
    products and numbers."""
    a = call.args
    k = int(a.get("k") or 5)
    uid = a.get("user_id")
    if uid is not None and int(uid) >= UNKNOWN_FROM:
        if call.name == "recommend_products":
            return r.Recommendations(
                user_id=uid, strategy="popularity", fallback="unknown_user", user_found=False,
                filters=r.Filters(), summary=f"user {uid} is unknown: best sellers instead",
                items=_entries(r.RecommendedProduct, _products("popular", k, "Best Seller"),
                               score=0.5, confidence=0.5, model="popularity",
                               reason="popular"))
        return r.not_found_user(UnknownUser(uid))
    if call.name == "recommend_products":
        return r.Recommendations(
            user_id=uid, strategy=a.get("strategy", "hybrid"), user_found=True,
            filters=r.Filters(department=[a["department"]] if a.get("department") else None,
                              min_price=a.get("min_price"), max_price=a.get("max_price"),
                              exclude_purchased=bool(a.get("exclude_purchased"))),
            items=_entries(r.RecommendedProduct, _products(f"rec{uid}", k, f"Pick for {uid}"),
                           score=0.9, confidence=0.8, model="repeat",
                           reason="bought 3 times, usually every 9 days"),
            summary=f"{k} recommendations for user {uid}")
    if call.name == "search_products":
        q = str(a.get("query", "")).title()
        return r.SearchResults(query=str(a.get("query")), filters=r.Filters(),
                               items=_entries(r.SearchHit, _products(q, min(k, 3), q),
                                              score=0.8, matched_by="search"),
                               summary=f"3 products match {a.get('query')!r}")
    if call.name in ("similar_products", "frequently_bought_together"):
        text = str(a.get("product"))
        anchor = Product(product_id=_pid(text, 99), name=text.title(), aisle="misc",
                         department="other", currency="USD")
        if call.name == "similar_products":
            return r.SimilarProducts(product=anchor, items=_entries(
                r.SimilarProduct, _products(text, k, "Like"), score=0.7),
                summary=f"{k} similar")
        return r.BoughtTogether(
            product=anchor, items=_entries(r.Partner, _products(text, k, "Partner"),
                                           baskets_together=5, shoppers_together=4,
                                           support=0.01, lift=2.5, confidence=0.25,
                                           base_rate=0.1, p_value=1e-4, q_value=0.01,
                                           score=0.1),
            baskets=20, support=0.04, n_baskets=500, min_pair_count=5, min_support=0.0,
            partners_limit=20, summary=f"{k} partners")
    if call.name == "popular_products":
        return r.BestSellers(filters=r.Filters(department=[a["department"]]
                                               if a.get("department") else None),
                             items=_entries(r.BestSeller, _products("pop", k, "Best Seller"),
                                            purchases=100, buyers=50),
                             summary=f"top {k} best sellers")
    if call.name == "similar_users":
        return r.SimilarShoppers(user_id=uid, users=[
            r.SimilarShopper(user_id=int(uid) + i + 1, score=0.9 - i / 10, shared_products=3)
            for i in range(k)], summary=f"{k} shoppers like user {uid}")
    if call.name == "user_profile":
        return _profile(int(uid))
    if call.name == "product_details":
        text = str(a.get("product"))
        return r.ProductDetails(
            product=Product(product_id=_pid(text, 98), name="Some Product", price=2.5,
                            aisle="misc", department="other", currency="USD"),
            buyers=3, purchases=5, units=6, of_products=100,
            summary=f"Product {text}: $2.50 in misc.")
    if call.name == "churn_risk" and uid is None:
        return r.AtRiskShoppers(k=k, candidates=k, criteria="valuable", levels={"high": k},
                                users=[r.ChurnEntry(user_id=10 + i, score=0.9 - i / 20,
                                                    level="high", reason="away 3x the usual gap")
                                       for i in range(k)], summary=f"{call.name} top {k}",
                                **_VALUED)
    if call.name == "lifetime_value" and uid is None:
        return r.ValuableShoppers(k=k, tiers=[], horizon_days=365, users=[
            r.ValueEntry(user_id=10 + i, ltv=1000 - 50 * i, orders=5, rank=i + 1,
                         tier="top 10%") for i in range(k)], summary=f"{call.name} top {k}",
            **_VALUED)
    if call.name == "churn_risk":
        return r.ShopperChurn(user_id=uid, score=0.42, level="medium", reason="a bit late",
                              gaps=3, orders=4, summary=f"User {uid}: {call.name} result.",
                              **_VALUED)
    if call.name == "lifetime_value":
        return r.ShopperValue(user_id=uid, ltv=812.5, orders=4, rank=7, tier="High",
                              horizon_days=365, summary=f"User {uid}: {call.name} result.",
                              **_VALUED)
    return _analysis(call)


def fake_refine(call: PlannedCall, source: r.ToolResult | None) -> r.ToolResult:
    """What ``refine_results`` gives on the product list ``source`` (price filters, sorting by
    price or score, a position, k): the real tool's result model over the fake list."""
    if not isinstance(source, r.ProductList):
        return r.Failure(error_type="invalid_argument", argument="source", error="no list",
                         summary="There is no earlier list in this conversation to work on.")
    a = call.args
    items = [i for i in source.items
             if (a.get("max_price") is None or (i.price or 0) <= a["max_price"])
             and (a.get("min_price") is None or (i.price or 0) >= a["min_price"])]
    if a.get("sort_by") in ("price", "score"):
        key = (lambda i: i.price or 0.0) if a["sort_by"] == "price" else (
            lambda i: getattr(i, "score", 0.0))
        desc = a.get("order") == "desc" or (a["sort_by"] == "score" and a.get("order") is None)
        items = sorted(items, key=key, reverse=desc)
    position = a.get("position")
    if position is not None:
        items = [items[position - 1 if position > 0 else -1]]
    elif a.get("k"):
        items = items[:a["k"]]
    return r.RefinedProducts(
        source=r.RefineSource(tool="earlier", entries=len(source.items), lists_ago=0),
        operations=[f"{k}={v}" for k, v in a.items()], position=position, items=items,
        pick=position is not None or a.get("k") == 1,
        user_id=getattr(source, "user_id", None), summary=f"{len(items)} refined")


@dataclass
class TurnOutcome:
    """One simulated turn: the user's text, the plan, the results and the reply."""

    user: str
    plan: Plan
    results: list[r.ToolResult]
    reply: str


@dataclass
class Conversation:
    """A running conversation against a planner and :func:`fake_result`."""

    planner: Planner
    history: list[Turn] = field(default_factory=list)
    results_of: Any = fake_result
    last_list: r.ToolResult | None = None

    def say(self, text: str) -> TurnOutcome:
        plan = self.planner.plan(self.history, text)
        results = [fake_refine(c, self.last_list) if c.name == "refine_results"
                   else self.results_of(c) for c in plan.calls]
        for result in results:
            if isinstance(result, r.ProductList | r.ShopperList) and not (
                    isinstance(result, r.Refined) and result.pick):
                self.last_list = result
        reply = (self.planner.compose(self.history, text, plan.calls, results) if plan.calls
                 else plan.reply or "")
        self.history.append(Turn("user", text))
        for call, result in zip(plan.calls, results, strict=True):
            self.history.append(Turn("tool", for_model(result), call.name, dict(call.args)))
        self.history.append(Turn("assistant", reply, options=plan.options))
        return TurnOutcome(text, plan, results, reply)


def turn_passes(expect: Mapping[str, Any], calls: Sequence[PlannedCall], reply: str,
                previous_reply: str = "") -> bool:
    """The evaluation's rule (:func:`cartwise.agent.evaluate.turn_passes`) over planned calls."""
    return evaluate.turn_passes(expect, [(c.name, c.args) for c in calls], reply, previous_reply)


load_cases = evaluate.load_cases


def run_case(planner: Planner, case: Mapping[str, Any]) -> list[tuple[TurnOutcome, bool]]:
    """Run one conversation; per turn its outcome and whether it passes."""
    conv = Conversation(planner)
    out = []
    previous = ""
    for turn in case["turns"]:
        outcome = conv.say(turn["user"])
        out.append((outcome, turn_passes(turn["expect"], outcome.plan.calls, outcome.reply,
                                         previous)))
        previous = outcome.reply
    return out


def describe(outcome: TurnOutcome) -> str:
    """A one-line account of a turn for failure messages."""
    calls = [(c.name, c.args) for c in outcome.plan.calls]
    return (f"{outcome.user!r} -> {outcome.plan.intent} {calls or outcome.reply[:60]!r} "
            f"scores={dict(outcome.plan.scores)} notes={outcome.plan.notes}")


def all_turns(cases: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every user message of ``cases``."""
    return [t["user"] for c in cases for t in c["turns"]]
