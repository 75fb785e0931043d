"""Evaluation of the agent on conversation cases (the format of ``../shared/eval/README.md``).

A case is ``{"id", "turns": [{"user": text, "expect": {...}}]}``, one a line of a JSONL file.
Each conversation runs in a fresh session, turn by turn; a turn passes when every key of its
``expect`` holds (:func:`turn_passes`: the calls made, the reply, the previous reply). The score
is passed turns over all turns (0..1), also per case category (the id up to its last ``-``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartwise.errors import DataError

Call = tuple[str, Mapping[str, Any]]


def arg_matches(want: object, got: object) -> bool:
    """One argument constraint: a plain value equals the argument (numbers as numbers, 3 ==
    3.0); ``{"contains": s}``: the argument as text contains ``s`` (case-insensitive);
    ``{"present": true}``: the argument is given and not null."""
    if isinstance(want, Mapping):
        if "contains" in want:
            return got is not None and str(want["contains"]).lower() in str(got).lower()
        if want.get("present"):
            return got is not None
        return False
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got or want == got
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return float(want) == float(got)
    return want == got


_PRICE = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")


def reply_prices(reply: str) -> list[float]:
    """The prices a reply shows, in order: ``$`` followed by a number ("$1,234.50")."""
    return [float(m.group(1).replace(",", "")) for m in _PRICE.finditer(reply)]


def _call_meets(want: Mapping[str, Any], calls: Sequence[Call]) -> bool:
    """Some call is to ``want["tool"]`` and meets every argument constraint of ``want``."""
    return any(name == want.get("tool") and all(arg_matches(v, args.get(arg))
                                                for arg, v in (want.get("args") or {}).items())
               for name, args in calls)


def turn_passes(expect: Mapping[str, Any], calls: Sequence[Call], reply: str,
                previous_reply: str = "") -> bool:
    """Whether a turn with ``calls`` (name, args) and ``reply`` meets ``expect`` (every key
    given must hold; ``previous_reply`` is the reply of the turn before, for
    ``cheapest_of_previous``). The keys are those of ``../shared/eval/README.md``: ``tool`` and
    ``args``, ``all``, ``any_of``, ``tool_in``, ``reply_contains_any``, ``reply_lacks_all``,
    ``cheapest_of_previous``, ``reply_prices_at_most``, ``reply_prices_sorted``."""
    text = reply.lower()
    if "tool" in expect:
        if expect["tool"] is None:
            if calls:
                return False
        elif not _call_meets(expect, calls):
            return False
    if not all(_call_meets(want, calls) for want in expect.get("all") or ()):
        return False
    options = expect.get("any_of")
    if options and not any(turn_passes(o, calls, reply, previous_reply) for o in options):
        return False
    allowed = expect.get("tool_in")
    if allowed is not None and (any(name not in allowed for name, _ in calls)
                                or (not calls and None not in allowed)):
        return False
    contains = expect.get("reply_contains_any")
    if contains and not any(str(o).lower() in text for o in contains):
        return False
    if any(str(o).lower() in text for o in expect.get("reply_lacks_all") or ()):
        return False
    prices = reply_prices(reply)
    if expect.get("cheapest_of_previous"):
        before = reply_prices(previous_reply)
        if not before or not prices or len(prices) >= len(before) or min(before) not in prices:
            return False
    ceiling = expect.get("reply_prices_at_most")
    if ceiling is not None and (not prices or max(prices) > float(ceiling) + 1e-9):
        return False
    order = expect.get("reply_prices_sorted")
    if order is not None:
        wanted = sorted(prices, reverse=order == "desc")
        if len(prices) < 2 or prices != wanted:
            return False
    return True


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The conversations of a JSONL file.

    Raises:
        DataError: the file is missing, or a line is not a case (naming the line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the cases: {exc}", path=path) from exc
    cases = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise DataError(f"not JSON: {exc}", path=path, rows=[no]) from exc
        turns = case.get("turns") if isinstance(case, dict) else None
        if not isinstance(turns, list) or not turns or not all(
                isinstance(t, dict) and isinstance(t.get("user"), str)
                and isinstance(t.get("expect"), dict) for t in turns):
            raise DataError("a case needs \"turns\": [{\"user\": text, \"expect\": {...}}]",
                            path=path, rows=[no])
        case.setdefault("id", f"line-{no}")
        cases.append(case)
    if not cases:
        raise DataError("no cases in the file", path=path)
    return cases


@dataclass
class TurnResult:
    """One evaluated turn: what was expected, the calls made and the reply."""

    case: str
    index: int
    user: str
    expect: dict[str, Any]
    calls: list[dict[str, Any]]
    reply: str
    passed: bool

    def describe(self) -> str:
        got = ", ".join(f"{c['name']}({json.dumps(c['args'])})" for c in self.calls) or "no tool"
        e = self.expect
        if set(e) <= {"tool", "args", "reply_contains_any"}:
            want = f"{e['tool']}({json.dumps(e.get('args') or {})})" if e.get("tool") else "no tool"
            if e.get("reply_contains_any"):
                want += f"; reply must contain one of {e['reply_contains_any']}"
        else:
            want = json.dumps(e)
        return (f"{self.case} turn {self.index + 1}: {self.user!r}\n  expected {want}"
                f"\n  got      {got}; reply {self.reply[:160]!r}")


@dataclass
class EvalReport:
    """All turns of an evaluation and the score (passed / total, 0..1)."""

    turns: list[TurnResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.turns)

    @property
    def score(self) -> float:
        return self.passed / len(self.turns) if self.turns else 0.0

    @property
    def failures(self) -> list[TurnResult]:
        return [t for t in self.turns if not t.passed]

    def by_category(self) -> dict[str, tuple[int, int]]:
        """(passed, turns) per case category: a case id without its last ``-`` part
        ("act-03" -> "act")."""
        out: dict[str, tuple[int, int]] = {}
        for t in self.turns:
            cat = t.case.rsplit("-", 1)[0] if "-" in t.case else t.case
            passed, total = out.get(cat, (0, 0))
            out[cat] = (passed + t.passed, total + 1)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "passed": self.passed, "turns": len(self.turns),
                "categories": {c: {"passed": p, "turns": n}
                               for c, (p, n) in sorted(self.by_category().items())},
                "failures": [t.__dict__ for t in self.failures]}


#: Runs one turn: (session id, text) -> (calls as {"name", "args"}, reply).
TurnRunner = Callable[[str, str], tuple[list[dict[str, Any]], str]]


def evaluate(cases: Sequence[Mapping[str, Any]], run_turn: TurnRunner) -> EvalReport:
    """Run every case in its own new session through ``run_turn`` and score the turns."""
    report = EvalReport()
    for case in cases:
        session = f"eval-{uuid.uuid4().hex[:12]}"
        previous = ""
        for i, turn in enumerate(case["turns"]):
            calls, reply = run_turn(session, turn["user"])
            ok = turn_passes(turn["expect"], [(c["name"], c["args"]) for c in calls], reply,
                             previous)
            previous = reply
            report.turns.append(TurnResult(str(case["id"]), i, turn["user"],
                                           dict(turn["expect"]), calls, reply, ok))
    return report


def chat_runner(chat: Any) -> TurnRunner:
    """A :data:`TurnRunner` over a :class:`~cartwise.agent.chat.ChatService`."""
    def run(session: str, text: str) -> tuple[list[dict[str, Any]], str]:
        r = chat.reply(session, text)
        return [{"name": s.name, "args": s.args} for s in r.tool_calls], r.reply
    return run
