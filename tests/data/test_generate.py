"""Tests of the demo data generator (:mod:`cartwise.data.generate`).

Most tests read one small data set (300 users x 2,000 products, ~0.1 s) generated once per
module (in a catalogue of a few hundred products nearly everything is a reorder, so the realism
ranges are checked on a slightly larger one); the
``--catalog`` tests use the real Instacart catalogue in ``../shared/data`` (beside the repository)
and are skipped, saying why, when that folder is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartwise.data import catalog_vocab as vocab
from cartwise.data import generate as gen
from cartwise.data.generate import GenerateReport, generate_demo
from cartwise.errors import ConfigError, DataError

USERS, PRODUCTS, SEED = 300, 2_000, 7
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
INSTACART_CATALOG = SHARED_DATA / "instacart_catalog"
needs_catalog = pytest.mark.skipif(
    not (INSTACART_CATALOG / "products.csv").exists(),
    reason=f"real Instacart catalogue not found at {INSTACART_CATALOG} (../shared/data beside the "
    "repository)",
)

EXPECTED_COLUMNS = {
    "products.csv": ["product_id", "product_name", "aisle_id", "department_id", "price"],
    "aisles.csv": ["aisle_id", "aisle"],
    "departments.csv": ["department_id", "department"],
    "orders.csv": ["order_id", "user_id", "eval_set", "order_number", "order_dow",
                   "order_hour_of_day", "days_since_prior_order", "ordered_at"],
    "order_products__prior.csv": ["order_id", "product_id", "add_to_cart_order", "reordered",
                                  "quantity"],
    "order_products__train.csv": ["order_id", "product_id", "add_to_cart_order", "reordered",
                                  "quantity"],
    "funnel/user_table.csv": ["user_id", "date", "device", "sex"],
    "funnel/home_page_table.csv": ["user_id", "home_page"],
    "funnel/search_page_table.csv": ["user_id", "search_page"],
    "funnel/payment_page_table.csv": ["user_id", "payment_page"],
    "funnel/payment_confirmation_table.csv": ["user_id", "payment_confirmation_page"],
}
FUNNEL_STEPS = ["home_page", "search_page", "payment_page", "payment_confirmation"]


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    out = tmp_path_factory.mktemp("gen") / "demo"
    report = generate_demo(out, users=USERS, products=PRODUCTS, seed=SEED, progress=False)
    return out, report


@pytest.fixture(scope="module")
def out(generated: tuple[Path, GenerateReport]) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {
        "products": pd.read_csv(out / "products.csv"),
        "aisles": pd.read_csv(out / "aisles.csv"),
        "departments": pd.read_csv(out / "departments.csv"),
        "orders": pd.read_csv(out / "orders.csv"),
        "prior": pd.read_csv(out / "order_products__prior.csv"),
        "train": pd.read_csv(out / "order_products__train.csv"),
    }


@pytest.fixture(scope="module")
def lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All lines with their order's user, number and eval_set."""
    both = pd.concat([tables["prior"].assign(file="prior"), tables["train"].assign(file="train")])
    cols = ["order_id", "user_id", "order_number", "eval_set"]
    return both.merge(tables["orders"][cols], on="order_id", how="left", validate="many_to_one")


def _csv_files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*.csv"))


# ---------------------------------------------------------------------------- files and layout


def test_files_and_columns(out: Path) -> None:
    for name, columns in EXPECTED_COLUMNS.items():
        path = out / name
        assert path.is_file(), name
        assert pd.read_csv(path, nrows=0).columns.tolist() == columns, name
    doc = json.loads((out / "generate.json").read_text())
    assert doc["parameters"] == {"users": USERS, "products": PRODUCTS, "seed": SEED,
                                 "catalog": None}
    assert set(doc["report"]) == set(GenerateReport.__dataclass_fields__)


