"""``GET /metrics``: the app over the demo services, driven by REST calls, chat turns, a 404,
a 5xx and a rate-limited request, and its Prometheus exposition read back with the official
parser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.routing import Mount, Route

from cartwise.config import Settings
from cartwise.runtime import Runtime
from cartwise.server.app import create_app
from cartwise.server.metrics import (
    UNMATCHED,
    Metrics,
    MetricsMiddleware,
    current_metrics,
    record_chat_turn,
    record_tool_call,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    """Every sample of an exposition, by name and labels."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _scrape(client: TestClient) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return _samples(r.text)


@pytest.fixture(scope="module")
def scraped(demo_settings: Settings, demo_runtime: Runtime) -> Iterator[tuple[Samples, str]]:
    """The metrics after a fixed set of requests (rate limit: 3 chat requests a minute), and
    the session id of the chat turns."""
    settings = demo_settings.model_copy(update={"chat_rate_limit": 3})
    app = create_app(settings, demo_runtime, ui=False)
    with TestClient(app) as client:
        for user in (42, 7):
            assert client.get(f"/users/{user}/profile").status_code == 200
        assert client.get("/users/99999999/profile").status_code == 404
        assert client.get("/products/search", params={"q": "almond milk"}).status_code == 200
        assert client.get("/no/such/page").status_code == 404
        assert client.post("/slack/events", json={}).status_code == 503  # not configured
        chat = client.post("/chat", json={"message": "What should user 42 buy next?"})
        assert chat.status_code == 200, chat.text
        sid = chat.json()["session_id"]
        failed = client.post("/chat", json={"message": "Show me the profile of user 99999999"})
        assert not failed.json()["tool_calls"][0]["ok"], failed.json()["tool_calls"]
        streamed = client.post("/chat/stream", json={"message": "top 3 best sellers"})
        assert streamed.status_code == 200
        assert client.post("/chat", json={"message": "hi"}).status_code == 429
        yield _scrape(client), sid


def test_requests_are_counted_by_route_template(scraped: tuple[Samples, str]) -> None:
    m, _ = scraped
    req = "cartwise_http_requests_total"
    assert _value(m, req, route="/users/{user_id}/profile", method="GET", status="200") == 2
    assert _value(m, req, route="/users/{user_id}/profile", method="GET", status="404") == 1
    assert _value(m, req, route="/products/search", method="GET", status="200") == 1
    assert _value(m, req, route=UNMATCHED, method="GET", status="404") == 1
    assert _value(m, req, route="/chat", method="POST", status="200") == 2
    assert _value(m, req, route="/chat", method="POST", status="429") == 1
    assert _value(m, req, route="/chat/stream", method="POST", status="200") == 1
    routes = {dict(labels).get("route") for (_, labels) in m}
    assert not any(r and ("42" in r or "99999999" in r or "no/such" in r) for r in routes)
    hist = "cartwise_http_request_duration_seconds"
    assert _value(m, f"{hist}_count", route="/users/{user_id}/profile", method="GET") == 3
    assert _value(m, f"{hist}_bucket", route="/users/{user_id}/profile", method="GET",
                  le="+Inf") == 3
    assert _value(m, f"{hist}_sum", route="/users/{user_id}/profile", method="GET") > 0


def test_tool_calls_from_rest_and_from_chat_traces(scraped: tuple[Samples, str]) -> None:
    m, _ = scraped
    calls = "cartwise_tool_calls_total"
    assert _value(m, calls, tool="user_profile", source="rest", outcome="ok") == 2
    assert _value(m, calls, tool="user_profile", source="rest", outcome="failed") == 1
    assert _value(m, calls, tool="search_products", source="rest", outcome="ok") == 1
    assert _value(m, calls, tool="recommend_products", source="chat", outcome="ok") == 1
    assert _value(m, calls, tool="user_profile", source="chat", outcome="failed") == 1
    assert _value(m, calls, tool="popular_products", source="chat", outcome="ok") == 1
    failures = "cartwise_tool_failures_total"
    assert _value(m, failures, tool="user_profile", source="rest", error_type="not_found") == 1
    assert _value(m, failures, tool="user_profile", source="chat",
                  error_type="not_found") == 1
    secs = "cartwise_tool_call_duration_seconds_count"
    assert _value(m, secs, tool="user_profile", source="rest") == 3
    assert _value(m, secs, tool="recommend_products", source="chat") == 1


