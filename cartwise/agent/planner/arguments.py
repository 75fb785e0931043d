"""Filling a tool's arguments from the message's slots, the conversation and (for follow-ups)
the previous call's arguments.

Argument names and value types are the tool catalogue's: ``user_id`` and ``k`` ints, prices
numbers in the data's currency, ``product`` a name or an id as a string, ``department`` the
catalogue's own department name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cartwise.agent.planner.mentions import CatalogMatcher
from cartwise.agent.planner.phrases import (
    PRODUCT_CUE_WORDS,
    product_phrase,
    search_query,
    tidy,
)
from cartwise.agent.planner.references import Context
from cartwise.agent.planner.slots import Slots, is_product_pronoun
from cartwise.agent.planner.types import PRODUCT_TOOLS, TOOL_ARGS, PlannedCall

#: Words asking about several shoppers: "their" in "which customers ... their" is not one user.
PLURAL_USERS = re.compile(r"\b(?:customers|users|shoppers|clients|people|buyers|members|"
                          r"everyone|who|which|whom|accounts)\b")
_PRONOUN = re.compile(r"\b(?:it|that|this|those|these|them|same)\b")


def _sales(s: Slots, args: dict[str, Any]) -> None:
    """sales_summary: a grouping (department, aisle, day), else the order-trend split, else the
    period a question compares ("last month"); a window of dates."""
    sales = s.sales
    by = sales.group or s.trend_by or sales.period
    if by is not None:
        args["by"] = by
    for key in ("start", "end"):
        value = getattr(sales, key)
        if value is not None:
            args[key] = value


def _cohorts(s: Slots, args: dict[str, Any]) -> None:
    """cohort_retention: by month or week, how many periods, shoppers or revenue."""
    unit = s.sales.period_unit or (s.trend_by if s.trend_by in ("month", "week") else None)
    if unit is not None:
        args["by"] = unit
    if s.sales.periods is not None:
        args["periods"] = s.sales.periods
    if s.sales.metric == "revenue":
        args["metric"] = "revenue"


def _anomalies(s: Slots, args: dict[str, Any]) -> None:
    """detect_anomalies: the figure (orders unless another is named), days or weeks."""
    if s.sales.metric is not None:
        args["metric"] = s.sales.metric
    if s.trend_by == "week" and s.sales.period != "week":  # "weekly", not "this week"
        args["by"] = "week"


def _insights(s: Slots, args: dict[str, Any]) -> None:
    """business_insights: the week or the month."""
    period = s.sales.period or (s.trend_by if s.trend_by in ("week", "month") else None)
    if period is not None:
        args["period"] = period


#: How the merchant's tools take their arguments from the slots.
SALES_ARGUMENTS = {"sales_summary": _sales, "cohort_retention": _cohorts,
                   "detect_anomalies": _anomalies, "business_insights": _insights}


def _price_value(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


class ArgumentFiller:
    """Builds a :class:`PlannedCall` for a recognised intent.

    Args:
        catalog: the shop's departments, aisles and product words.
        keep: common words that are never product words (see :data:`.catalog.KEEP_WORDS`).
    """

    def __init__(self, catalog: CatalogMatcher, keep: frozenset[str]) -> None:
        self.catalog = catalog
        self.keep = keep

    # ------------------------------------------------------------------------ one argument

    def user(self, s: Slots, ctx: Context, required: bool) -> int | None:
        """The shopper meant: a stated id, a position in the last listed shoppers ("the second
        one"), a pronoun ("them") for the last shopper talked about; when ``required`` also the
        last shopper talked about or a lone number."""
        if s.user_id is not None:
            return s.user_id
        if ctx.list_kind == "users" and s.ordinal is not None and ctx.users:
            idx = s.ordinal if s.ordinal >= 0 else len(ctx.users) - 1
            if 0 <= idx < len(ctx.users):
                return ctx.users[idx]
        if s.user_ref and ctx.last_user is not None and not PLURAL_USERS.search(s.text):
            return ctx.last_user
        if required:
            if ctx.last_user is not None:
                return ctx.last_user
            numbers = [n for n in s.bare_numbers if n > 0]
            if numbers:
                return numbers[0]
        return None

    def product(self, s: Slots, ctx: Context, notes: list[str],
                base: Mapping[str, Any], previous: bool = False) -> str | None:
        """The product meant: a stated id, a position in the last listed products, a named
        product, or for a pronoun ("it", "that one") the product talked about last."""
        if s.product_id is not None:
            return s.product_id
        if s.ordinal is not None and ctx.products:
            pid = ctx.product_id_at(s.ordinal, previous and bool(ctx.previous_products))
            if pid is not None:
                notes.append(f"reference: item {s.ordinal} -> product {pid}")
                return pid
        phrase = product_phrase(s.rest, PRODUCT_CUE_WORDS)
        if phrase and not is_product_pronoun(phrase):
            return phrase
        if phrase or _PRONOUN.search(s.rest):
            if ctx.last_product is not None:
                notes.append(f"reference: it -> product {ctx.last_product}")
                return ctx.last_product
            if ctx.last_product_text is not None:
                return ctx.last_product_text
            if ctx.products:
                return ctx.product_id_at(0)
        if base.get("product") is not None:
            return str(base["product"])
        return None

    def department(self, s: Slots, marked_only: bool) -> str | None:
        """The department filter asked for. For search (``marked_only``) only a department
        named as such ("in dairy", "the frozen section"): other category words stay in the
        query. Otherwise any department word, or the department of a named aisle."""
        m = s.department
        if m is not None and (m.marked or not marked_only):
            return self.catalog.original(m.name)
        if s.aisle is not None and not marked_only:
            return self.catalog.department_of_aisle(s.aisle.name)
        return None

    @staticmethod
    def prices(s: Slots, args: dict[str, Any]) -> None:
        """Set, change or clear ``min_price`` / ``max_price`` in ``args`` as the message says
        (a new floor above the old ceiling drops the ceiling, and the other way round)."""
        if s.price_clear:
            args.pop("min_price", None)
            args.pop("max_price", None)
        if s.min_price is not None:
            args["min_price"] = _price_value(s.min_price)
            if s.max_price is None and args.get("max_price", float("inf")) < s.min_price:
                args.pop("max_price")
        if s.max_price is not None:
            args["max_price"] = _price_value(s.max_price)
            if s.min_price is None and args.get("min_price", -1.0) > s.max_price:
                args.pop("min_price")

    # ------------------------------------------------------------------------ one call

    def build(self, intent: str, s: Slots, ctx: Context, base: Mapping[str, Any],
              notes: list[str], correcting: bool = False
              ) -> tuple[PlannedCall | None, str | None]:
        """The call for tool ``intent``: ``base`` (the previous call's arguments, for a
        follow-up) overridden by the message; or (None, the missing argument's name).
        ``correcting``: the message corrects the previous request, so a list position ("not
        that one, the second") refers to the list that request picked from."""
        allowed = TOOL_ARGS[intent]
        args = {k: v for k, v in base.items() if k in allowed}
        if s.k is not None and "k" in allowed:
            args["k"] = s.k
        if intent == "recommend_products":
            return self._recommend(s, ctx, args, notes)
        if intent == "search_products":
            return self._search(s, args, bool(base))
        if intent in PRODUCT_TOOLS:
            product = self.product(s, ctx, notes, base, previous=correcting)
            if product is None:
                return None, "product"
            args["product"] = product
        elif intent == "popular_products":
            dept = self.department(s, marked_only=False)
            if dept:
                args["department"] = dept
        elif intent in ("similar_users", "user_profile"):
            uid = self.user(s, ctx, required=True)
            if uid is not None:
                args["user_id"] = uid
            if "user_id" not in args:
                return None, "user_id"
        elif intent in ("churn_risk", "lifetime_value"):
            self._one_or_top(s, ctx, args)
        elif intent == "funnel_analysis":
            self._funnel(s, args)
        elif intent == "order_trends" and s.trend_by is not None:
            args["by"] = s.trend_by
        elif intent == "purchase_history":
            uid = self.user(s, ctx, required=True)
            if uid is not None:
                args["user_id"] = uid
            if "user_id" not in args:
                return None, "user_id"
            if s.sales.orders is not None:
                args["orders"] = s.sales.orders
        elif intent in SALES_ARGUMENTS:
            SALES_ARGUMENTS[intent](s, args)
        return PlannedCall(intent, args), None

    def _recommend(self, s: Slots, ctx: Context, args: dict[str, Any],
                   notes: list[str]) -> tuple[PlannedCall | None, str | None]:
        uid = self.user(s, ctx, required="user_id" not in args)
        if uid is not None:
            args["user_id"] = uid
        if "user_id" not in args:
            return self._without_user(s, args, notes)
        if s.strategy is not None:
            args["strategy"] = s.strategy
        dept = self.department(s, marked_only=False)
        if dept:
            args["department"] = dept
        self.prices(s, args)
        if s.exclude_purchased:
            args["exclude_purchased"] = True
        return PlannedCall("recommend_products", args), None

    def _search(self, s: Slots, args: dict[str, Any],
                follow_up: bool) -> tuple[PlannedCall | None, str | None]:
        rest = s.rest
        dept = self.department(s, marked_only=True)
        if dept and s.department is not None and s.department.marked:
            rest = rest[:s.department.start] + " " + rest[s.department.end:]
            args["department"] = dept
        query = search_query(rest)
        if query and not (follow_up and is_product_pronoun(query)):
            args["query"] = query
        elif "query" not in args and dept:
            args["query"] = dept
        self.prices(s, args)
        if "query" not in args:
            return None, "query"
        return PlannedCall("search_products", args), None

    def _one_or_top(self, s: Slots, ctx: Context, args: dict[str, Any]) -> None:
        """churn_risk / lifetime_value: one shopper when one is meant, else the top k."""
        uid = self.user(s, ctx, required=False)
        if uid is not None:
            args["user_id"] = uid
        elif s.k is not None or PLURAL_USERS.search(s.text):
            args.pop("user_id", None)

    @staticmethod
    def _funnel(s: Slots, args: dict[str, Any]) -> None:
        """A split (``by``) and filters (``device``, ``sex``) replace each other per field."""
        if s.funnel_by is not None:
            args["by"] = s.funnel_by
            if s.funnel_by in ("device", "sex"):
                args.pop(s.funnel_by, None)
        if s.device is not None:
            args["device"] = s.device
            if args.get("by") == "device":
                args.pop("by")
        if s.sex is not None:
            args["sex"] = s.sex
            if args.get("by") == "sex":
                args.pop("by")

    def _without_user(self, s: Slots, args: Mapping[str, Any],
                      notes: list[str]) -> tuple[PlannedCall | None, str | None]:
        """Recommendations with no shopper known: the best sellers of a named department,
        else a search for the named products, else ask for a user id."""
        dept = self.department(s, marked_only=False)
        query = tidy(search_query(s.rest))
        query = " ".join(w for w in query.split() if w not in PRODUCT_CUE_WORDS)
        named = s.department or s.aisle
        if dept and named is not None and set(query.split()) <= set(
                re.findall(r"[a-z]+", s.text[named.start:named.end])):
            query = ""  # only the department is named: its best sellers
        out: dict[str, Any] = {"k": args["k"]} if "k" in args else {}
        if query and self.catalog.mentions_product(query, self.keep):
            notes.append("no user: searching instead")
            out["query"] = query
            self.prices(s, out)
            if dept and s.department is not None and s.department.marked:
                out["department"] = dept
            return PlannedCall("search_products", out), None
        if dept:
            notes.append("no user: best sellers instead")
            out["department"] = dept
            return PlannedCall("popular_products", out), None
        return None, "user_id"
