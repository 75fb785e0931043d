"""The tools' arguments: one pydantic model per tool of the catalogue (``../shared/GUIDE.md``).

These models are the public contract the agent, the REST API and the evaluation share: the field
names and defaults are the catalogue's. Field descriptions are what a chat model reads. Values
are validated here (ranges, enumerations); the services check what needs the data (known users,
departments, products).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cartwise.catalog import MAX_K

#: Recommendation strategies (the recommenders' names).
Strategy = Literal["hybrid", "als", "item_cf", "popularity", "repeat"]
#: Splits of the conversion funnel.
FunnelBy = Literal["device", "sex", "week", "month"]
#: Groupings of order trends.
TrendBy = Literal["dow", "hour", "day", "week", "month"]
#: Groupings of the sales summary.
SalesBy = Literal["day", "week", "month", "dow", "hour", "department", "aisle"]
#: What an anomaly is looked for in.
AnomalyMetric = Literal["orders", "revenue", "shoppers", "aov"]
#: What an earlier list can be sorted by (products: price, score, name, popularity; shoppers:
#: score, value).
SortBy = Literal["price", "score", "name", "popularity", "value"]

_K = f"How many results to return (1-{MAX_K})."
_USER = "The shopper's user id (a positive whole number)."
_PRODUCT = ("The product: its name as the shopper said it (\"bananas\", \"greek yogurt\"), its "
            "catalogue id (\"24852\") or the shop's own product code (\"85099B\").")
_DEPARTMENT = "Only products of this catalogue department (e.g. \"produce\", \"dairy eggs\")."
_MIN_PRICE = "Lowest price, inclusive, in the shop's currency."
_MAX_PRICE = "Highest price, inclusive, in the shop's currency."


class ToolArgs(BaseModel):
    """Base of the argument models: unknown arguments are an error, blank strings are None."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, bool) and info.field_name is not None and cls.model_fields[
                info.field_name].annotation in (int, int | None):
            raise PydanticCustomError("int_not_bool", "must be a whole number, not true/false")
        return None if isinstance(value, str) and not value.strip() else value


class PriceRange(ToolArgs):
    """A price range; ``min_price`` must not exceed ``max_price`` (else an error on
    ``max_price``)."""

    min_price: float | None = Field(None, ge=0, description=_MIN_PRICE)
    max_price: float | None = Field(None, ge=0, description=_MAX_PRICE)

    @field_validator("max_price")
    @classmethod
    def _ordered(cls, value: float | None, info: ValidationInfo) -> float | None:
        # A field validator, not a model validator, so the error names the argument
        # (a model validator's error has no location: it would say "arguments").
        lo = info.data.get("min_price")
        if value is not None and lo is not None and lo > value:
            raise PydanticCustomError("price_range", f"must be at least min_price ({lo:g})")
        return value


class RecommendArgs(PriceRange):
    user_id: int = Field(gt=0, description=_USER)
    k: int = Field(5, ge=1, le=MAX_K, description=_K)
    strategy: Strategy = Field("hybrid", description=(
        "hybrid (the default blend), als (matrix factorisation), item_cf (item-based "
        "collaborative filtering), popularity (best sellers) or repeat (their usual products)."))
    department: str | None = Field(None, description=_DEPARTMENT)
    exclude_purchased: bool = Field(False, description="Only products the shopper never bought.")


class SearchArgs(PriceRange):
    query: str = Field(min_length=1, max_length=500,
                       description="What to look for, in plain words (\"organic almond milk\").")
    k: int = Field(5, ge=1, le=MAX_K, description=_K)
    department: str | None = Field(None, description=_DEPARTMENT)