def test_chat_turns_errors_and_rate_limits(scraped: tuple[Samples, str]) -> None:
    m, _ = scraped
    turns = "cartwise_chat_turns_total"
    assert _value(m, turns, mode="reply", outcome="ok") == 1
    assert _value(m, turns, mode="reply", outcome="tool_failed") == 1
    assert _value(m, turns, mode="stream", outcome="ok") == 1
    assert _value(m, "cartwise_rate_limited_total", route="/chat") == 1
    errors = {dict(labels)["status"]: v for (name, labels), v in m.items()
              if name == "cartwise_http_server_errors_total"}
    assert errors == {"503": 1}  # the unconfigured Slack bot; 4xx are not server errors
    assert _value(m, "cartwise_http_server_errors_total", route="/slack/events",
                  method="POST", status="503") == 1


def test_session_backend_and_model_build(scraped: tuple[Samples, str],
                                         demo_runtime: Runtime) -> None:
    m, _ = scraped
    assert _value(m, "cartwise_session_backend", kind="memory") == 1
    assert _value(m, "cartwise_session_backend", kind="sqlite") == 0
    assert _value(m, "cartwise_session_backend", kind="postgres") == 0
    manifests = demo_runtime.services.manifests
    assert manifests
    for stage, manifest in manifests.items():
        built_at = manifest["built_at"]
        assert _value(m, "cartwise_model_build_info", stage=stage, built_at=built_at) == 1
        assert _value(m, "cartwise_model_built_timestamp_seconds", stage=stage) == (
            datetime.fromisoformat(built_at).timestamp())


def test_each_app_has_its_own_registry(demo_settings: Settings, demo_runtime: Runtime,
                                       scraped: tuple[Samples, str]) -> None:
    app = create_app(demo_settings, demo_runtime, ui=False)
    with TestClient(app) as client:
        first = _scrape(client)
        assert not any(name == "cartwise_http_requests_total" for name, _ in first)
        assert client.get("/products/popular").status_code == 200
        again = _scrape(client)
    req = "cartwise_http_requests_total"
    assert _value(again, req, route="/metrics", method="GET", status="200") == 1
    assert _value(again, req, route="/products/popular", method="GET", status="200") == 1
    assert _value(scraped[0], req, route="/products/popular", method="GET", status="200") == 0
    assert "/metrics" not in app.openapi()["paths"]


def test_route_templates_behind_mounts() -> None:
    """A mounted app's routes are labelled with the mount's prefix (a path it has no route for
    with the mount's own template); a 405 is its route's."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse

    def hello(request: object) -> PlainTextResponse:
        return PlainTextResponse("hi")

    inner = Starlette(routes=[Route("/files/{name}", hello)])
    app = Starlette(routes=[Route("/users/{user_id}/profile", hello, methods=["GET"]),
                            Mount("/ui", app=inner)])
    metrics = Metrics()
    wrapped = MetricsMiddleware(app, metrics)
    with TestClient(wrapped) as client:
        assert client.get("/users/3/profile").status_code == 200
        assert client.post("/users/3/profile").status_code == 405
        assert client.get("/ui/files/a.css").status_code == 200
        assert client.get("/ui/nothing").status_code == 404
    m = _samples(metrics.exposition().decode())
    req = "cartwise_http_requests_total"
    assert _value(m, req, route="/users/{user_id}/profile", method="GET", status="200") == 1
    assert _value(m, req, route="/users/{user_id}/profile", method="POST", status="405") == 1
    assert _value(m, req, route="/ui/files/{name}", method="GET", status="200") == 1
    assert _value(m, req, route="/ui/{path}", method="GET", status="404") == 1
    assert not any(name == "cartwise_session_backend" for name, _ in m)  # no runtime given


def test_records_outside_a_request_are_no_ops() -> None:
    assert current_metrics() is None
    record_tool_call("user_profile", 0.01, {"summary": "ok"})
    record_chat_turn(None, [])
