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
from cartwise.agent.planner import CatalogVocabulary, Plan, PlannedCall, Planner, Turn
from cartwise.data import catalog_vocab

#: The shared evaluation folder beside the repository (/work/shared/eval for /work/main).
EVAL_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "eval"
DEV_CASES = EVAL_DIR / "conversations_dev.jsonl"
HELD_OUT = Path(__file__).resolve().parent / "heldout_turns.jsonl"

#: User ids from this value on are unknown to the fake tools.
UNKNOWN_FROM = 100_000


def demo_vocabulary() -> CatalogVocabulary:
    """The demo generator's catalogue: departments, aisles (with their departments) and the
    everyday item names of every aisle."""
    names: list[str] = []
    for spec in catalog_vocab.AISLES.values():
        for group in spec["groups"]:
            names += [n for n in group[0].split("|") if n]
    return CatalogVocabulary(
        departments=list(catalog_vocab.DEPARTMENTS),
        aisles=list(catalog_vocab.AISLES),
        product_names=names,
        has_prices=True,
        aisle_departments={a: s["department"] for a, s in catalog_vocab.AISLES.items()},
    )


def _pid(text: str, i: int) -> int:
    return 1000 + int(hashlib.blake2b(f"{text}|{i}".encode(), digest_size=3).hexdigest(), 16) % 9000


def _products(seed: str, k: int, label: str, key: str = "product_id",
              name_key: str = "name") -> list[dict[str, Any]]:
    return [{key: _pid(seed, i), name_key: f"{label} {i + 1}", "price": round(1.25 + 0.5 * i, 2),
             "aisle": "misc", "department": "other"} for i in range(k)]


def fake_result(call: PlannedCall) -> dict[str, Any]:
    """A plausible result of ``call``, shaped like the real tools' results."""
    a = call.args
    k = int(a.get("k") or 5)
    uid = a.get("user_id")
    if uid is not None and int(uid) >= UNKNOWN_FROM:
        if call.name == "recommend_products":
            return {"user_id": uid, "strategy": "popularity", "fallback": "unknown_user",
                    "items": _products("popular", k, "Best Seller"),
                    "summary": f"user {uid} is unknown: best sellers instead"}
        return {"found": False, "error": f"user {uid} not found", "user_id": uid}
    if call.name == "recommend_products":
        items = _products(f"rec{uid}", k, f"Pick for {uid}")
        for item in items:
            item["reason"] = "bought 3 times, usually every 9 days"
        return {"user_id": uid, "strategy": a.get("strategy", "hybrid"), "items": items,
                "fallback": None, "summary": f"{k} recommendations for user {uid}"}
    if call.name == "search_products":
        q = str(a.get("query", "")).title()
        return {"query": a.get("query"), "results": _products(q, min(k, 3), q, key="id"),
                "summary": f"3 products match {a.get('query')!r}"}
    if call.name in ("similar_products", "frequently_bought_together"):
        anchor = {"product_id": _pid(str(a.get("product")), 99),
                  "product_name": str(a.get("product")).title()}
        key = "similar" if call.name == "similar_products" else "partners"
        items = _products(str(a.get("product")), k, "Partner" if key == "partners" else "Like",
                          name_key="product_name")
        for item in items:
            item.update({"lift": 2.5, "confidence": 0.25})
        return {"product": anchor, key: items, "summary": f"{len(items)} {key}"}
    if call.name == "popular_products":
        return {"department": a.get("department"), "items": _products("pop", k, "Best Seller"),
                "summary": f"top {k} best sellers"}
    if call.name == "similar_users":
        return {"user_id": uid, "users": [{"user_id": int(uid) + i + 1, "similarity": 0.9 - i / 10}
                                          for i in range(k)],
                "summary": f"{k} shoppers like user {uid}"}
    if call.name == "user_profile":
        return {"user_id": uid, "orders": 12, "spend": 345.6,
                "spending_segment": {"label": "high"},
                "summary": f"User {uid}: 12 orders, $345.60 spent, high spender."}
    if call.name == "product_details":
        return {"product_id": a.get("product"), "product_name": "Some Product", "price": 2.5,
                "summary": f"Product {a.get('product')}: $2.50 in misc."}
    if call.name in ("churn_risk", "lifetime_value") and uid is None:
        return {"k": k, "users": [{"user_id": 10 + i, "score": 0.9 - i / 20, "level": "high",
                                   "reason": "away 3x the usual gap", "ltv": 1000 - 50 * i,
                                   "tier": "top 10%"} for i in range(k)],
                "summary": f"{call.name} top {k}"}
    if call.name in ("churn_risk", "lifetime_value"):
        return {"user_id": uid, "score": 0.42, "level": "medium", "ltv": 812.5,
                "summary": f"User {uid}: {call.name} result."}
    return {"summary": f"{call.name} with {json.dumps(a, sort_keys=True)}"}


@dataclass
class TurnOutcome:
    """One simulated turn: the user's text, the plan, the results and the reply."""

    user: str
    plan: Plan
    results: list[dict[str, Any]]
    reply: str


@dataclass
class Conversation:
    """A running conversation against a planner and :func:`fake_result`."""

    planner: Planner
    history: list[Turn] = field(default_factory=list)
    results_of: Any = fake_result

    def say(self, text: str) -> TurnOutcome:
        plan = self.planner.plan(self.history, text)
        results = [self.results_of(c) for c in plan.calls]
        reply = (self.planner.compose(self.history, text, plan.calls, results) if plan.calls
                 else plan.reply or "")
        self.history.append(Turn("user", text))
        for call, result in zip(plan.calls, results, strict=True):
            self.history.append(Turn("tool", json.dumps(result), call.name, dict(call.args)))
        self.history.append(Turn("assistant", reply))
        return TurnOutcome(text, plan, results, reply)


def turn_passes(expect: Mapping[str, Any], calls: Sequence[PlannedCall], reply: str) -> bool:
    """The evaluation's rule (:func:`cartwise.agent.evaluate.turn_passes`) over planned calls."""
    return evaluate.turn_passes(expect, [(c.name, c.args) for c in calls], reply)


load_cases = evaluate.load_cases


def run_case(planner: Planner, case: Mapping[str, Any]) -> list[tuple[TurnOutcome, bool]]:
    """Run one conversation; per turn its outcome and whether it passes."""
    conv = Conversation(planner)
    out = []
    for turn in case["turns"]:
        outcome = conv.say(turn["user"])
        out.append((outcome, turn_passes(turn["expect"], outcome.plan.calls, outcome.reply)))
    return out


def describe(outcome: TurnOutcome) -> str:
    """A one-line account of a turn for failure messages."""
    calls = [(c.name, c.args) for c in outcome.plan.calls]
    return (f"{outcome.user!r} -> {outcome.plan.intent} {calls or outcome.reply[:60]!r} "
            f"scores={dict(outcome.plan.scores)} notes={outcome.plan.notes}")


def all_turns(cases: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every user message of ``cases``."""
    return [t["user"] for c in cases for t in c["turns"]]
