"""Loading on first use: services whose parts load when asked for (once, thread-safe, failures
raised each time and reported), commands that load only what they need, a server that answers
/health at once while it warms, and settings checked before anything is loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cartwise.cli import app
from cartwise.config import Settings, get_settings
from cartwise.errors import StoreError
from cartwise.services import PARTS, Services, build_services, check_store
from cartwise.stages import STAGE_FORMATS
from cartwise.store import Store
from tests.http import serving

runner = CliRunner()

# ------------------------------------------------------------------------ the services


def test_nothing_loads_until_asked_and_each_part_loads_what_it_needs(
        demo_settings: Settings) -> None:
    services = build_services(demo_settings)
    try:
        assert services.loaded() == ()
        assert {k: v.state for k, v in services.status().items()} == dict.fromkeys(PARTS, "idle")
        assert services.manifests["recsys"]["format_version"] == STAGE_FORMATS["recsys"]
        assert services.recommenders.x.n_users == 2000
        assert services.loaded() == ("catalog", "recommenders")
        assert services.status()["recommenders"].state == "ok"
        assert set(services.load_seconds) == {"catalog", "recommenders"}
        assert services.peek("search") is None
        services.warm()
        assert services.loaded() == PARTS
        assert services.search.embedder is services.embedder  # the index shares the embedder
    finally:
        services.close()


def test_two_threads_asking_for_a_part_load_it_once(demo_settings: Settings) -> None:
    from cartwise.catalog import load_catalog

    calls = []

    def slow_catalog(s: Services) -> Any:
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return load_catalog(s.store, s.settings.currency)

    services = Services(demo_settings, Store(demo_settings.store_path),
                        loaders={"catalog": slow_catalog})
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(services.catalog)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 4 and all(c is got[0] for c in got)


def test_a_part_still_loading_after_the_wait_is_a_warming_up_error(
        demo_settings: Settings) -> None:
    from cartwise.errors import WarmingUp

    gate = threading.Event()

    def gated(s: Services) -> Any:
        gate.wait(10)
        return "catalog"

    services = Services(demo_settings.model_copy(update={"warm_wait": 0.2}),
                        Store(demo_settings.store_path), loaders={"catalog": gated})
    loader = threading.Thread(target=lambda: services.catalog)
    loader.start()
    time.sleep(0.05)
    assert services.status()["catalog"].state == "warming"
    with pytest.raises(WarmingUp, match="catalog is still loading"):
        services.part("catalog")
    gate.set()
    loader.join()
    assert services.catalog == "catalog"


def _stage_shells(root: Path) -> Store:
    """A store whose every stage has a manifest in the right format and nothing else."""
    for name, version in STAGE_FORMATS.items():
        folder = root / f"{name}@1"
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps({"format_version": version}))
        (root / name).symlink_to(folder.name)
    return Store(root)


def test_a_failed_part_raises_the_same_error_each_time_and_is_reported(
        tmp_path: Path) -> None:
    settings = get_settings(store_dir=tmp_path / "store")
    services = build_services(settings, _stage_shells(tmp_path / "store"))
    with pytest.raises(StoreError, match="lacks") as first:
        _ = services.catalog
    with pytest.raises(StoreError, match="lacks") as second:
        _ = services.recommenders  # needs the catalogue
    assert second.value is first.value
    status = services.status()
    assert status["catalog"].state == "failed" and "lacks" in (status["catalog"].error or "")
    with pytest.raises(StoreError, match="lacks"):
        services.warm(["catalog", "recommenders", "analytics"])
    assert services.loaded() == ()
    services.close()


def test_a_missing_or_old_stage_fails_when_the_services_are_built(tmp_path: Path) -> None:
    settings = get_settings(store_dir=tmp_path / "none")
    t0 = time.perf_counter()
    with pytest.raises(StoreError, match="no 'data' stage: run `cartwise build` first"):
        build_services(settings)
    assert time.perf_counter() - t0 < 0.5
    store = _stage_shells(tmp_path / "old")
    manifest = store.stage_dir("analytics") / "manifest.json"
    manifest.write_text(json.dumps({"format_version": 1}))
    with pytest.raises(StoreError, match="'analytics' stage .* has format version 1"):
        check_store(store)


def test_close_releases_only_what_was_loaded_and_then_loads_nothing(
        demo_settings: Settings) -> None:
    services = build_services(demo_settings)
    services.catalog  # noqa: B018
    services.close()
    assert services.loaded() == ("catalog",)
    with pytest.raises(StoreError, match="closed"):
        _ = services.search


# ------------------------------------------------------------------------ commands


_TOOL_PROBE = """
import json, sys
import cartwise.services as cs
from cartwise.cli import app

