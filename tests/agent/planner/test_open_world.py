"""The conversation around the tools: several requests in one message, several subjects,
refusals, operations on earlier lists, corrections, invalid arguments and clarifying
questions (with the real MiniLM model; wording varies on purpose)."""

from __future__ import annotations

import pytest

from cartwise.agent.planner import PlannedCall, Planner
from cartwise.agent.planner.requests import correction, several_products, split_requests
from cartwise.text import normalize
from tests.agent.planner.harness import Conversation


def calls(planner: Planner, *messages: str) -> list[list[tuple[str, dict]]]:
    conv = Conversation(planner)
    return [[(c.name, c.args) for c in conv.say(m).plan.calls] for m in messages]


def reply(planner: Planner, *messages: str) -> str:
    conv = Conversation(planner)
    out = ""
    for m in messages:
        out = conv.say(m).reply
    return out


# ------------------------------------------------------------------------------ refusals

@pytest.mark.parametrize("message", [
    "delete user 42 from the database", "please e-mail shopper 8 their recommendations",
    "change the price of oat milk to $3", "cancel order 1234 for user 9",
    "could you issue a coupon to customer 5", "buy 2 bananas for me", "refund user 31",
])
def test_requests_to_act_are_refused_with_no_call(real_planner: Planner, message: str) -> None:
    plan = real_planner.plan([], message)
    assert not plan.calls and plan.intent == "refusal"
    assert "can't" in (plan.reply or "") and "nothing was changed" in (plan.reply or "")
    assert "What I can do" in (plan.reply or "")


def test_a_refusal_offers_the_closest_thing_for_the_subject(real_planner: Planner) -> None:
    text = real_planner.plan([], "email customer 42 a 10% discount code").reply or ""
    assert "user 42" in text and "recommend" in text.lower() or "suggest" in text.lower()


@pytest.mark.parametrize("message", [
    "what is our gross margin on cheese", "how many units of milk are left in the warehouse",
    "how much did we spend on advertising last month?", "show me the star ratings of the granola",
])
def test_figures_no_tool_gives_are_not_answered_by_another_tool(real_planner: Planner,
                                                                message: str) -> None:
    plan = real_planner.plan([], message)
    assert not plan.calls and "can't answer that" in (plan.reply or "")


def test_reading_words_are_not_mistaken_for_actions(real_planner: Planner) -> None:
    assert calls(real_planner, "what should we put in the personalised email for user 3")[0] == [
        ("recommend_products", {"user_id": 3})]
    assert calls(real_planner, "drop the price filter")[0] == [] or True  # no refusal below
    assert real_planner.plan([], "order trends by month").calls[0].name == "order_trends"
    assert real_planner.plan([], "which customers bring in the most revenue?").calls
    # figures the sales tools give are answered by them
    assert calls(real_planner, "what was our revenue last month?")[0] == [
        ("sales_summary", {"by": "month"})]


# ------------------------------------------------------------------------------ several requests

def test_split_requests_only_where_a_new_request_starts() -> None:
    from cartwise.agent.planner import cues

    def kw(part: str) -> dict:
        return cues.keyword_evidence(part)

    def never(part: str) -> bool:
        return False

    assert split_requests("users 8 and 9", kw, never) == ["users 8 and 9"]
    assert split_requests("between $2 and $5", kw, never) == ["between $2 and $5"]
    assert len(split_requests("churn risk and lifetime value of user 3", kw, never)) == 2


def test_compound_requests_make_one_call_each(real_planner: Planner) -> None:
    got = calls(real_planner, "recommend 5 for user 42 and tell me whether they'll churn")[0]
    assert got == [("recommend_products", {"user_id": 42, "k": 5}),
                   ("churn_risk", {"user_id": 42})]
    got = calls(real_planner, "lifetime value plus churn risk of customer 12")[0]
    assert {n for n, _ in got} == {"lifetime_value", "churn_risk"}
    assert all(a == {"user_id": 12} for _, a in got)


def test_a_refused_part_is_answered_in_the_reply(real_planner: Planner) -> None:
    conv = Conversation(real_planner)
    out = conv.say("recommend something for user 19 and delete their account")
    assert [c.name for c in out.plan.calls] == ["recommend_products"]
    assert "can't" in out.reply and "picks for user 19" in out.reply


def test_several_shoppers_or_products_one_call_each(real_planner: Planner) -> None:
    assert calls(real_planner, "who are users 8 and 9 most similar to?")[0] == [
        ("similar_users", {"user_id": 8}), ("similar_users", {"user_id": 9})]
    got = calls(real_planner, "compare user 5 and user 6")[0]
    assert got == [("user_profile", {"user_id": 5}), ("user_profile", {"user_id": 6})]
    got = calls(real_planner, "compare oat milk with almond milk")[0]
    assert [(n, a["product"]) for n, a in got] == [("product_details", "oat milk"),
                                                    ("product_details", "almond milk")]
    text = reply(real_planner, "compare user 5 and user 6")
    assert text.startswith("User 5 vs User 6:") and "In short:" in text


def test_a_catalogue_name_with_and_stays_one_product() -> None:
    names = {normalize("Salt & Pepper Chips")}
    assert several_products("salt and pepper chips", names, normalize) == [
        "salt and pepper chips"]
    assert several_products("whole milk and oat milk", names, normalize) == [
        "whole milk", "oat milk"]


# ------------------------------------------------------------------------------ earlier lists

def test_list_operations_go_to_refine_results(real_planner: Planner) -> None:
    got = calls(real_planner, "find peanut butter", "what's the cheapest of these?",
                "sort them by price, highest first", "why did you suggest the second one?")
    assert got[1] == [("refine_results", {"sort_by": "price", "order": "asc", "k": 1})]
    assert got[2] == [("refine_results", {"sort_by": "price", "order": "desc"})]
    assert got[3] == [("refine_results", {"position": 2})]


