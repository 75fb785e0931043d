"""Evaluation of the agent on conversation cases (the format of ``../shared/eval/README.md``).

A case is ``{"id", "turns": [{"user": text, "expect": {"tool", "args", "reply_contains_any"}}]}``,
one a line of a JSONL file. Each conversation runs in a fresh session, turn by turn; a turn
passes when some tool call of the turn has the expected tool and satisfies every argument
constraint (``tool: null``: no call at all) and the reply contains one of
``reply_contains_any``. The score is passed turns over all turns (0..1).
"""

from __future__ import annotations

import json
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


def turn_passes(expect: Mapping[str, Any], calls: Sequence[Call], reply: str) -> bool:
    """Whether a turn with ``calls`` (name, args) and ``reply`` meets ``expect``."""
    tool = expect.get("tool")
    if tool is None:
        ok = not calls
    else:
        ok = any(name == tool and all(arg_matches(v, args.get(arg))
                                      for arg, v in (expect.get("args") or {}).items())
                 for name, args in calls)
    options = expect.get("reply_contains_any")
    if ok and options:
        ok = any(str(o).lower() in reply.lower() for o in options)
    return ok


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
        want = self.expect.get("tool")
        want_text = f"{want}({json.dumps(self.expect.get('args') or {})})" if want else "no tool"
        got = ", ".join(f"{c['name']}({json.dumps(c['args'])})" for c in self.calls) or "no tool"
        extra = (f"; reply must contain one of {self.expect['reply_contains_any']}"
                 if self.expect.get("reply_contains_any") else "")
        return (f"{self.case} turn {self.index + 1}: {self.user!r}\n  expected {want_text}"
                f"{extra}\n  got      {got}; reply {self.reply[:120]!r}")


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

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "passed": self.passed, "turns": len(self.turns),
                "failures": [t.__dict__ for t in self.failures]}


#: Runs one turn: (session id, text) -> (calls as {"name", "args"}, reply).
TurnRunner = Callable[[str, str], tuple[list[dict[str, Any]], str]]


def evaluate(cases: Sequence[Mapping[str, Any]], run_turn: TurnRunner) -> EvalReport:
    """Run every case in its own new session through ``run_turn`` and score the turns."""
    report = EvalReport()
    for case in cases:
        session = f"eval-{uuid.uuid4().hex[:12]}"
        for i, turn in enumerate(case["turns"]):
            calls, reply = run_turn(session, turn["user"])
            ok = turn_passes(turn["expect"], [(c["name"], c["args"]) for c in calls], reply)
            report.turns.append(TurnResult(str(case["id"]), i, turn["user"],
                                           dict(turn["expect"]), calls, reply, ok))
    return report


def chat_runner(chat: Any) -> TurnRunner:
    """A :data:`TurnRunner` over a :class:`~cartwise.agent.chat.ChatService`."""
    def run(session: str, text: str) -> tuple[list[dict[str, Any]], str]:
        r = chat.reply(session, text)
        return [{"name": s.name, "args": s.args} for s in r.tool_calls], r.reply
    return run