def test_report_matches_files(generated: tuple[Path, GenerateReport],
                              tables: dict[str, pd.DataFrame]) -> None:
    _, report = generated
    assert report.users == USERS and report.products == PRODUCTS == len(tables["products"])
    assert report.orders == len(tables["orders"])
    assert report.prior_lines == len(tables["prior"])
    assert report.train_lines == len(tables["train"])
    assert report.lines == report.prior_lines + report.train_lines
    assert report.funnel_visitors == 5 * USERS
    assert report.to_dict()["orders"] == report.orders
    n_reordered = tables["prior"]["reordered"].sum() + tables["train"]["reordered"].sum()
    assert report.reorder_rate == pytest.approx(n_reordered / report.lines, abs=1e-4)


def test_number_formats(out: Path) -> None:
    products = (out / "products.csv").read_text().splitlines()[1:]
    assert all(re.search(r",\d+\.\d\d$", row) for row in products)
    orders = (out / "orders.csv").read_text().splitlines()
    assert orders[0] == ",".join(EXPECTED_COLUMNS["orders.csv"])  # header not quoted
    first = orders[1].split(",")
    assert first[2] == "prior" and first[6] == ""  # first order: no days_since_prior_order
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first[7])
    assert all(re.fullmatch(r"\d+\.0", row.split(",")[6]) for row in orders[2:50]
               if row.split(",")[3] != "1")


# -------------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_demo(again, users=USERS, products=PRODUCTS, seed=SEED, progress=False)
    assert _csv_files(again) == _csv_files(out)
    for rel in _csv_files(out):
        assert (again / rel).read_bytes() == (out / rel).read_bytes(), rel
    doc_a = json.loads((out / "generate.json").read_text())
    doc_b = json.loads((again / "generate.json").read_text())
    doc_a["report"].pop("seconds")
    doc_b["report"].pop("seconds")
    assert doc_a == doc_b


