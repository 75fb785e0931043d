"""The offline evaluation protocol: the split, the baselines, the real log, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.data.instacart import load_instacart
from cartwise.recsys.evaluate import baseline_lists, holdout_split, weight_grid
from cartwise.recsys.interactions import build_interactions
from tests.factories import write_instacart


def test_holdout_split_by_hand(tmp_path: Path) -> None:
    data = load_instacart(write_instacart(tmp_path / "d"))
    split = holdout_split(data)
    # user 1's last basket with lines is order 102 (banana, strawberries); user 2's is 201
    # (order 202 is a test-set order without lines)
    assert split.targets == {1: {10, 11}, 2: {11, 20}}
    assert set(split.lines["order_id"]) == {100, 101, 200}
    val = holdout_split(data, skip_last=1)
    # one basket earlier: user 1's order 101; user 2 has too few baskets
    assert val.targets == {1: {10, 30}}
    assert set(val.lines["order_id"]) == {100, 200}


def test_p_topfreq_by_hand(tmp_path: Path) -> None:
    data = load_instacart(write_instacart(tmp_path / "d"))
    split = holdout_split(data)
    x = build_interactions(data, split.orders, split.lines)
    g, p = baseline_lists(x, [1, 2], k=3)
    # training baskets: 100 (banana, yogurt), 101 (banana, spaghetti), 200 (strawberries):
    # banana twice, the others once (ties by product id)
    assert g[1] == [10, 11, 20]
    # user 1: banana twice, then spaghetti (day 7) before yogurt (day 0)
    assert p[1] == [10, 30, 20]
    # user 2 bought only strawberries, padded with the best sellers
    assert p[2] == [11, 10, 20]


def test_weight_grid_sums_to_one() -> None:
    grid = weight_grid(["a", "b", "c"], step=0.5)
    assert len(grid) == 6
    assert all(sum(w.values()) == pytest.approx(1.0) for w in grid)


@pytest.mark.parametrize("year", ["2009_2010", "2010_2011"])
def test_hybrid_at_least_p_topfreq_on_online_retail(shared_data: Path, tmp_path: Path,
                                                    year: str) -> None:
    """The protocol end to end on the real log with default settings: build (which chooses the
    hybrid's settings on the validation split), then `cartwise eval recsys --json`."""
    runner = CliRunner()
    log = shared_data / "online_retail_ii" / f"online_retail_ii_{year}.csv"
    store = str(tmp_path / "s")
    assert runner.invoke(app, ["build", "--data", str(log), "--store", store]).exit_code == 0
    result = runner.invoke(app, ["eval", "recsys", "--store", store, "--json", "--k", "10"])
    out = json.loads(result.output)
    hybrid, ptop = out["hybrid"], out["P-TopFreq"]
    assert out["_meta"]["users"] == {"2009_2010": 103, "2010_2011": 133}[year]
    assert hybrid["recall@10"] >= ptop["recall@10"]
    assert hybrid["ndcg@10"] >= ptop["ndcg@10"]
    assert out["G-TopFreq"]["recall@10"] < ptop["recall@10"]


def test_eval_command_json(tmp_path: Path, demo_dir: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "s"
    assert runner.invoke(app, ["build", "--data", str(demo_dir), "--store", str(store)],
                         env={"CARTWISE_ALS_FACTORS": "8", "CARTWISE_ALS_ITERATIONS": "4"}
                         ).exit_code == 0
    result = runner.invoke(app, ["eval", "recsys", "--store", str(store), "--json", "--k", "5"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for name in ("hybrid", "als", "item_cf", "popularity", "repeat", "G-TopFreq", "P-TopFreq"):
        assert set(out[name]) == {"recall@5", "ndcg@5", "hit_rate@5", "precision@5",
                                  "coverage@5"}
    assert out["_meta"]["users"] == 150
    table = runner.invoke(app, ["eval", "recsys", "--store", str(store), "--users", "50"])
    assert table.exit_code == 0 and "| P-TopFreq |" in table.output
    assert "50 users evaluated" in table.output
