"""The Slack bot over real HTTP: signed event requests go to a uvicorn server mounting the Bolt
app (as the server does, via ``slack_request_handler``); the bot's Web API calls go to a local
stand-in of Slack (tests/ui/slack_standin.py). End-to-end cases answer with the demo runtime;
the others use small fake chats."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr
from slack_bolt.adapter.fastapi import SlackRequestHandler

from cartwise.agent.chat import ChatReply, ToolStep, check_session_id
from cartwise.config import Settings, get_settings
from cartwise.errors import ConfigError
from cartwise.ui.slack import (
    RecentKeys,
    build_slack_app,
    format_reply,
    markdown_to_mrkdwn,
    plain_text,
    run_socket_mode,
    session_id_for,
    slack_request_handler,
)
from tests.ui.slack_standin import LiveServer, Posted, SlackStandIn

if TYPE_CHECKING:
    from cartwise.runtime import Runtime

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
TEAM = "T0TEST"
BOT_USER = "UBOT"

_ts = itertools.count(1)


def new_ts() -> str:
    """A message timestamp unique in this test session (Slack's ``seconds.micro`` shape)."""
    return f"{int(time.time())}.{next(_ts):06d}"


def new_channel(prefix: str = "C") -> str:
    """A channel id unique in this test session (the demo runtime's sessions are shared)."""
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def envelope(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An Events API ``event_callback`` body around ``event``."""
    return {"token": "legacy", "team_id": TEAM, "api_app_id": "A0TEST", "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()), "event": event}


def mention(text: str, channel: str, *, ts: str | None = None, thread_ts: str | None = None,
            user: str = "U0ALICE", **more: Any) -> dict[str, Any]:
    ts = ts or new_ts()
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel,
             "event_ts": ts, **more}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return envelope(event)


def direct(text: str, channel: str, *, ts: str | None = None, user: str = "U0ALICE",
           **more: Any) -> dict[str, Any]:
    ts = ts or new_ts()
    return envelope({"type": "message", "channel_type": "im", "user": user, "text": text,
                     "ts": ts, "channel": channel, "event_ts": ts, **more})


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class BotServer:
    """The Bolt app mounted at /slack/events of a live FastAPI app."""

    http: httpx.Client

    def send(self, body: dict[str, Any], *, timestamp: int | None = None,
             secret: str = SECRET, headers: dict[str, str] | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        ts = int(time.time()) if timestamp is None else timestamp
        head = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": sign(raw, ts, secret), **(headers or {})}
        return self.http.post("/slack/events", content=raw, headers=head)


@dataclass
class FakeRuntime:
    """What the bot reads of a Runtime: ``chat``."""

    chat: Any = None


@dataclass
class CannedChat:
    """A chat that answers every message with ``text`` and records the turns."""

    text: str = "Here you go."
    turns: list[tuple[str, str]] = field(default_factory=list)

    def reply(self, session_id: str, text: str) -> ChatReply:
        self.turns.append((session_id, text))
        return ChatReply(self.text, session_id, [], "fake", 1.0)


@dataclass
class GatedChat:
    """Delegates to ``chat`` once ``gate`` is set (so the answer surely comes after the ack)."""

    chat: Any
    gate: threading.Event = field(default_factory=threading.Event)

    def reply(self, session_id: str, text: str) -> ChatReply:
        assert self.gate.wait(10), "the test never opened the gate"
        return cast(ChatReply, self.chat.reply(session_id, text))


class BrokenChat:
    """A chat with a bug."""

    def reply(self, session_id: str, text: str) -> ChatReply:
        raise RuntimeError("boom")


def slack_settings(base: Settings, standin: SlackStandIn, **more: Any) -> Settings:
    return base.model_copy(update={
        "slack_bot_token": SecretStr(TOKEN), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": standin.base_url, **more})


@pytest.fixture()
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN, bot_user_id=BOT_USER, team_id=TEAM) as s:
        yield s


@pytest.fixture()
def serve(standin: SlackStandIn) -> Iterator[Callable[..., BotServer]]:
    """``serve(runtime, settings=None)``: build the Bolt app and serve it on a free port."""
    with ExitStack() as stack:

        def start(runtime: Any, settings: Settings | None = None) -> BotServer:
            settings = settings or slack_settings(get_settings(), standin)
            handler = slack_request_handler(build_slack_app(settings, cast("Runtime", runtime)))
            app = FastAPI()

            @app.post("/slack/events")
            async def events(request: Request) -> Response:
                return await handler.handle(request)

            server = stack.enter_context(LiveServer(app, name="bolt-server"))
            http = stack.enter_context(httpx.Client(base_url=server.url, timeout=10))
            return BotServer(http)

        yield start


def assert_still(standin: SlackStandIn, n: int, wait: float = 0.3) -> list[Posted]:
    """Wait ``wait`` seconds, then check exactly ``n`` messages were posted."""
    time.sleep(wait)
    got = standin.posted()
    assert len(got) == n, got
    return got


# --- end to end, with the demo runtime ------------------------------------------------------


def test_url_verification(serve: Callable[..., BotServer]) -> None:
    bot = serve(FakeRuntime())
    r = bot.send({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYX",
                  "type": "url_verification"})
    assert r.status_code == 200
    assert r.json()["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYX"


def test_mention_is_answered_once_in_its_thread(
        serve: Callable[..., BotServer], standin: SlackStandIn, demo_settings: Settings,
        demo_runtime: Runtime) -> None:
    bot = serve(demo_runtime, slack_settings(demo_settings, standin))
    channel = new_channel()
    body = mention(f"<@{BOT_USER}> what should user 42 buy next?", channel)
    t0 = time.monotonic()
    r = bot.send(body)
    acked = time.monotonic()
    assert r.status_code == 200
    assert acked - t0 < 3

    [posted] = standin.wait_for_messages(1)
    # the answer usually comes ~20 ms after the 200 here, but both run concurrently:
    # test_acknowledged_before_the_answer shows the order without a race
    ts = body["event"]["ts"]
    assert (posted.channel, posted.thread_ts) == (channel, ts)
    assert "user 42" in posted.text
    assert "1. " in posted.text and "$" in posted.text  # a numbered list of products, priced
    assert "_tools: recommend_products (" in posted.text
    assert_still(standin, 1)

    history = demo_runtime.chat.history(session_id_for(TEAM, channel, ts))
    assert (history[0]["role"], history[0]["content"]) == ("user", "what should user 42 buy next?")


def test_the_digest_reads_well_in_slack(
        serve: Callable[..., BotServer], standin: SlackStandIn, demo_settings: Settings,
        demo_runtime: Runtime) -> None:
    bot = serve(demo_runtime, slack_settings(demo_settings, standin))
    body = mention(f"<@{BOT_USER}> what should I look at this week?", new_channel())
    assert bot.send(body).status_code == 200
    [posted] = standin.wait_for_messages(1)
    lines = posted.text.splitlines()
    assert lines[0].startswith("*What to look at (week of ") and lines[0].endswith(":*")
    bullets = [x for x in lines if x.startswith("• ")]
    assert len(bullets) >= 3 and "$" in posted.text
    assert "_tools: business_insights (" in posted.text


def test_acknowledged_before_the_answer(serve: Callable[..., BotServer],
                                        standin: SlackStandIn) -> None:
    chat = GatedChat(CannedChat("Bananas."))
    bot = serve(FakeRuntime(chat))
    channel = new_channel()
    t0 = time.monotonic()
    r = bot.send(mention(f"<@{BOT_USER}> hi", channel))
    acked = time.monotonic()
    assert r.status_code == 200 and acked - t0 < 3
    assert standin.posted() == []  # acknowledged while the answer is still being written
    chat.gate.set()
    [posted] = standin.wait_for_messages(1)
    assert posted.at > acked
    assert posted.text == "Bananas."
    assert chat.chat.turns == [(session_id_for(TEAM, channel, posted.thread_ts or ""), "hi")]


def test_direct_message_is_answered_in_a_thread(
        serve: Callable[..., BotServer], standin: SlackStandIn, demo_settings: Settings,
        demo_runtime: Runtime) -> None:
    bot = serve(demo_runtime, slack_settings(demo_settings, standin))
    channel = new_channel("D")
    body = direct("what should user 42 buy next?", channel)
    assert bot.send(body).status_code == 200
    [posted] = standin.wait_for_messages(1)
    assert (posted.channel, posted.thread_ts) == (channel, body["event"]["ts"])
    assert "user 42" in posted.text
    assert_still(standin, 1)


def test_retries_and_duplicates_get_no_second_answer(
        serve: Callable[..., BotServer], standin: SlackStandIn, demo_settings: Settings,
        demo_runtime: Runtime) -> None:
    bot = serve(demo_runtime, slack_settings(demo_settings, standin))
    body = mention(f"<@{BOT_USER}> what should user 42 buy next?", new_channel())
    assert bot.send(body).status_code == 200
    retry = bot.send(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason":
                                    "http_timeout"})
    assert retry.status_code == 200
    assert retry.headers.get("x-slack-no-retry") == "1"
    assert bot.send(body).status_code == 200  # same event_id, the retry header lost on the way
    # the same message under another event id (e.g. as both app_mention and message)
    again = envelope(body["event"])
    assert again["event_id"] != body["event_id"]
    assert bot.send(again).status_code == 200
    standin.wait_for_messages(1)
    assert_still(standin, 1, wait=1.0)


def test_bad_signature_is_rejected(serve: Callable[..., BotServer],
                                   standin: SlackStandIn) -> None:
    chat = CannedChat()
    bot = serve(FakeRuntime(chat))
    r = bot.send(mention(f"<@{BOT_USER}> hi", new_channel()), secret="not-the-secret")
    assert r.status_code == 401
    unsigned = bot.http.post("/slack/events", json=mention(f"<@{BOT_USER}> hi", new_channel()))
    assert unsigned.status_code == 401
    garbled = bot.http.post("/slack/events", json=mention(f"<@{BOT_USER}> hi", new_channel()),
                            headers={"X-Slack-Request-Timestamp": "soon",
                                     "X-Slack-Signature": "v0=00"})
    assert garbled.status_code == 401
    assert_still(standin, 0)
    assert chat.turns == []


def test_stale_timestamp_is_rejected(serve: Callable[..., BotServer],
                                     standin: SlackStandIn) -> None:
    chat = CannedChat()
    bot = serve(FakeRuntime(chat))
    r = bot.send(mention(f"<@{BOT_USER}> hi", new_channel()),
                 timestamp=int(time.time()) - 600)  # correctly signed, 10 minutes old
    assert r.status_code == 401
    assert_still(standin, 0)
    assert chat.turns == []


def test_bots_edits_and_other_messages_are_ignored(serve: Callable[..., BotServer],
                                                   standin: SlackStandIn) -> None:
    chat = CannedChat()
    bot = serve(FakeRuntime(chat))
    dm = new_channel("D")
    ignored = [
        direct("a bot says hi", dm, user="U0OTHERBOT", bot_id="B0OTHER", subtype="bot_message"),
        direct("I am the bot", dm, user=BOT_USER),  # our own message
        direct("edited", dm, subtype="message_changed"),
        direct("joined", dm, subtype="channel_join"),
        envelope({"type": "message", "channel_type": "channel", "user": "U0ALICE",
                  "text": "no mention here", "ts": new_ts(), "channel": new_channel()}),
        mention(f"<@{BOT_USER}> from a bot", new_channel(), bot_id="B0OTHER"),
    ]
    for body in ignored:
        assert bot.send(body).status_code == 200
    answered = direct("hello", dm)
    assert bot.send(answered).status_code == 200
    [posted] = standin.wait_for_messages(1)
    assert posted.thread_ts == answered["event"]["ts"]
    assert_still(standin, 1)
    assert [text for _, text in chat.turns] == ["hello"]


def test_threads_are_separate_sessions(
        serve: Callable[..., BotServer], standin: SlackStandIn, demo_settings: Settings,
        demo_runtime: Runtime) -> None:
    bot = serve(demo_runtime, slack_settings(demo_settings, standin))
    channel = new_channel()
    a = mention(f"<@{BOT_USER}> what should user 42 buy next?", channel)
    b = mention(f"<@{BOT_USER}> what should user 7 buy next?", channel)
    assert bot.send(a).status_code == 200
    assert bot.send(b).status_code == 200
    standin.wait_for_messages(2)
    ts_a, ts_b = a["event"]["ts"], b["event"]["ts"]
    follow_up = mention(f"<@{BOT_USER}> make it 10", channel, thread_ts=ts_a)
    assert bot.send(follow_up).status_code == 200
    posted = standin.wait_for_messages(3)
    assert_still(standin, 3)

    answer = posted[2]
    assert answer.thread_ts == ts_a
    assert "user 42" in answer.text and "10. " in answer.text

    def said(ts: str) -> list[str]:
        history = demo_runtime.chat.history(session_id_for(TEAM, channel, ts))
        return [m["content"] for m in history if m["role"] == "user"]

    assert said(ts_a) == ["what should user 42 buy next?", "make it 10"]
    assert said(ts_b) == ["what should user 7 buy next?"]


def test_too_long_message_gets_a_polite_reply(
        serve: Callable[..., BotServer], standin: SlackStandIn, demo_settings: Settings,
        demo_runtime: Runtime) -> None:
    bot = serve(demo_runtime, slack_settings(demo_settings, standin))
    body = mention(f"<@{BOT_USER}> " + "tell me more " * 400, new_channel())
    assert bot.send(body).status_code == 200
    [posted] = standin.wait_for_messages(1)
    assert posted.thread_ts == body["event"]["ts"]
    assert posted.text.startswith("Sorry, I can't take that message")
    assert f"at most {demo_settings.chat_max_chars} characters" in posted.text


def test_unexpected_error_is_logged_and_answered_politely(
        serve: Callable[..., BotServer], standin: SlackStandIn,
        caplog: pytest.LogCaptureFixture) -> None:
    bot = serve(FakeRuntime(BrokenChat()))
    with caplog.at_level(logging.ERROR, logger="cartwise.ui.slack"):
        assert bot.send(mention(f"<@{BOT_USER}> hi", new_channel())).status_code == 200
        [posted] = standin.wait_for_messages(1)
    assert posted.text.startswith("Sorry, something went wrong")
    [record] = [r for r in caplog.records if r.name == "cartwise.ui.slack"]
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])


def test_bare_mention_gets_a_hint(serve: Callable[..., BotServer],
                                  standin: SlackStandIn) -> None:
    chat = CannedChat()
    bot = serve(FakeRuntime(chat))
    assert bot.send(mention(f"<@{BOT_USER}>", new_channel())).status_code == 200
    [posted] = standin.wait_for_messages(1)
    assert "Ask me" in posted.text
    assert chat.turns == []


def test_runtime_chat_is_read_per_event(serve: Callable[..., BotServer],
                                        standin: SlackStandIn) -> None:
    runtime = FakeRuntime(CannedChat("old"))
    bot = serve(runtime)
    assert bot.send(mention(f"<@{BOT_USER}> hi", new_channel())).status_code == 200
    standin.wait_for_messages(1)
    runtime.chat = CannedChat("new")  # as a retrain swaps it
    assert bot.send(mention(f"<@{BOT_USER}> hi", new_channel())).status_code == 200
    assert [p.text for p in standin.wait_for_messages(2)] == ["old", "new"]


# --- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(("drop", "named"), [
    (["slack_bot_token"], ["slack_bot_token"]),
    (["slack_signing_secret"], ["slack_signing_secret"]),
    (["slack_bot_token", "slack_signing_secret"], ["slack_bot_token", "slack_signing_secret"]),
])
def test_build_needs_token_and_secret(standin: SlackStandIn, drop: list[str],
                                      named: list[str]) -> None:
    settings = slack_settings(get_settings(), standin, **dict.fromkeys(drop))
    with pytest.raises(ConfigError) as err:
        build_slack_app(settings, cast("Runtime", FakeRuntime()))
    for name in named:
        assert name in str(err.value)
    assert standin.calls == []
    assert TOKEN not in str(err.value) and SECRET not in str(err.value)


def test_build_checks_the_token_with_auth_test(standin: SlackStandIn) -> None:
    settings = slack_settings(get_settings(), standin, slack_bot_token=SecretStr("xoxb-wrong"))
    with pytest.raises(ConfigError, match="did not accept the bot token"):
        build_slack_app(settings, cast("Runtime", FakeRuntime()))
    # a base URL without its trailing slash works too
    ok = slack_settings(get_settings(), standin, slack_api_url=standin.base_url.rstrip("/"))
    app = build_slack_app(ok, cast("Runtime", FakeRuntime()))
    assert standin.calls == ["auth.test", "auth.test"]
    assert isinstance(slack_request_handler(app), SlackRequestHandler)


def test_socket_mode_needs_the_app_token(standin: SlackStandIn) -> None:
    settings = slack_settings(get_settings(), standin)
    with pytest.raises(ConfigError, match="slack_app_token"):
        run_socket_mode(settings, cast("Runtime", FakeRuntime()))
    assert standin.calls == []
    wrong = slack_settings(get_settings(), standin, slack_app_token=SecretStr("xapp-wrong"))
    with pytest.raises(ConfigError, match="Socket Mode"):
        run_socket_mode(wrong, cast("Runtime", FakeRuntime()))


def test_socket_mode_answers_in_threads(standin: SlackStandIn) -> None:
    chat = CannedChat("Bananas.")
    settings = slack_settings(get_settings(), standin, slack_signing_secret=None,
                              slack_app_token=SecretStr(standin.app_token))
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_socket_mode(settings, cast("Runtime", FakeRuntime(chat)), stop=stop)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=run, name="socket-mode-bot", daemon=True)
    thread.start()
    try:
        channel = new_channel("D")
        body = direct("hello", channel)
        # a retry (retry_attempt 1) is acknowledged, not answered
        retried = standin.send_socket_event(direct("retried", new_channel("D")), retry_attempt=1)
        first = standin.send_socket_event(body)  # a first delivery (retry_attempt 0)
        again = standin.send_socket_event(body)  # delivered again: same event_id
        [posted] = standin.wait_for_messages(1)
        assert (posted.channel, posted.thread_ts, posted.text) == (
            channel, body["event"]["ts"], "Bananas.")
        # envelopes are handled concurrently: acknowledgements come in any order
        assert sorted(standin.wait_for_acks(3)) == sorted([retried, first, again])
        assert_still(standin, 1)
        assert chat.turns == [(session_id_for(TEAM, channel, body["event"]["ts"]), "hello")]
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and errors == []


# --- formatting and helpers -----------------------------------------------------------------


def reply_of(text: str, tools: list[ToolStep] | None = None) -> ChatReply:
    return ChatReply(text, "s", tools or [], "fake", 1.0)


def test_format_reply_escapes_and_converts_markdown() -> None:
    text = format_reply(reply_of(
        "**Top picks** for you & <family>:\n"
        "1. Banana ($0.99) - bought often\n"
        "2. Oat Milk ($3.49) - *goes with* your cereal\n"
        "- one\n* two\n"
        "Use `a<b` and see [the shop](https://shop.example/x?a=1&b=2)."))
    assert text.splitlines() == [
        "*Top picks* for you &amp; &lt;family&gt;:",
        "1. Banana ($0.99) - bought often",
        "2. Oat Milk ($3.49) - _goes with_ your cereal",
        "• one",
        "• two",
        "Use `a&lt;b` and see <https://shop.example/x?a=1&amp;b=2|the shop>.",
    ]


def test_format_reply_leaves_code_and_arithmetic_alone() -> None:
    assert markdown_to_mrkdwn("```\n**x** <y>\n```") == "```\n**x** &lt;y&gt;\n```"
    assert markdown_to_mrkdwn("2 * 3 * 4 = 24") == "2 * 3 * 4 = 24"
    assert markdown_to_mrkdwn("## Basket ##") == "*Basket*"
    assert markdown_to_mrkdwn("~~old~~ new") == "~old~ new"


def test_format_reply_adds_the_tools_line() -> None:
    tools = [ToolStep("recommend_products", {"user_id": 42}, ok=True, ms=12.4),
             ToolStep("search_products", {"query": "x"}, ok=False, ms=3.0),
             ToolStep("describe_user", {})]
    text = format_reply(reply_of("Done.", tools))
    assert text == ("Done.\n\n_tools: recommend_products (12 ms), search_products (failed, 3 ms),"
                    " describe_user_")
    assert format_reply(reply_of("Done.")) == "Done."
    assert format_reply(reply_of("  ")) == "_(no answer)_"


def test_format_reply_posts_the_charts_as_tables(demo_runtime: Runtime) -> None:
    reply = demo_runtime.chat.reply(None, "show the conversion funnel by device")
    text = format_reply(reply)
    assert text.startswith(markdown_to_mrkdwn(reply.reply)[:30])
    assert "*Visitors at each step*\n```\nhome page" in text
    funnel = reply.tool_calls[0].result
    assert f"{funnel['steps'][0]['users']:,} visitors" in text
    assert text.count("```") == 4  # two tables (steps, and steps by device)
    daily = format_reply(demo_runtime.chat.reply(None, "any anomalies in daily orders?"))
    assert "(the last 12 of" in daily


def test_format_reply_stays_under_slacks_limit() -> None:
    text = format_reply(reply_of("word " * 20_000))
    assert len(text) <= 39_002 and text.endswith("…")


def test_plain_text_strips_the_bot_mention_and_unescapes() -> None:
    assert plain_text(f"<@{BOT_USER}> what should user 42 buy next?", BOT_USER) == (
        "what should user 42 buy next?")
    assert plain_text(f"hey <@{BOT_USER}>  is <@U0BOB|bob> right? &lt;3 &amp; "
                      "<https://x.example|this> <#C1|general> <!here>", BOT_USER) == (
        "hey is @bob right? <3 & this #general @here")
    assert plain_text("<@U0ANY> hi <@U0BOB>", None) == "hi @U0BOB"


def test_session_ids_are_valid_and_per_thread() -> None:
    sid = session_id_for(TEAM, "C1", "1700000000.000100")
    assert sid == f"slack:{TEAM}:C1:1700000000.000100"
    assert check_session_id(session_id_for("T/1", "C 1", "1.2")) == "slack:T_1:C_1:1.2"
    assert session_id_for(TEAM, "C1", "1.1") != session_id_for(TEAM, "C1", "1.2")
    long = session_id_for(TEAM, "C" * 200, "1.2")
    assert check_session_id(long) == long
    assert session_id_for(None, "D1", "1.2") == "slack:-:D1:1.2"


def test_recent_keys_is_bounded_and_thread_safe() -> None:
    seen = RecentKeys(capacity=3)
    assert [seen.first_time(k) for k in "abca"] == [True, True, True, False]
    seen.first_time("d")  # drops b, the least recently seen
    assert len(seen) == 3 and seen.first_time("b") and not seen.first_time("a")

    many = RecentKeys()
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        wins.append(many.first_time("event"))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


# --- the bot inside the server: optional, never blocking start-up ----------------------------


def test_the_server_starts_when_slack_rejects_the_token_and_recovers(
        standin: SlackStandIn, demo_settings: Settings, demo_runtime: Runtime) -> None:
    """Slack answering 'invalid_auth' (or not at all) at start-up does not stop the server:
    /health names the reason under the optional ``slack`` component and stays healthy,
    /slack/events answers a JSON 503, and once Slack accepts the token the next event builds
    the bot and is answered."""
    from cartwise.server.app import create_app

    settings = slack_settings(demo_settings, standin)
    standin.token = "xoxb-another-token"  # Slack rejects the bot's token for now
    app = create_app(settings, demo_runtime, ui=False)
    bot = app.state.slack
    bot.retry_seconds = 0.0
    assert bot.wait_started(30)
    with LiveServer(app, name="cartwise-slack-retry") as server, \
            httpx.Client(base_url=server.url, timeout=30) as http:
        health = http.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        slack = health.json()["components"]["slack"]
        assert slack["state"] == "failed" and slack["optional"] and "invalid_auth" in slack["error"]
        verify = {"token": "legacy", "challenge": "c-123", "type": "url_verification"}
        r = BotServer(http).send(verify)
        assert r.status_code == 503 and "invalid_auth" in r.json()["detail"]
        standin.token = TOKEN  # Slack takes the token now
        r = BotServer(http).send(verify)
        assert r.status_code == 200 and r.json()["challenge"] == "c-123"
        assert http.get("/health").json()["components"]["slack"]["state"] == "ok"


def test_the_server_starts_when_slack_cannot_be_reached(demo_settings: Settings,
                                                        demo_runtime: Runtime) -> None:
    import socket

    from cartwise.server.app import create_app

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/api/"
    settings = demo_settings.model_copy(update={
        "slack_bot_token": SecretStr(TOKEN), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": closed})
    app = create_app(settings, demo_runtime, ui=False)
    assert app.state.slack.wait_started(60)
    with LiveServer(app, name="cartwise-slack-down") as server, \
            httpx.Client(base_url=server.url, timeout=30) as http:
        health = http.get("/health").json()
        assert health["status"] == "ok" and health["components"]["slack"]["state"] == "failed"
        assert BotServer(http).send({"type": "url_verification", "challenge": "x"}
                                    ).status_code == 503