def test_different_seed_differs(out: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate_demo(other, users=USERS, products=PRODUCTS, seed=SEED + 1, progress=False)
    for name in ("products.csv", "orders.csv", "order_products__prior.csv",
                 "funnel/user_table.csv"):
        assert (other / name).read_bytes() != (out / name).read_bytes(), name


# ---------------------------------------------------------------------- ids and integrity


def test_ids_and_referential_integrity(tables: dict[str, pd.DataFrame],
                                       lines: pd.DataFrame) -> None:
    products, orders = tables["products"], tables["orders"]
    assert products.product_id.tolist() == list(range(1, PRODUCTS + 1))
    assert set(products.aisle_id) <= set(tables["aisles"].aisle_id)
    assert set(products.department_id) <= set(tables["departments"].department_id)
    assert orders.order_id.tolist() == list(range(1, len(orders) + 1))
    assert sorted(orders.user_id.unique()) == list(range(1, USERS + 1))
    assert lines.user_id.notna().all(), "every line's order exists"
    assert set(lines.product_id) <= set(products.product_id)
    assert not lines.duplicated(["order_id", "product_id"]).any()
    # prior lines belong to prior orders, train lines to train orders
    assert (lines.file == lines.eval_set).all()
    # every order has at least one line
    assert set(orders.order_id) == set(lines.order_id)


def test_orders_per_user(tables: dict[str, pd.DataFrame]) -> None:
    orders = tables["orders"]
    per_user = orders.groupby("user_id")
    n = per_user.size()
    assert n.min() >= 4 and n.max() <= 100
    assert 12 <= n.mean() <= 24
    # order_number is 1..n per user
    assert (per_user.order_number.apply(lambda s: s.tolist() == list(range(1, len(s) + 1)))).all()
    train = orders[orders.eval_set == "train"]
    assert set(orders.eval_set) == {"prior", "train"}
    assert train.user_id.is_unique and len(train) == USERS
    assert (train.set_index("user_id").order_number == n).all(), "train is the last order"


def test_add_to_cart_order(lines: pd.DataFrame) -> None:
    pos = lines.sort_values(["order_id", "add_to_cart_order"]).groupby("order_id").add_to_cart_order
    assert (pos.apply(lambda s: s.tolist() == list(range(1, len(s) + 1)))).all()


def test_reordered_is_bought_before_by_user(lines: pd.DataFrame) -> None:
    ordered = lines.sort_values(["user_id", "order_number", "add_to_cart_order"])
    expected = ordered.duplicated(["user_id", "product_id"]).astype(int)
    assert (ordered.reordered == expected).all()
    assert (lines[lines.order_number == 1].reordered == 0).all()


# ---------------------------------------------------------------------------------- timestamps


def test_timestamps_agree_with_dow_hour_and_gaps(tables: dict[str, pd.DataFrame]) -> None:
    orders = tables["orders"].sort_values(["user_id", "order_number"])
    at = pd.to_datetime(orders.ordered_at, format="%Y-%m-%d %H:%M:%S")
    assert ((at.dt.day_of_week + 1) % 7 == orders.order_dow).all(), "0 = Sunday"
    assert (at.dt.hour == orders.order_hour_of_day).all()
    assert at.max() <= pd.Timestamp("2025-06-30 23:59:59")
    same_user = orders.user_id.eq(orders.user_id.shift())
    assert (at.diff()[same_user] >= pd.Timedelta(0)).all(), "order_number is chronological"
    day_gap = at.dt.normalize().diff().dt.days
    expected = day_gap.where(same_user).clip(upper=30)
    days = orders.days_since_prior_order
    assert days[~same_user].isna().all()
    assert (days[same_user] == expected[same_user]).all()
    assert days.max() <= 30 and days.min() >= 0


def test_weekday_and_hour_patterns(tables: dict[str, pd.DataFrame]) -> None:
    orders = tables["orders"]
    dow = orders.order_dow.value_counts(normalize=True)
    assert min(dow[0], dow[1]) > max(dow[d] for d in range(2, 7)), "Sunday/Monday busiest"
    hour = orders.order_hour_of_day
    assert hour.between(10, 16).mean() > 0.45
    assert hour.between(0, 5).mean() < 0.05


# ------------------------------------------------------------------------------------ realism


def test_realism_ranges(tables: dict[str, pd.DataFrame], lines: pd.DataFrame) -> None:
    assert 0.50 <= lines.reordered.mean() <= 0.68
    basket = lines.groupby("order_id").size()
    assert 8 <= basket.mean() <= 12
    counts = lines.product_id.value_counts()
    top = counts.iloc[: max(1, len(tables["products"]) // 10)].sum()
    assert top / counts.sum() > 0.40, "long tail: top 10% of products hold > 40% of lines"
    assert lines.quantity.min() >= 1 and (lines.quantity == 1).mean() > 0.75
    assert lines.quantity.max() <= 6


def test_prices_within_aisle_ranges(tables: dict[str, pd.DataFrame]) -> None:
    products = tables["products"].merge(tables["aisles"], on="aisle_id")
    lo = products.aisle.map(lambda a: vocab.AISLES[a]["price"][0])
    hi = products.aisle.map(lambda a: vocab.AISLES[a]["price"][1])
    assert (products.price >= lo - 1e-9).all()
    assert (products.price <= hi + 1e-9).all()
    endings = (products.price * 100).round().astype(int) % 10
    assert endings.isin([5, 9]).mean() > 0.6


def test_co_purchase_signal(tables: dict[str, pd.DataFrame], lines: pd.DataFrame) -> None:
    """Complementary aisles share baskets more often than chance (mean lift over the pairs)."""
    aisle = lines.merge(tables["products"], on="product_id").merge(tables["aisles"])
    baskets = aisle.groupby("aisle").order_id.apply(set)
    n = lines.order_id.nunique()
    lifts = []
    for a, b in vocab.COMPLEMENTS:
        if a != b and a in baskets and b in baskets and len(baskets[a]) >= 30:
            both = len(baskets[a] & baskets[b])
            lifts.append(both * n / (len(baskets[a]) * len(baskets[b])))
    assert len(lifts) >= 10
    assert np.mean(lifts) > 1.5


def test_users_differ_in_price_level(tables: dict[str, pd.DataFrame], lines: pd.DataFrame) -> None:
    priced = lines.merge(tables["products"], on="product_id")
    priced["rel"] = np.log(priced.price / priced.groupby("aisle_id").price.transform("median"))
    level = priced.groupby("user_id").rel.mean()
    assert level.quantile(0.9) - level.quantile(0.1) > 0.2  # about 20% or more apart


# ---------------------------------------------------------------------------------- catalogue


def test_product_names_unique(tables: dict[str, pd.DataFrame]) -> None:
    assert tables["products"].product_name.str.casefold().is_unique


def test_full_size_catalogue_has_unique_names() -> None:
    catalog = gen._own_catalog(50_000, np.random.default_rng(0))
    assert catalog.n_products == 50_000
    assert len({n.casefold() for n in catalog.name}) == 50_000


@pytest.mark.parametrize("n_products", [20, 200])
def test_small_catalogue_keeps_staples_and_departments(tmp_path: Path, n_products: int) -> None:
    out = tmp_path / "small"
    generate_demo(out, users=5, products=n_products, seed=1, progress=False)
    products = pd.read_csv(out / "products.csv")
    assert len(products) == n_products
    assert set(products.department_id) == set(range(1, len(vocab.DEPARTMENTS) + 1))
    if n_products < 200:
        return  # one product per department: no room for every staple
    names = products.product_name.str.casefold()
    for word in ("banana", "milk", "eggs", "strawberries", "yogurt", "bread", "cheese", "water"):
        assert names.str.contains(word).any(), word


# --------------------------------------------------------------------------------------- funnel


def test_funnel_steps_are_nested(out: Path) -> None:
    users = pd.read_csv(out / "funnel/user_table.csv")
    assert len(users) == 5 * USERS and users.user_id.is_unique
    assert set(users.device) <= {"Desktop", "Mobile"}
    assert set(users.sex) <= {"Male", "Female"}
    dates = pd.to_datetime(users.date, format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2025-03-01") and dates.max() <= pd.Timestamp("2025-06-30")
    previous = set(users.user_id)
    for step in FUNNEL_STEPS:
        page = "payment_confirmation_page" if step == "payment_confirmation" else step
        table = pd.read_csv(out / f"funnel/{step}_table.csv")
        assert (table[page] == page).all()
        ids = set(table.user_id)
        assert ids <= previous, step
        previous = ids


def test_funnel_conversion_rates(tmp_path: Path) -> None:
    n = gen._write_funnel(tmp_path / "funnel", 1_000_000, np.random.default_rng(3))
    assert n == 500_000  # 5 x users, capped
    users = pd.read_csv(tmp_path / "funnel/user_table.csv")
    for step in FUNNEL_STEPS[1:]:
        users[step] = users.user_id.isin(pd.read_csv(tmp_path / f"funnel/{step}_table.csv").user_id)
    searched = users[users.search_page]
    paid = users[users.payment_page]
    assert users.search_page.mean() == pytest.approx(0.5, abs=0.01)
    assert paid.shape[0] / searched.shape[0] == pytest.approx(0.133, abs=0.01)
    assert users.payment_confirmation.sum() / paid.shape[0] == pytest.approx(0.075, abs=0.01)
    assert users.payment_confirmation.mean() == pytest.approx(0.005, abs=0.001)
    by_device = searched.groupby("device").payment_page.mean()
    assert 1.7 < by_device["Mobile"] / by_device["Desktop"] < 2.3
    by_sex = searched.groupby("sex").payment_page.mean()
    assert 1.0 < by_sex["Female"] / by_sex["Male"] < 1.25


# ------------------------------------------------------------------------------ real catalogue


@needs_catalog
def test_instacart_catalog_sample(tmp_path: Path) -> None:
    out = tmp_path / "insta"
    report = generate_demo(out, users=200, products=400, seed=3, catalog_dir=INSTACART_CATALOG,
                           progress=False)
    source = pd.read_csv(INSTACART_CATALOG / "products.csv")
    products = pd.read_csv(out / "products.csv")
    assert report.products == len(products) == 400
    merged = products.merge(source, on="product_id", suffixes=("", "_src"), validate="one_to_one")
    assert len(merged) == 400
    assert (merged.product_name == merged.product_name_src).all()
    assert (merged.aisle_id == merged.aisle_id_src).all()
    assert set(products.department_id) == set(source.department_id), "every department kept"
    assert (products.price > 0).all()
    lines = pd.read_csv(out / "order_products__prior.csv")
    assert set(lines.product_id) <= set(products.product_id)
    assert pd.read_csv(out / "aisles.csv").equals(pd.read_csv(INSTACART_CATALOG / "aisles.csv"))


@needs_catalog
def test_instacart_catalog_whole(tmp_path: Path) -> None:
    out = tmp_path / "insta_all"
    report = generate_demo(out, users=20, products=10**6, seed=3, catalog_dir=INSTACART_CATALOG,
                           progress=False)
    source = pd.read_csv(INSTACART_CATALOG / "products.csv")
    products = pd.read_csv(out / "products.csv")
    assert report.products == len(source) == len(products)
    assert products.product_id.tolist() == sorted(source.product_id)
    meat = products[products.department_id == 12].price  # meat seafood
    produce = products[products.department_id == 4].price
    assert meat.median() > 2 * produce.median()


# -------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"users": 0, "products": 400}, "users"),
        ({"users": 10, "products": 19}, "products"),
        ({"users": 10, "products": 400, "seed": -1}, "seed"),
        ({"users": 1.5, "products": 400}, "users"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, object], word: str) -> None:
    with pytest.raises(ConfigError, match=word):
        generate_demo(tmp_path / "x", progress=False, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()


def test_catalog_without_products_file(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "aisles.csv").write_text("aisle_id,aisle\n1,fresh fruits\n")
    (cat / "departments.csv").write_text("department_id,department\n1,produce\n")
    with pytest.raises(DataError, match="products.csv") as err:
        generate_demo(tmp_path / "out", users=5, products=20, catalog_dir=cat, progress=False)
    assert err.value.path == cat / "products.csv"


def test_catalog_missing_column(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "products.csv").write_text("product_id,product_name,aisle_id\n1,Banana,1\n")
    (cat / "aisles.csv").write_text("aisle_id,aisle\n1,fresh fruits\n")
    (cat / "departments.csv").write_text("department_id,department\n1,produce\n")
    with pytest.raises(DataError, match="products.csv") as err:
        generate_demo(tmp_path / "out", users=5, products=20, catalog_dir=cat, progress=False)
    assert err.value.column == "department_id"


def test_catalog_unknown_aisle(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "products.csv").write_text(
        "product_id,product_name,aisle_id,department_id\n1,Banana,1,1\n2,Apple,9,1\n")
    (cat / "aisles.csv").write_text("aisle_id,aisle\n1,fresh fruits\n")
    (cat / "departments.csv").write_text("department_id,department\n1,produce\n")
    with pytest.raises(DataError, match="products.csv.*aisle_id.*line 3"):
        generate_demo(tmp_path / "out", users=5, products=20, catalog_dir=cat, progress=False)


def test_missing_catalog_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nope"):
        generate_demo(tmp_path / "out", users=5, products=20, catalog_dir=tmp_path / "nope",
                      progress=False)


# -------------------------------------------------------------------------------- atomic output


def _previous_output(tmp_path: Path) -> Path:
    out = tmp_path / "demo"
    generate_demo(out, users=5, products=20, seed=1, progress=False)
    (out / "marker.txt").write_text("old")
    return out


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(".demo.")]


def test_failed_generation_keeps_old_output(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = _previous_output(tmp_path)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(DataError):
        generate_demo(out, users=5, products=20, catalog_dir=tmp_path / "missing", progress=False)

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(gen, "_write_funnel", boom)  # fails after the order files are written
    with pytest.raises(RuntimeError, match="disk full"):
        generate_demo(out, users=5, products=20, seed=2, progress=False)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert _leftovers(tmp_path) == []


def test_success_replaces_old_output(tmp_path: Path) -> None:
    out = _previous_output(tmp_path)
    generate_demo(out, users=5, products=20, seed=2, progress=False)
    assert not (out / "marker.txt").exists()
    assert json.loads((out / "generate.json").read_text())["parameters"]["seed"] == 2
    assert _leftovers(tmp_path) == []


def test_refuses_to_replace_unrelated_folder(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(ConfigError, match="refusing"):
        generate_demo(out, users=5, products=20, progress=False)
    assert (out / "thesis.tex").read_text() == "precious"
