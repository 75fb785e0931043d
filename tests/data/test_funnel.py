"""The funnel tables: the real Kaggle data and a small hand-made set."""

from __future__ import annotations

from pathlib import Path

from cartwise.data.funnel import find_funnel_dir, load_funnel
from cartwise.data.schema import FUNNEL_STEPS


def test_real_funnel_tables(shared_data: Path) -> None:
    users, events = load_funnel(shared_data / "ecommerce_funnel")
    assert len(users) == 90_400
    counts = events["step"].value_counts().to_dict()
    assert counts == {"home": 90_400, "search": 45_200, "payment": 6_030, "confirmation": 452}
    assert set(users["device"]) == {"Desktop", "Mobile"}
    assert set(users["sex"]) == {"Male", "Female"}
    assert users["visit_date"].min().year == 2015


def _write(folder: Path, confirmations: str) -> Path:
    folder.mkdir()
    (folder / "user_table.csv").write_text(
        '"user_id","date","device","sex"\n1,"2015-01-01","Desktop","Male"\n'
        '2,"2015-01-02","Mobile","Female"\n')
    (folder / "home_page_table.csv").write_text("user_id,page\r\n1,home_page\r\n2,home_page")
    (folder / "search_page_table.csv").write_text("user_id,page\r\n2,search_page")
    (folder / "payment_page_table.csv").write_text("user_id,page\r\n2,payment_page")
    (folder / "payment_confirmation_table.csv").write_text(confirmations)
    return folder


def test_a_step_nobody_reached_is_fine(tmp_path: Path) -> None:
    users, events = load_funnel(_write(tmp_path / "f", "user_id,page\r\n"))
    assert len(users) == 2
    assert events.groupby("step").size().reindex(FUNNEL_STEPS, fill_value=0).tolist() == [
        2, 1, 1, 0]


def test_found_in_a_funnel_subfolder(tmp_path: Path) -> None:
    _write(tmp_path / "funnel", "user_id,page\n2,payment_confirmation_page\n")
    assert find_funnel_dir(tmp_path) == tmp_path / "funnel"
    assert find_funnel_dir(tmp_path / "funnel") == tmp_path / "funnel"
    assert find_funnel_dir(tmp_path / "funnel" / "user_table.csv") == tmp_path / "funnel"
    (tmp_path / "empty").mkdir()
    assert find_funnel_dir(tmp_path / "empty") is None