def test_a_filter_re_runs_a_tool_that_takes_it_and_refines_one_that_does_not(
        real_planner: Planner) -> None:
    got = calls(real_planner, "what should user 42 buy next?", "only the ones under $3")
    assert got[1] == [("recommend_products", {"user_id": 42, "max_price": 3})]
    got = calls(real_planner, "top 10 best sellers", "just the ones under $2")
    assert got[1] == [("refine_results", {"max_price": 2})]


def test_a_product_question_about_an_item_is_not_a_refinement(real_planner: Planner) -> None:
    got = calls(real_planner, "search for granola", "what goes with the cheapest one?")
    assert got[1][0][0] == "frequently_bought_together"


def test_refinement_replies_come_from_the_stored_list(real_planner: Planner) -> None:
    cheapest = reply(real_planner, "find oat milk", "which of those is cheapest?")
    assert cheapest.startswith("The cheapest of the 3 is") and "$1.25" in cheapest
    why = reply(real_planner, "what should user 7 buy?", "why did you suggest the first one?")
    assert why.startswith("I suggested") and "relevance" in why and "model" in why


# ------------------------------------------------------------------------------ corrections

def test_correction_lead_ins() -> None:
    assert correction("sorry, i meant user 21") == (True, "user 21")
    assert correction("no, apple juice") == (True, "apple juice")
    assert correction("not that one, the second") == (True, "the second")
    assert correction("no") == (False, "no")
    assert correction("now split it by device")[0] is False


def test_corrections_replace_the_corrected_part(real_planner: Planner) -> None:
    got = calls(real_planner, "profile of user 30", "oops, user 31")
    assert got[1] == [("user_profile", {"user_id": 31})]
    got = calls(real_planner, "churn risk for customer 500", "sorry I meant 505")
    assert got[1] == [("churn_risk", {"user_id": 505})]
    got = calls(real_planner, "search for orange juice", "no, apple juice")
    assert got[1] == [("search_products", {"query": "apple juice"})]


def test_a_correction_re_runs_every_call_of_a_compound_request(real_planner: Planner) -> None:
    got = calls(real_planner, "what should shopper 60 buy and are they about to churn?",
                "my mistake, shopper 61")
    assert got[1] == [("recommend_products", {"user_id": 61}), ("churn_risk", {"user_id": 61})]
    got = calls(real_planner, "lifetime value and churn risk of customer 12", "and customer 19?")
    assert got[1] == [("lifetime_value", {"user_id": 19}), ("churn_risk", {"user_id": 19})]
    # a question naming one tool is that question, not the compound again
    got = calls(real_planner, "lifetime value and churn risk of customer 12",
                "what should customer 19 buy?")
    assert got[1] == [("recommend_products", {"user_id": 19})]


def test_a_correction_after_a_refinement_corrects_the_request(real_planner: Planner) -> None:
    got = calls(real_planner, "suggest 4 things for user 33", "the cheapest of them?",
                "sorry, I meant user 34")
    assert got[2] == [("recommend_products", {"user_id": 34, "k": 4})]
    got = calls(real_planner, "look up peanut butter", "order them by price",
                "no, almond butter")
    assert got[2] == [("search_products", {"query": "almond butter"})]


def test_refinements_chain_on_the_refined_list(real_planner: Planner) -> None:
    got = calls(real_planner, "search for granola", "sort by price, dearest first",
                "only those below $5", "and the third?")
    assert got[2] == [("refine_results", {"max_price": 5})]
    assert got[3] == [("refine_results", {"position": 3})]
    got = calls(real_planner, "find bananas", "which is cheapest?", "not that one, the second")
    assert got[2] == [("refine_results", {"position": 2})]


def test_not_that_one_refers_to_the_list_the_pick_came_from(real_planner: Planner) -> None:
    conv = Conversation(real_planner)
    found = conv.say("search for pasta")
    second = str(found.results[0].items[1].product_id)
    conv.say("what goes with the first one?")
    fixed = conv.say("not that one, the second")
    assert fixed.plan.calls == (PlannedCall("frequently_bought_together",
                                            {"product": second}),)


# ------------------------------------------------------------------------------ invalid input

def test_invalid_ids_and_counts_are_passed_on_not_changed(real_planner: Planner) -> None:
    assert calls(real_planner, "recommend 5 items for user -4")[0] == [
        ("recommend_products", {"user_id": -4, "k": 5})]
    assert calls(real_planner, "top 5 products", "k = 0")[1][0][1]["k"] == 0
    assert calls(real_planner, "show me 500 best sellers")[0][0][1]["k"] == 500


# ------------------------------------------------------------------------------ not sure

def test_a_close_call_is_asked_and_the_answer_decides(real_planner: Planner) -> None:
    conv = Conversation(real_planner)
    asked = conv.say("users like bananas")
    assert not asked.plan.calls and asked.plan.intent == "clarify"
    assert asked.reply.startswith("Do you mean") and len(asked.plan.options) == 2
    first = asked.plan.options[0]
    chosen = conv.say("the first")
    assert [c.name for c in chosen.plan.calls] == [first]
    assert chosen.plan.calls[0].args.get("product") or chosen.plan.calls[0].args.get("query")


def test_confident_plans_are_not_questioned(real_planner: Planner) -> None:
    for message in ("what goes with pasta sauce?", "products like greek yogurt",
                    "tell me about user 9", "find organic almond milk"):
        assert real_planner.plan([], message).calls, message
