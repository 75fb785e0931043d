"""The FastAPI app over real HTTP (uvicorn on a free port) on the demo store: chat, streaming,
sessions, REST over the tools, operational routes, errors, rate limit, CORS, the admin token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import SecretStr

from cartwise.agent.memory import Sessions
from cartwise.config import Settings
from cartwise.runtime import Runtime
from cartwise.server.app import create_app
from cartwise.server.middleware import RateLimiter
from tests.http import serving


def _runtime(settings: Settings, services) -> Runtime:  # type: ignore[no-untyped-def]
    return Runtime(settings, services, Sessions(InMemorySaver(), "memory", ""))


@pytest.fixture(scope="module")
def api(demo_settings: Settings, demo_services) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    settings = demo_settings.model_copy(update={"chat_rate_limit": 0})
    app = create_app(settings, _runtime(settings, demo_services), ui=False)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _sse(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append({"event": lines["event"], **json.loads(lines["data"])})
    return events


# ------------------------------------------------------------------------------ chat


def test_chat_turns_share_a_session(api: httpx.Client) -> None:
    r = api.post("/chat", json={"message": "What should user 42 buy next?"})
    assert r.status_code == 200, r.text
    body = r.json()
    sid = body["session_id"]
    assert body["model"] == "offline" and "user 42" in body["reply"]
    assert body["tool_calls"][0]["name"] == "recommend_products"
    assert set(body["tool_calls"][0]) == {"name", "args", "summary", "ok", "ms"}
    r = api.post("/chat", json={"message": "make it 10", "session_id": sid})
    assert r.json()["tool_calls"][0]["args"] == {"user_id": 42, "k": 10}
    history = api.get(f"/sessions/{sid}").json()["messages"]
    assert [m["role"] for m in history].count("user") == 2
    assert api.delete(f"/sessions/{sid}").json() == {"session_id": sid, "cleared": True}
    assert api.get(f"/sessions/{sid}").json()["messages"] == []


def test_chat_stream_is_server_sent_events(api: httpx.Client) -> None:
    r = api.post("/chat/stream", json={"message": "top 3 best sellers in produce",
                                       "session_id": "sse-1"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _sse(r.text)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "session" and kinds[-1] == "done"
    assert kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("text")
    assert "".join(e["text"] for e in events if e["event"] == "text") == events[-1]["reply"]


def test_chat_answers_carry_the_charts_of_their_tools(api: httpx.Client) -> None:
    funnel = api.get("/analytics/funnel", params={"by": "device"}).json()
    body = api.post("/chat", json={"message": "show the conversion funnel by device"}).json()
    assert [c["title"] for c in body["chart_specs"]] == [c["title"]
                                                         for c in funnel["chart_specs"]]
    steps = body["chart_specs"][0]["spec"]["data"]["values"]
    assert [v["value"] for v in steps] == [s["users"] for s in funnel["steps"]]
    r = api.post("/chat/stream", json={"message": "sales by month"})
    done = _sse(r.text)[-1]
    assert done["event"] == "done" and done["chart_specs"][0]["title"] == "Revenue by month"
    plain = api.post("/chat", json={"message": "What should user 42 buy next?"}).json()
    assert plain["chart_specs"] == []


def test_feedback_and_rewind_of_turns(api: httpx.Client) -> None:
    sid = "turns-1"
    for text in ("What should user 42 buy next?", "Which customers are about to churn?"):
        assert api.post("/chat", json={"message": text, "session_id": sid}).status_code == 200
    before = api.get("/stats").json()["feedback"]
    r = api.post(f"/sessions/{sid}/feedback", json={"rating": "up"})
    assert r.status_code == 200, r.text
    last = r.json()["turn_id"]
    assert api.get("/stats").json()["feedback"]["up"] == before["up"] + 1
    users = [m for m in api.get(f"/sessions/{sid}").json()["messages"] if m["role"] == "user"]
    assert [m["rating"] for m in users] == [None, "up"] and users[1]["turn_id"] == last
    bad = api.post(f"/sessions/{sid}/feedback", json={"rating": "up", "turn_id": "nope"})
    assert bad.status_code == 422 and "turn_id" in bad.text
    assert api.post(f"/sessions/{sid}/feedback", json={"rating": "meh"}).status_code == 422
    r = api.post(f"/sessions/{sid}/rewind", json={})
    assert r.json() == {"session_id": sid, "removed": [last]}
    assert api.get("/stats").json()["feedback"] == before
    users = [m for m in api.get(f"/sessions/{sid}").json()["messages"] if m["role"] == "user"]
    assert [m["content"] for m in users] == ["What should user 42 buy next?"]


@pytest.mark.parametrize(("body", "status"), [
    ({"message": ""}, 422),
    ({"message": "hi", "session_id": "not valid!"}, 422),
    ({"text": "hi"}, 422),
    ({"message": "x" * 5000}, 413),
])
def test_bad_chat_requests(api: httpx.Client, body: dict[str, Any], status: int) -> None:
    for path in ("/chat", "/chat/stream"):
        assert api.post(path, json=body).status_code == status


def _is_error(r: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """``r``'s JSON body, checked to be the one error shape with ``status`` and ``kind``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    error = body["error"]
    assert set(error) == {"type", "message", "request_id"} and error["type"] == kind, body
    assert error["message"] and error["request_id"] == r.headers["x-request-id"]
    return body


