"""The tools over a store built from a transaction log (Online Retail style): the shop's own
product codes are accepted wherever a product is, entries carry them, and money is in the
currency the settings give."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cartwise.build import build_store
from cartwise.config import get_settings
from cartwise.services import Services, build_services
from cartwise.tools.registry import run_tool
from cartwise.tools.results import BoughtTogether, Failure, ProductDetails, SearchResults

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
#: Three customers; JUMBO BAG (85099B) and the trinket box (21232) share six baskets (pairs
#: need five).
_BAG = "85099B,JUMBO BAG RED RETROSPOT,2,2010-01-{day:02d} 10:00:00,1.95,{customer},United Kingdom"
_BOX = ("21232,STRAWBERRY CERAMIC TRINKET BOX,4,2010-01-{day:02d} 10:00:00,1.25,{customer},"
        "United Kingdom")
LINES = [f"4900{day:02d},{item.format(day=day, customer=12001 + day % 3)}"
         for day in range(1, 7) for item in (_BAG, _BOX)] + [
    "490010,22423,REGENCY CAKESTAND 3 TIER,1,2010-01-10 12:00:00,12.75,12003,United Kingdom",
    "490011,84879,ASSORTED COLOUR BIRD ORNAMENT,8,2010-01-11 09:00:00,1.69,12001,United Kingdom",
    "490012,22423,REGENCY CAKESTAND 3 TIER,1,2010-01-12 12:00:00,12.75,12002,United Kingdom",
    "490012,84879,ASSORTED COLOUR BIRD ORNAMENT,4,2010-01-12 12:00:00,1.69,12002,United Kingdom",
]


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    home = tmp_path_factory.mktemp("retail")
    log = home / "log.csv"
    log.write_text(HEADER + "\n".join(LINES) + "\n", encoding="utf-8")
    settings = get_settings(home=home, data_dir=log, currency="GBP", sessions="memory")
    build_store(settings)
    services = build_services(settings)
    yield services
    services.close()


@pytest.mark.parametrize("code", ["85099B", "85099b", " 85099B "])
def test_a_product_code_names_its_product(retail: Services, code: str) -> None:
    result = run_tool(retail, "product_details", {"product": code})
    assert isinstance(result, ProductDetails), result
    assert result.product.code == "85099B" and result.product.name == "JUMBO BAG RED RETROSPOT"
    assert result.resolved is not None and result.resolved.by == "code"
    assert result.resolved.confidence == 1.0


def test_codes_work_for_every_product_tool(retail: Services) -> None:
    together = run_tool(retail, "frequently_bought_together", {"product": "85099B"})
    assert isinstance(together, BoughtTogether), together
    assert [p.code for p in together.items] == ["21232"]
    similar = run_tool(retail, "similar_products", {"product": "22423"})
    assert not isinstance(similar, Failure) and similar.product.code == "22423"
    found = run_tool(retail, "search_products", {"query": "84879"})
    assert isinstance(found, SearchResults) and found.items[0].code == "84879"
    assert found.items[0].matched_by == "code"


def test_entries_carry_the_code_and_the_currency(retail: Services) -> None:
    best = run_tool(retail, "popular_products", {"k": 4}).model_dump(mode="json")
    assert {i["code"] for i in best["items"]} == {"85099B", "21232", "22423", "84879"}
    assert {i["currency"] for i in best["items"]} == {"GBP"}
    profile = run_tool(retail, "user_profile", {"user_id": 12001}).model_dump(mode="json")
    assert profile["currency"] == "GBP" and profile["value_unit"] == "currency"


def test_an_unknown_code_is_not_found(retail: Services) -> None:
    result = run_tool(retail, "product_details", {"product": "99999Z"})
    assert isinstance(result, Failure) and result.error_type == "not_found"
    assert result.subject == "product"


def test_the_offline_agent_answers_in_the_data_currency(retail: Services) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from cartwise.agent.factory import build_chat_service
    from cartwise.agent.memory import Sessions

    chat = build_chat_service(retail.settings, retail,
                              sessions=Sessions(InMemorySaver(), "memory", ""))
    reply = chat.reply("s", "what are the best sellers?").reply
    assert "£" in reply and "$" not in reply
