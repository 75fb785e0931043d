"""The shared evaluation cases and the held-out paraphrases, with the real MiniLM model.

Multi-turn cases run as conversations: each turn's calls get plausible fake results
(:func:`tests.agent.planner.harness.fake_result`), which go back into the history.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pytest

from cartwise.agent.planner import TOOL_NAMES, Planner
from cartwise.errors import UnknownUser
from cartwise.tools.results import Failure, not_found_user
from tests.agent.planner.harness import (
    DEV_CASES,
    HELD_OUT,
    Conversation,
    describe,
    load_cases,
    run_case,
    turn_passes,
)

log = logging.getLogger(__name__)

#: Held-out turns must pass at least at this rate.
HELD_OUT_TARGET = 0.95


def _dev_cases() -> list[dict[str, Any]]:
    return load_cases(DEV_CASES) if DEV_CASES.is_file() else []


needs_eval = pytest.mark.skipif(
    not DEV_CASES.is_file(),
    reason=f"the shared evaluation cases {DEV_CASES} are absent (../shared/eval beside the repo)")


@needs_eval
@pytest.mark.parametrize("case", _dev_cases(), ids=lambda c: c["id"])
def test_dev_case(real_planner: Planner, case: dict[str, Any]) -> None:
    for outcome, passed in run_case(real_planner, case):
        assert passed, describe(outcome)


@needs_eval
def test_unknown_user_reply_when_the_tool_says_not_found(real_planner: Planner) -> None:
    case = next(c for c in _dev_cases() if c["id"] == "err-01")
    turn = case["turns"][0]

    def not_found(call: Any) -> Failure:
        return not_found_user(UnknownUser(call.args.get("user_id")))

    conv = Conversation(real_planner, results_of=not_found)
    outcome = conv.say(turn["user"])
    assert turn_passes(turn["expect"], outcome.plan.calls, outcome.reply), outcome.reply


def test_held_out_set_is_broad() -> None:
    cases = load_cases(HELD_OUT)
    turns = [t for c in cases for t in c["turns"]]
    tools = Counter(t["expect"]["tool"] for t in turns)
    assert len(turns) >= 80
    assert set(TOOL_NAMES) <= set(tools) and tools[None] >= 10
    assert sum(len(c["turns"]) > 1 for c in cases) >= 10
    dev = {t["user"].lower().strip(" ?!.") for c in _dev_cases() for t in c["turns"]}
    copied = [t["user"] for t in turns if t["user"].lower().strip(" ?!.") in dev]
    assert not copied, copied


def test_held_out_rate(real_planner: Planner, record_property: pytest.RecordProperty) -> None:
    failures, total = [], 0
    for case in load_cases(HELD_OUT):
        for outcome, passed in run_case(real_planner, case):
            total += 1
            if not passed:
                failures.append(f"{case['id']}: {describe(outcome)}")
    rate = 1 - len(failures) / total
    record_property("held_out_pass_rate", f"{rate:.4f} ({total - len(failures)}/{total})")
    log.info("held-out turns: %d/%d pass (%.1f%%); failing: %s", total - len(failures), total,
             100 * rate, failures)
    assert rate >= HELD_OUT_TARGET, f"{rate:.1%} of {total}:\n" + "\n".join(failures)
