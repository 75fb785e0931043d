"""The command line: build, errors at the edge, help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.config import Settings
from cartwise.data.stage import load_data
from cartwise.store import Store
from tests.factories import PRIOR

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "build", "info"):
        assert command in result.output
    build_help = runner.invoke(app, ["build", "--help"]).output
    for option in ("--data", "--layout", "--store", "--force", "--column"):
        assert option in build_help


def test_build_then_up_to_date(tmp_path: Path, instacart_dir: Path) -> None:
    args = ["build", "--data", str(instacart_dir), "--store", str(tmp_path / "s")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "data stage built" in first.output
    assert "order_lines 9" in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert "up to date" in second.output
    info = runner.invoke(app, ["info", "--store", str(tmp_path / "s")])
    assert info.exit_code == 0, info.output
    lines = info.output.splitlines()
    assert len(lines) <= 20 and '"input_hash"' not in info.output
    assert lines[1].startswith("data       instacart layout from ")
    assert ", 9 order lines;" in info.output and "chat       offline" in info.output
    manifests = runner.invoke(app, ["info", "--json", "--store", str(tmp_path / "s")])
    assert manifests.exit_code == 0 and '"input_hash"' in manifests.output


def test_bad_data_exits_non_zero_with_one_message(tmp_path: Path, instacart_dir: Path) -> None:
    store_dir = tmp_path / "s"
    args = ["build", "--data", str(instacart_dir), "--store", str(store_dir)]
    assert runner.invoke(app, args).exit_code == 0
    (instacart_dir / "order_products__prior.csv").write_text(PRIOR + "999,10,1,0\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 3
    assert "error: file" in result.output
    assert "order_products__prior.csv" in result.output and "line 9" in result.output
    assert "Traceback" not in result.output
    assert len(load_data(Store(store_dir)).order_lines) == 9  # the last good store is intact


def test_missing_data_path(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--data", str(tmp_path / "nope")])
    assert result.exit_code == 3
    assert "data path not found" in result.output


def test_bad_options_are_config_errors(tmp_path: Path, instacart_dir: Path) -> None:
    result = runner.invoke(app, ["build", "--data", str(instacart_dir), "--column", "oops"])
    assert result.exit_code == 2 and "FIELD=HEADER" in result.output
    result = runner.invoke(app, ["build", "--data", str(instacart_dir), "--layout", "excel"])
    assert result.exit_code == 2 and "layout" in result.output


def test_info_on_an_empty_store(tmp_path: Path) -> None:
    result = runner.invoke(app, ["info", "--store", str(tmp_path / "none")])
    assert result.exit_code == 2 and "cartwise build" in result.output


def test_bench_rejects_an_unknown_scale() -> None:
    from typer.testing import CliRunner

    from cartwise.cli import app

    result = CliRunner().invoke(app, ["bench", "--scale", "huge"])
    assert result.exit_code == 2 and "--scale must be tiny, small or full" in result.output


def _chat(settings: Settings, lines: str, *args: str) -> str:
    """Run `cartwise chat` in a subprocess over ``settings``' store with ``lines`` as input;
    stdout and stderr together."""
    env = {**os.environ, "CARTWISE_HOME": str(settings.home), "CARTWISE_SESSIONS": "memory",
           "CARTWISE_CHAT_PROVIDER": "offline"}
    code = "import sys\nfrom cartwise.cli import app\napp(['chat', *sys.argv[1:]])\n"
    done = subprocess.run([sys.executable, "-c", code, *args], input=lines, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_terminal_chat_is_quiet_and_its_history_readable(demo_settings: Settings) -> None:
    out = _chat(demo_settings, "what should user 42 buy next?\n/history\n/quit\n")
    assert out.startswith("Cartwise (offline chat model), session ")
    # before the prompt: the one banner line, no log lines, no progress bars (the parts still
    # warming in the background stay quiet too)
    banner, _ = out.split("you> ", 1)
    assert banner.count("\n") == 1 and banner.startswith("Cartwise (offline chat model)")
    assert not any(bar in out for bar in ("it/s]", "%|", "Loading", "Batches"))
    assert " INFO " not in out and "Loading weights" not in out and "Warning" not in out
    history = out.split("you> you> ", 1)[1]
    assert history.startswith("what should user 42 buy next?\n  -> recommend_products(")
    assert "  <- recommend_products: 5 hybrid recommendations for user 42" in history
    assert '"kind"' not in history  # the tool's summary, not its JSON
    assert "cartwise> Top 5 picks for user 42" in history
    loud = _chat(demo_settings, "/quit\n", "--verbose")
    assert " INFO " in loud  # the switch is what keeps it quiet