def test_huge_bodies_are_refused_before_reading(api: httpx.Client) -> None:
    r = api.post("/chat", content=b"{" + b" " * (2 << 20) + b"}",
                 headers={"content-type": "application/json"})
    assert _is_error(r, 413, "payload_too_large")["detail"].startswith("request body larger")


def test_huge_chunked_bodies_are_refused_while_they_stream(api: httpx.Client) -> None:
    """A 200 MB chunked body (no Content-Length) is answered 413 once the first MiB has
    arrived, and the server closes the connection: the client got to send only a few MiB
    (what the socket buffers hold), not the 200 MB."""
    sent = {"bytes": 0}
    chunk = b" " * (64 << 10)

    def body() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range((200 << 20) // len(chunk)):
            sent["bytes"] += len(chunk)
            yield chunk

    try:
        r = api.post("/chat", content=body(), headers={"content-type": "application/json"})
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        # the server closed the connection while the client was still sending: the kernel
        # may then reset it before the client has read the 413 (no lingering close)
        r = None
    if r is not None:
        assert "content-length" not in r.request.headers
        assert r.request.headers["transfer-encoding"] == "chunked"
        _is_error(r, 413, "payload_too_large")
        assert r.headers["connection"] == "close"
    assert 1 << 20 < sent["bytes"] < 32 << 20, sent  # the rest was never read
    assert api.get("/health").status_code == 200  # the client reconnects


def test_error_bodies_have_one_shape(api: httpx.Client) -> None:
    """Every error carries ``{"error": {"type", "message", "request_id"}}``, beside the
    ``detail`` clients read before (FastAPI's 422 list, the tool's not-found Failure)."""
    r = api.get("/no/such/route", headers={"X-Request-ID": "edge-404"})
    assert _is_error(r, 404, "not_found")["error"]["request_id"] == "edge-404"
    r = api.delete("/health")
    assert _is_error(r, 405, "method_not_allowed")["detail"] == "Method Not Allowed"
    assert "GET" in r.headers["allow"]
    body = _is_error(api.post("/chat", json={"text": "hi"}), 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["body", "message"]
    assert body["error"]["message"].startswith("body.message: ")
    body = _is_error(api.get("/recommendations/42?k=0"), 422, "invalid_argument")
    assert body["detail"][0]["loc"] == ["query", "k"]
    assert body["error"]["message"].startswith("query.k: ") and ": k:" not in body["error"][
        "message"]
    body = _is_error(api.get("/users/987654321/profile"), 404, "not_found")
    assert body["detail"]["error_type"] == "not_found"
    assert body["error"]["message"] == body["detail"]["summary"]
    body = _is_error(api.post("/chat", json={"message": "x" * 5000}), 413,
                     "payload_too_large")
    assert body["detail"].startswith("message longer than")
    r = api.post("/admin/retrain")
    assert r.status_code in (401, 403) and r.json()["error"]["type"] in ("unauthorized",
                                                                          "forbidden")


@pytest.fixture()
def failing_api(demo_settings: Settings, demo_services) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """The app over a chat model that calls one tool, then raises a ``RuntimeError``."""
    from cartwise.agent.models import ChatModelInfo
    from tests.agent.fakes import FailingChatModel

    settings = demo_settings.model_copy(update={"chat_rate_limit": 0,
                                                "chat_grounding": "off"})
    model = FailingChatModel()

    def enqueue(request: httpx.Request) -> None:  # one tool call a turn, then the failure
        model.script.clear()
        model.enqueue_call("popular_products", k=3)

    runtime = Runtime(settings, demo_services, Sessions(InMemorySaver(), "memory", ""),
                      model=(model, ChatModelInfo("openai_compatible", "failing")))
    app = create_app(settings, runtime, ui=False, slack=False)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30,
                                           event_hooks={"request": [enqueue]}) as client:
        yield client


def test_unexpected_errors_are_json_500s(failing_api: httpx.Client,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="cartwise.server.access"):
        r = failing_api.post("/chat", json={"message": "best sellers"},
                             headers={"X-Request-ID": "boom-500"})
    body = _is_error(r, 500, "internal_error")
    assert body["error"]["request_id"] == "boom-500" and "boom-500" in body["error"]["message"]
    assert "the model broke" not in r.text  # no internals for the client
    logged = [rec for rec in caplog.records if rec.levelname == "ERROR"]
    assert logged and "boom-500" in logged[-1].getMessage() and logged[-1].exc_info
    assert "RuntimeError: the model broke" in caplog.text


def test_a_stream_failing_midway_ends_with_error_then_done(
        failing_api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="cartwise.server.routes_chat"):
        r = failing_api.post("/chat/stream", json={"message": "best sellers",
                                                   "session_id": "fails-1"},
                             headers={"X-Request-ID": "boom-sse"})
    assert r.status_code == 200
    events = _sse(r.text)
    kinds = [e["event"] for e in events]
    assert kinds == ["session", "tool_call", "tool_result", "error", "done"], kinds
    error = events[3]["error"]
    assert error == {"type": "internal_error", "message": error["message"],
                     "request_id": "boom-sse"} and "boom-sse" in error["message"]
    done = events[4]
    assert done["error"] == "internal_error" and done["session_id"] == "fails-1"
    assert [t["name"] for t in done["tool_calls"]] == ["popular_products"]
    assert done["chart_specs"] == [] and done["reply"] == ""
    assert any("boom-sse" in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_request_ids(api: httpx.Client) -> None:
    assert len(api.get("/health").headers["x-request-id"]) == 16
    assert api.get("/health", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"] == "abc-123"


# ------------------------------------------------------------------------------ REST


@pytest.mark.parametrize(("path", "key"), [
    ("/recommendations/42?k=3&strategy=als&max_price=5", "items"),
    ("/products/search?q=almond%20milk&k=3", "items"),
    ("/products/popular?k=3&department=produce", "items"),
    ("/products/1", "product"),
    ("/products/1/similar?k=3", "items"),
    ("/products/1/bought-together?k=3", "items"),
    ("/users?limit=5", "users"),
    ("/users/42/profile", "summary"),
    ("/users/42/similar?k=3", "users"),
    ("/analytics/segments", "segments"),
    ("/analytics/churn?k=5", "users"),
    ("/analytics/churn?user_id=42", "score"),
    ("/analytics/ltv?k=5", "tiers"),
    ("/analytics/journey", "summary"),
    ("/analytics/funnel?by=device", "summary"),
    ("/analytics/trends?by=dow", "summary"),
    ("/analytics/sales?by=month", "compare"),
    ("/analytics/sales?by=department&start=2025-01-01&end=2025-03-31&compare=false", "rows"),
    ("/users/42/orders?orders=2", "orders"),
    ("/analytics/cohorts?by=week&periods=6&metric=revenue", "matrix"),
    ("/analytics/anomalies?metric=revenue&by=week&k=3", "anomalies"),
    ("/analytics/insights?period=month", "points"),
])
def test_rest_endpoints(api: httpx.Client, path: str, key: str) -> None:
    r = api.get(path)
    assert r.status_code == 200, r.text
    assert key in r.json() and r.json()["summary"]


def test_rest_bodies_are_their_response_models_json(api: httpx.Client) -> None:
    """The tool routes write their JSON themselves: each body is exactly what FastAPI writes of
    the route's response model (validated and dumped again, byte for byte)."""
    from fastapi.routing import APIRoute
    from pydantic import TypeAdapter

    from cartwise.server.routes_tools import router

    checked = 0
    for route in router.routes:
        assert isinstance(route, APIRoute)
        if "GET" not in route.methods or route.path == "/users":
            continue
        path = route.path.replace("{user_id}", "42").replace("{product_id}", "1")
        r = api.get(path, params={"q": "greek yogurt"} if path == "/products/search" else None)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"] == "application/json"
        model = TypeAdapter(route.response_model)
        assert model.dump_json(model.validate_json(r.content), by_alias=True) == r.content, path
        checked += 1
    assert checked >= 19


def test_post_recommendations(api: httpx.Client) -> None:
    r = api.post("/recommendations", json={"user_id": 42, "k": 4, "department": "dairy"})
    assert r.status_code == 200 and len(r.json()["items"]) == 4
    assert {i["department"] for i in r.json()["items"]} == {"dairy eggs"}
    r = api.post("/recommendations", json={"user_id": 42, "k": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "k"


@pytest.mark.parametrize("path", ["/recommendations/987654321", "/users/987654321/profile",
                                  "/users/987654321/similar", "/analytics/churn?user_id=987654321",
                                  "/products/99999999", "/products/99999999/similar",
                                  "/products/99999999/bought-together",
                                  "/users/987654321/orders"])
def test_unknown_ids_are_404(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404, r.text
    detail = r.json()["detail"]  # one shape for every 404: the tool's Failure result
    assert detail["kind"] == "failure" and detail["error_type"] == "not_found"
    subject = "product" if path.startswith("/products") else "user"
    assert detail["subject"] == subject and detail["summary"]
    if subject == "user":
        assert detail["user_id"] == 987654321
    else:
        assert detail["product"] == "99999999"


def test_openapi_documents_the_result_shapes(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def response(path: str) -> dict:
        return spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"]

    assert response("/products/search") == {"$ref": "#/components/schemas/SearchResults"}
    assert response("/users/{user_id}/profile") == {
        "$ref": "#/components/schemas/ShopperProfile"}
    churn = response("/analytics/churn")
    assert {x["$ref"].rsplit("/", 1)[-1] for x in churn["anyOf"]} == {"ShopperChurn",
                                                                       "AtRiskShoppers"}
    product = schemas["Product"]["properties"]
    assert {"product_id", "name", "aisle", "department", "price", "currency", "code"} <= set(
        product)
    items = schemas["SearchResults"]["properties"]["items"]
    assert items["items"]["$ref"].endswith("/SearchHit")
    assert "404" in spec["paths"]["/users/{user_id}/profile"]["get"]["responses"]


@pytest.mark.parametrize(("path", "field"), [
    ("/recommendations/42?k=0", "k"),
    ("/recommendations/42?strategy=magic", "strategy"),
    ("/recommendations/42?min_price=5&max_price=1", "max_price"),
    ("/recommendations/42?department=nope", "department"),
    ("/recommendations/-4", "user_id"),
    ("/products/search?q=milk&k=500", "k"),
    ("/products/search", "q"),
    ("/products/abc", "product_id"),
    ("/analytics/trends?by=year", "by"),
    ("/users?limit=0", "limit"),
    ("/analytics/sales?by=quarter", "by"),
    ("/analytics/sales?start=2025-02-30", "start"),
    ("/analytics/sales?start=2025-03-01&end=2025-02-01", "end"),
    ("/users/42/orders?orders=0", "orders"),
    ("/analytics/cohorts?periods=30", "periods"),
    ("/analytics/anomalies?metric=profit", "metric"),
    ("/analytics/insights?period=year", "period"),
])
def test_bad_arguments_are_422_naming_the_field(api: httpx.Client, path: str,
                                                field: str) -> None:
    r = api.get(path)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field


# ------------------------------------------------------------------------------ operations


def test_health_models_stats_config(api: httpx.Client) -> None:
    health = api.get("/health").json()
    assert health["status"] == "ok"
    assert health["components"]["chat_model"]["provider"] == "offline"
    assert set(health["components"]) >= {"store", "recommenders", "search", "analytics"}
    models = api.get("/models").json()
    assert "hybrid" in models["recommenders"]["strategies"]
    assert "MiniLM" in models["embedding"]["model"]
    stats = api.get("/stats").json()
    assert stats["tables"]["users"] == 2000 and stats["requests"] >= 1
    assert set(stats["feedback"]) == {"up", "down"}
    config = api.get("/config").json()
    assert "cycle_tolerance" in json.dumps(config) and "sk-" not in json.dumps(config)
    assert api.get("/docs").status_code == 200
    assert "/chat" in api.get("/openapi.json").json()["paths"]


def test_api_docs_load_nothing_from_outside(api: httpx.Client) -> None:
    import re

    for page in ("/docs", "/redoc"):
        got = api.get(page)
        assert got.headers["content-security-policy"].startswith("default-src 'self'")
        html = got.text
        urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
        assert urls, page
        assert not [u for u in urls if "//" in u], f"{page} loads from another host: {urls}"
        for url in urls:
            got = api.get(url)
            assert got.status_code == 200 and got.content, (page, url)
    assert "javascript" in api.get("/docs-assets/swagger-ui-bundle.js").headers["content-type"]
    assert api.get("/docs/oauth2-redirect").status_code == 200


def test_slack_events_say_what_is_missing(api: httpx.Client) -> None:
    got = api.post("/slack/events", json={"type": "url_verification", "challenge": "x"})
    assert got.status_code == 503
    body = got.json()
    assert body["missing"] == ["CARTWISE_SLACK_BOT_TOKEN", "CARTWISE_SLACK_SIGNING_SECRET"]
    assert "CARTWISE_SLACK_SIGNING_SECRET" in body["detail"]


def test_rate_limit_per_client(demo_settings: Settings, demo_services) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings.model_copy(update={"chat_rate_limit": 2})
    app = create_app(settings, _runtime(settings, demo_services), ui=False)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        codes = [client.post("/chat", json={"message": "hi"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = client.post("/chat", json={"message": "hi"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert client.get("/health").status_code == 200  # only chat is limited


def test_rate_limiter_refills() -> None:
    limiter = RateLimiter(60)
    assert all(limiter.take("a", now=0.0) == 0 for _ in range(60))
    assert limiter.take("a", now=0.0) > 0 and limiter.take("b", now=0.0) == 0
    assert limiter.take("a", now=2.0) == 0


def test_cors_origins_from_settings(demo_settings: Settings, demo_services) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings.model_copy(update={"cors_origins": ["http://shop.example"]})
    app = create_app(settings, _runtime(settings, demo_services), ui=False)
    with serving(app) as url, httpx.Client(base_url=url) as client:
        r = client.options("/chat", headers={"Origin": "http://shop.example",
                                             "Access-Control-Request-Method": "POST"})
        assert r.headers["access-control-allow-origin"] == "http://shop.example"
        r = client.get("/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_admin_retrain_needs_the_token(demo_settings: Settings, demo_services) -> None:  # type: ignore[no-untyped-def]
    app = create_app(demo_settings, _runtime(demo_settings, demo_services), ui=False)
    with serving(app) as url, httpx.Client(base_url=url) as client:
        assert client.post("/admin/retrain").status_code == 403  # no token set: disabled
    settings = demo_settings.model_copy(update={"admin_token": SecretStr("s3cret")})
    runtime = _runtime(settings, demo_services)
    app = create_app(settings, runtime, ui=False)
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert client.post("/admin/retrain").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.post("/admin/retrain", headers=wrong).status_code == 401
        ok = {"Authorization": "Bearer s3cret"}
        before = runtime.services
        r = client.post("/admin/retrain", headers=ok)
        assert r.status_code == 202 and r.json()["started"] is True
        assert client.post("/admin/retrain", headers=ok).status_code == 409
        deadline = time.monotonic() + 120
        while client.get("/admin/retrain", headers=ok).json()["running"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        status = client.get("/admin/retrain", headers=ok).json()["status"]
        assert status["state"] == "done", status
        assert runtime.services is not before  # swapped in without a restart
        r = client.post("/chat", json={"message": "What should user 42 buy next?"})
        assert r.status_code == 200 and r.json()["tool_calls"]
    runtime.close()  # closes the services it loaded, not the fixture's
    assert before.search is demo_services.search