class ProductArgs(ToolArgs):
    product: str = Field(min_length=1, max_length=300, description=_PRODUCT)

    @field_validator("product", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ProductListArgs(ProductArgs):
    k: int = Field(5, ge=1, le=MAX_K, description=_K)


class PopularArgs(ToolArgs):
    k: int = Field(10, ge=1, le=MAX_K, description=_K)
    department: str | None = Field(None, description=_DEPARTMENT)


class UserArgs(ToolArgs):
    user_id: int = Field(gt=0, description=_USER)


class UserListArgs(UserArgs):
    k: int = Field(5, ge=1, le=MAX_K, description=_K)


class OptionalUserArgs(ToolArgs):
    user_id: int | None = Field(None, gt=0, description=(
        "One shopper's user id; leave it out for the top shoppers."))
    k: int = Field(10, ge=1, le=MAX_K, description=f"How many shoppers to list (1-{MAX_K}).")


class NoArgs(ToolArgs):
    pass


class FunnelArgs(ToolArgs):
    device: str | None = Field(None, description="Only this device (e.g. \"mobile\", "
                                                 "\"desktop\").")
    sex: str | None = Field(None, description="Only this sex (\"male\" or \"female\").")
    by: FunnelBy | None = Field(None, description="Split by device, sex, week or month.")


class TrendArgs(ToolArgs):
    by: TrendBy | None = Field(None, description=(
        "dow (day of the week), hour, day, week or month; default: week when orders have dates, "
        "else dow."))


class SalesArgs(ToolArgs):
    by: SalesBy | None = Field(None, description=(
        "Per day, week, month, dow (day of the week), hour, department or aisle; default: "
        "month (department when the data has no dates)."))
    start: str | None = Field(None, max_length=10, description=(
        "First day, an ISO date (2011-11-01; a month 2011-11 means its first day)."))
    end: str | None = Field(None, max_length=10, description="Last day, an ISO date, inclusive.")
    compare: bool = Field(True, description=(
        "Compare the latest complete period with the one before and a year earlier."))


class HistoryArgs(UserArgs):
    orders: int = Field(5, ge=1, le=50, description="How many recent orders (1-50).")


class CohortArgs(ToolArgs):
    by: Literal["month", "week"] = Field("month", description="Cohorts by first-order month "
                                                               "or week.")
    periods: int = Field(12, ge=1, le=52, description=(
        "How many cohorts and periods since the first order (months: 1-24, weeks: 1-52)."))
    metric: Literal["shoppers", "revenue"] = Field("shoppers", description=(
        "shoppers (share still ordering) or revenue (revenue kept vs the first period)."))


class AnomalyArgs(ToolArgs):
    metric: AnomalyMetric = Field("orders", description=(
        "orders, revenue, shoppers or aov (average order value)."))
    by: Literal["day", "week"] = Field("day", description="Look at days or weeks.")
    k: int = Field(10, ge=1, le=50, description="How many anomalies at most (1-50).")


class InsightsArgs(ToolArgs):
    period: Literal["week", "month"] = Field("week", description="The digest's period.")


class RefineArgs(PriceRange):
    source: str | None = Field(None, max_length=100, description=(
        "Which earlier list of this conversation: \"last\" (the default), \"previous\" (the "
        "one before), or the tool that made it (\"search_products\", \"recommend_products\", "
        "...)."))
    sort_by: SortBy | None = Field(None, description=(
        "Sort by price, score (the tool's relevance or similarity), name or popularity "
        "(products), or score or value (shoppers)."))
    order: Literal["asc", "desc"] | None = Field(None, description=(
        "asc (lowest first) or desc (highest first); default: asc for price and name, desc "
        "otherwise."))
    department: str | None = Field(None, description=_DEPARTMENT)
    exclude_purchased: bool = Field(False, description=(
        "Only products the shopper of an earlier recommendation list never bought."))
    position: int | None = Field(None, ge=-1, le=MAX_K, description=(
        "Pick one entry by its 1-based position (after sorting and filtering; -1 = the last), "
        "e.g. to explain why it was suggested."))
    k: int | None = Field(None, ge=1, le=MAX_K, description="Keep at most this many.")

    @field_validator("position")
    @classmethod
    def _not_zero(cls, value: int | None) -> int | None:
        if value == 0:
            raise PydanticCustomError("position", "positions start at 1 (-1 is the last)")
        return value