opened = []
build = cs.build_services
cs.build_services = lambda *a, **k: opened.append(build(*a, **k)) or opened[-1]
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = [m for m in ("torch", "sentence_transformers", "transformers", "qdrant_edge",
                     "onnxruntime", "gradio") if m in sys.modules]
print(json.dumps({"code": code, "loaded": list(opened[0].loaded()), "heavy": heavy}),
      file=sys.stderr)
"""


def _tool(settings: Settings, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run `cartwise tool ARGS` in a fresh process: its JSON result, and which parts it loaded
    and which heavy libraries it imported."""
    env = {**os.environ, "CARTWISE_HOME": str(settings.home), "CARTWISE_SESSIONS": "memory"}
    done = subprocess.run([sys.executable, "-c", _TOOL_PROBE, "tool", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout), probe


def test_recommend_products_from_the_command_line_loads_no_embedding_model_nor_index(
        demo_settings: Settings) -> None:
    result, probe = _tool(demo_settings, "recommend_products", '{"user_id": 42}')
    assert probe["code"] in (0, None)
    assert result["user_id"] == 42 and len(result["items"]) == 5
    assert probe["loaded"] == ["catalog", "recommenders", "analytics"]
    assert probe["heavy"] == []  # not even imported: torch, sentence-transformers, Qdrant


def test_search_products_from_the_command_line_loads_the_index_not_the_recommenders(
        demo_settings: Settings) -> None:
    build_services(demo_settings).embedder  # noqa: B018 - the first load exports the encoder
    result, probe = _tool(demo_settings, "search_products", '{"query": "almond milk"}')
    assert "Almond Milk" in result["items"][0]["name"]
    assert probe["loaded"] == ["catalog", "embedder", "search"]
    assert "torch" not in probe["heavy"]  # queries run on the cached ONNX encoder


def test_the_planner_needs_the_query_embedder_not_the_product_index(
        demo_settings: Settings) -> None:
    from cartwise.runtime import Runtime

    runtime = Runtime.open(demo_settings, warm="lazy")
    try:
        assert runtime.services.loaded() == ()
        reply = runtime.chat.reply("lazy-1", "what should user 42 buy next?")
        assert reply.tool_calls[0].name == "recommend_products"
        assert "search" not in runtime.services.loaded()
        assert "embedder" in runtime.services.loaded()
        assert runtime.status()["chat_model"].state == "ok"
    finally:
        runtime.close()


def test_reload_warms_the_new_services_before_swapping_them_in(
        demo_settings: Settings) -> None:
    from cartwise.runtime import Runtime

    runtime = Runtime.open(demo_settings, warm="lazy")
    try:
        old = runtime.services
        runtime.reload()
        assert runtime.services is not old and runtime.services.loaded() == PARTS
        with pytest.raises(StoreError, match="closed"):
            _ = old.search  # the old ones are closed
    finally:
        runtime.close()


# ------------------------------------------------------------------------ the server


@pytest.fixture()
def gated_search(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The product search loads only once the yielded event is set (the real loader then)."""
    import cartwise.services as cs

    gate = threading.Event()
    real: Callable[[Services], Any] = cs._LOADERS["search"]

    def gated(s: Services) -> Any:
        gate.wait(60)
        return real(s)

    monkeypatch.setitem(cs._LOADERS, "search", gated)
    yield gate
    gate.set()


def test_the_server_answers_health_at_once_and_says_what_is_warming(
        demo_settings: Settings, gated_search: threading.Event) -> None:
    from cartwise.server.app import create_app

    settings = demo_settings.model_copy(update={"warm_wait": 0.5, "chat_rate_limit": 0})
    t0 = time.perf_counter()
    application = create_app(settings, ui=False)
    assert time.perf_counter() - t0 < 5  # nothing waits for the models
    with serving(application) as url, httpx.Client(base_url=url, timeout=30) as http:
        first = http.get("/health")
        assert first.status_code == 200
        body = first.json()
        assert body["status"] == "warming" and "search" in body["warming"]
        assert body["components"]["search"]["state"] == "warming"
        assert body["components"]["search"]["ok"] is False
        # a request that needs the part the warm-up is loading waits (bounded), then says so
        services = application.state.runtime.services
        deadline = time.monotonic() + 60
        while services.status()["search"].state != "warming":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        busy = http.get("/products/search", params={"q": "almond milk"})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
        assert busy.json()["error_type"] == "warming_up"
        # a request that needs only warmed parts is answered meanwhile
        assert http.get("/health").json()["components"]["recommenders"]["state"] == "ok"
        assert http.get("/recommendations/42").status_code == 200
        threading.Timer(0.2, gated_search.set).start()
        services.wait_seconds = 30  # now a request waits for the part to finish
        found = http.get("/products/search", params={"q": "almond milk"})
        assert found.status_code == 200 and "Almond Milk" in found.json()["items"][0]["name"]
        while (health := http.get("/health").json())["status"] == "warming":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert health["status"] == "ok" and health["warming"] == []
        assert {c["state"] for c in health["components"].values()} == {"ok"}
        assert health["components"]["search"]["products"] == 3000


def test_a_part_that_fails_to_warm_is_reported_by_health(
        demo_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import cartwise.services as cs
    from cartwise.server.app import create_app

    def broken(s: Services) -> Any:
        raise StoreError("the retrieval stage is damaged: rebuild it")

    monkeypatch.setitem(cs._LOADERS, "search", broken)
    application = create_app(demo_settings, ui=False)
    with serving(application) as url, httpx.Client(base_url=url, timeout=30) as http:
        deadline = time.monotonic() + 60
        while (r := http.get("/health")).json()["status"] == "warming":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert r.status_code == 503 and r.json()["status"] == "degraded"
        search = r.json()["components"]["search"]
        assert search["state"] == "failed" and "damaged" in search["error"]
        assert r.json()["components"]["recommenders"]["state"] == "ok"
        again = http.get("/products/search", params={"q": "milk"})
        assert again.status_code == 503 and "damaged" in again.json()["detail"]


# ------------------------------------------------------------------------ settings first


@pytest.mark.parametrize(("command", "env", "named"), [
    (["chat"], {"CARTWISE_CHAT_PROVIDER": "openai"}, "OPENAI_API_KEY"),
    (["serve"], {"CARTWISE_CHAT_PROVIDER": "openai_compatible"}, "CARTWISE_OPENAI_BASE_URL"),
    (["serve"], {"CARTWISE_CHAT_PROVIDER": "openai_compatible",
                 "CARTWISE_OPENAI_BASE_URL": "localhost:11434"}, "CARTWISE_OPENAI_BASE_URL"),
    (["slack"], {"CARTWISE_CHAT_PROVIDER": "openai", "CARTWISE_SLACK_BOT_TOKEN": "xoxb-1",
                 "CARTWISE_SLACK_APP_TOKEN": "xapp-1"}, "OPENAI_API_KEY"),
    (["slack"], {}, "CARTWISE_SLACK_APP_TOKEN"),
    (["serve"], {"CARTWISE_SLACK_BOT_TOKEN": "xoxb-1",
                 "CARTWISE_SLACK_SIGNING_SECRET": "not-hex"}, "CARTWISE_SLACK_SIGNING_SECRET"),
    (["chat"], {"CARTWISE_VECTOR_STORE": "qdrant_server"}, "CARTWISE_QDRANT_URL"),
    (["tool", "recommend_products", '{"user_id": 1}'], {"CARTWISE_QDRANT_URL": "qdrant:6333"},
     "CARTWISE_QDRANT_URL"),
])
def test_a_bad_setting_fails_at_once_naming_it(
        command: list[str], env: dict[str, str], named: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    t0 = time.perf_counter()
    result = runner.invoke(app, command)
    assert time.perf_counter() - t0 < 1.0
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert not (tmp_path / "home").exists()  # nothing was built or loaded


def test_a_store_that_is_a_file_or_not_built_fails_at_once(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = runner.invoke(app, ["chat", "--store", str(tmp_path / "file")])
    assert result.exit_code == 2 and "CARTWISE_STORE_DIR" in result.output
    assert "is a file" in result.output
    t0 = time.perf_counter()
    result = runner.invoke(app, ["tool", "recommend_products", '{"user_id": 1}', "--store",
                                 str(tmp_path / "none")])
    assert time.perf_counter() - t0 < 1.0
    assert result.exit_code == 4 and "run `cartwise build` first" in result.output
