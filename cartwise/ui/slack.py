"""The Slack bot: answers mentions in channels and direct messages, in a thread, with the chat of
a :class:`~cartwise.runtime.Runtime`.

:func:`build_slack_app` builds a Bolt app; :func:`slack_request_handler` serves it over HTTP
(the server mounts ``POST /slack/events``) and :func:`run_socket_mode` over Socket Mode
(``cartwise slack``).

How an event is answered:

* Bolt verifies the request's signature with the signing secret (HTTP mode): a wrong signature,
  or a ``X-Slack-Request-Timestamp`` more than 5 minutes away from now, gets 401.
* Slack's retries (``X-Slack-Retry-Num`` >= 1; in Socket Mode the envelope's ``retry_attempt``,
  which Bolt passes on as that header) are acknowledged with ``X-Slack-No-Retry: 1`` and not
  processed; events are also de-duplicated by ``event_id`` and messages by channel + ``ts``
  (bounded, thread-safe LRU sets), so one message never gets two answers.
* Bolt acknowledges the event at once (``process_before_response=False``: the listener runs in
  a thread pool after the 200 is returned), so Slack hears back well within its 3 seconds.
* The listener asks ``runtime.chat`` (read per event: a retrain may swap it), with one session
  per thread (:func:`session_id_for`), and posts the reply in the thread as Slack mrkdwn
  (:func:`format_reply`; the first charts of the tool results as tables). Known errors
  become a polite reply; unexpected ones are logged with
  their traceback and answered politely too.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import (
    SlackRequestHandler,
    to_bolt_request,
    to_starlette_response,
)
from slack_bolt.context import BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from cartwise.agent.chat import SESSION_ID_CHARS
from cartwise.config import Settings
from cartwise.errors import CartwiseError, ConfigError, InvalidArgument
from cartwise.formatting import clip, fmt_num
from cartwise.tools.charts import ChartSpec, chart_specs_of

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from cartwise.agent.chat import ChatReply, ToolStep
    from cartwise.runtime import Runtime

log = logging.getLogger(__name__)

#: The Slack Web API base URL used when ``settings.slack_api_url`` is unset.
SLACK_API_URL = "https://slack.com/api/"
#: Longest text posted (Slack truncates messages above 40,000 characters).
MAX_POST_CHARS = 39_000
#: Most charts of a turn posted as tables, and most rows of each.
SLACK_CHARTS, CHART_ROWS = 2, 12
#: Events and messages remembered for de-duplication.
SEEN_CAPACITY = 10_000
#: Threads answering at the same time (more events wait in the pool's queue).
ANSWER_THREADS = 8

_SESSION_UNSAFE = re.compile(rf"[^{SESSION_ID_CHARS}]")
_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^<>]*))?>")
_CHANNEL_MENTION = re.compile(r"<#[A-Z0-9]+\|([^<>]*)>")
_SPECIAL_MENTION = re.compile(r"<!([a-z]+)(?:\^[A-Za-z0-9]+)?(?:\|([^<>]*))?>")
_LABELLED_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")
_BARE_LINK = re.compile(r"<([^<>]+)>")

_CODE = re.compile(r"(```.*?```|`[^`\n]+`)", re.S)
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_BULLET = re.compile(r"^([ \t]*)[*+-][ \t]+", re.M)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_BOLD_MARK = "\x02"  # stands for a Slack bold '*' while single '*' (italic) are converted

_EMPTY_MESSAGE = ("Hi! Ask me about the shop, e.g. _what should user 42 buy next?_ or "
                  "_find gluten-free pasta_.")
_FAILED = "Sorry, something went wrong on my side while answering. Please try again in a moment."


# --- formatting ---------------------------------------------------------------------------


def escape_mrkdwn(text: str) -> str:
    """``text`` with ``&``, ``<`` and ``>`` escaped as Slack requires (``&amp;`` etc.)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _convert_prose(text: str) -> str:
    """Markdown outside code to mrkdwn; ``text`` is not yet escaped."""
    text = escape_mrkdwn(text)
    text = _MD_LINK.sub(lambda m: f"<{m[2]}|{m[1]}>", text)
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m[1].strip('*').strip()}{_BOLD_MARK}", text)
    text = _BULLET.sub(lambda m: f"{m[1]}• ", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m[1]}{_BOLD_MARK}", text)
    text = _ITALIC.sub(lambda m: f"_{m[1]}_", text)
    text = _STRIKE.sub(lambda m: f"~{m[1]}~", text)
    return text.replace(_BOLD_MARK, "*")


def markdown_to_mrkdwn(text: str) -> str:
    """Markdown-ish chat text as Slack mrkdwn.

    ``**bold**`` and headings become ``*bold*``, ``*italic*`` becomes ``_italic_``,
    ``~~struck~~`` ``~struck~``, ``[label](https://...)`` ``<https://...|label>`` and ``*``/``-``
    bullets ``•``; numbered lists and line breaks are kept. ``&``, ``<`` and ``>`` are escaped
    everywhere; inside `` `code` `` and fenced blocks nothing else changes.
    """
    parts = _CODE.split(text)
    return "".join(escape_mrkdwn(p) if i % 2 else _convert_prose(p) for i, p in enumerate(parts))


def tools_line(steps: Sequence[ToolStep]) -> str:
    """The compact context line naming the tools of a turn, in call order, e.g.
    ``_tools: recommend_products (12 ms), search_products (failed, 3 ms)_``; empty without
    tools. ``ms`` is the time spent in the tool, rounded to whole milliseconds."""
    parts = []
    for step in steps:
        detail = ([] if step.ok else ["failed"]) + (
            [f"{fmt_num(step.ms)} ms"] if step.ms is not None else [])
        name = escape_mrkdwn(step.name)
        parts.append(f"{name} ({', '.join(detail)})" if detail else name)
    return f"_tools: {', '.join(parts)}_" if parts else ""


def chart_table(chart: ChartSpec, max_rows: int = CHART_ROWS) -> str:
    """One chart of a tool result as a small aligned table in a code block, under its title:
    each data point's label (a long one shortened at a word) and its figure as the chart writes
    it (the same helpers as the replies). A long series keeps its last ``max_rows`` points and
    says so."""
    rows = []
    for value in chart.spec["data"]["values"]:
        label, _, figure = str(value.get("description", "")).partition(": ")
        rows.append((label, figure or str(value.get("text", ""))))
    title = f"*{escape_mrkdwn(chart.title)}*"
    if len(rows) > max_rows:
        title += f" (the last {max_rows} of {len(rows)})"
        rows = rows[-max_rows:]
    width = min(max((len(label) for label, _ in rows), default=0), 32)
    lines = [f"{clip(label, width):<{width}}  {figure}" for label, figure in rows]
    return title + "\n```\n" + "\n".join(lines) + "\n```"


def format_reply(reply: ChatReply) -> str:
    """The text to post for one chat turn: the reply as Slack mrkdwn (see
    :func:`markdown_to_mrkdwn`; at most :data:`MAX_POST_CHARS` characters), the tool results'
    first charts as tables (:func:`chart_table`, at most :data:`SLACK_CHARTS`), then,
    after a blank line, the :func:`tools_line` when the turn used tools."""
    firsts: dict[str, ChartSpec] = {}
    for step in reply.tool_calls:
        for chart in chart_specs_of(step.name, step.result)[:SLACK_CHARTS]:
            firsts.setdefault(chart.title, chart)
    tables = [chart_table(c) for c in list(firsts.values())[:SLACK_CHARTS]]
    room = MAX_POST_CHARS - sum(len(t) + 2 for t in tables)
    body = clip(markdown_to_mrkdwn(reply.reply.strip()), room, " …") or "_(no answer)_"
    tools = tools_line(reply.tool_calls)
    return "\n\n".join([body, *tables, *([tools] if tools else [])])


def plain_text(text: str, bot_user_id: str | None) -> str:
    """A Slack message's ``text`` as the plain text the chat reads.

    Mentions of the bot (``<@BOTID>``) are removed; other mentions become ``@name`` /
    ``#channel`` / ``@here``, links their label (or the URL), and ``&amp;``, ``&lt;``,
    ``&gt;`` are unescaped. Without a known ``bot_user_id`` a leading mention is removed.
    """
    if bot_user_id is None:
        text = re.sub(r"^\s*<@[A-Z0-9]+(?:\|[^<>]*)?>", "", text)

    def user(m: re.Match[str]) -> str:
        return "" if m[1] == bot_user_id else f"@{m[2] or m[1]}"

    text = _USER_MENTION.sub(user, text)
    text = _CHANNEL_MENTION.sub(lambda m: f"#{m[1]}", text)
    text = _SPECIAL_MENTION.sub(lambda m: m[2] or f"@{m[1]}", text)
    text = _LABELLED_LINK.sub(lambda m: m[2], text)
    text = _BARE_LINK.sub(lambda m: m[1], text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def session_id_for(team_id: str | None, channel: str, thread_ts: str) -> str:
    """The chat session of one Slack thread: ``slack:{team}:{channel}:{thread_ts}`` with any
    character outside ``A-Za-z0-9_.:@-`` replaced by ``_`` (a hash when over 128 characters), so
    it is a valid session id; the same thread always gives the same id."""
    sid = _SESSION_UNSAFE.sub("_", f"slack:{team_id or '-'}:{channel}:{thread_ts}")
    if len(sid) > 128:
        sid = "slack:" + hashlib.sha256(sid.encode()).hexdigest()
    return sid


# --- de-duplication and per-thread turns ----------------------------------------------------


class RecentKeys:
    """A bounded, thread-safe set of recently seen keys (least recently seen dropped first).

    Args:
        capacity: keys remembered (>= 1).
    """

    def __init__(self, capacity: int = SEEN_CAPACITY) -> None:
        if capacity < 1:
            raise InvalidArgument("capacity", capacity, "an integer >= 1")
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is seen (and remember it); False while it is
        remembered."""
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            if len(self._keys) > self.capacity:
                self._keys.popitem(last=False)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)


class _ThreadLocks:
    """A fixed set of locks; one thread's turns (same session id) take the same lock, so they
    run one after another, as :class:`~cartwise.agent.chat.ChatService` requires."""

    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def __call__(self, session_id: str) -> threading.Lock:
        digest = hashlib.blake2b(session_id.encode(), digest_size=4).digest()
        return self._locks[int.from_bytes(digest, "big") % len(self._locks)]


# --- the bot --------------------------------------------------------------------------------


def _polite_error(exc: CartwiseError) -> str:
    if isinstance(exc, InvalidArgument) and exc.argument == "message":
        return (f"Sorry, I can't take that message: expected {exc.allowed} "
                f"(got {escape_mrkdwn(str(exc.value))}). Could you shorten or rephrase it?")
    return f"Sorry, I could not answer that: {escape_mrkdwn(str(exc))}."


def _retry_number(req: BoltRequest) -> int:
    """Slack's retry number of the request: 0 for a first delivery. Over HTTP a retry has the
    ``X-Slack-Retry-Num`` header; Bolt's Socket Mode adapter mirrors the envelope's
    ``retry_attempt`` into that header, so first deliveries there carry ``0``."""
    values = req.headers.get("x-slack-retry-num") or []
    if not values or not values[0].strip():
        return 0
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return 1  # a retry header we cannot read: still a retry


class _Bot:
    """The listeners and the global middleware of one Bolt app."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.seen = RecentKeys()
        self.locks = _ThreadLocks()

    def skip_retries_and_duplicates(self, req: BoltRequest,
                                    next: Callable[[], BoltResponse]) -> BoltResponse | None:
        """Global middleware (after Bolt's signature check): acknowledge Slack's retries and
        events already seen without running any listener."""
        retry = _retry_number(req)
        if retry:
            reason = (req.headers.get("x-slack-retry-reason") or ["?"])[0]
            log.info("slack: retry %d (%s) of event %s acknowledged without processing",
                     retry, reason, req.body.get("event_id"))
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        event_id = req.body.get("event_id")
        if isinstance(event_id, str) and not self.seen.first_time(f"event:{event_id}"):
            log.info("slack: event %s already seen, acknowledged without processing", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                   client: WebClient) -> None:
        """``app_mention``: answer in the thread, unless a bot wrote it."""
        if event.get("bot_id") or event.get("subtype"):
            log.debug("slack: ignored a mention by a bot or with subtype %s", event.get("subtype"))
            return
        self.answer(event, body, context, client)

    def on_message(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                   client: WebClient) -> None:
        """``message``: answer direct messages written by a person (no subtype: not an edit,
        a join, a bot message...); ignore every other message."""
        user = event.get("user")
        if (event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id")
                or not user or user == context.bot_user_id):
            log.debug("slack: ignored a message (channel_type %s, subtype %s)",
                      event.get("channel_type"), event.get("subtype"))
            return
        self.answer(event, body, context, client)

    def answer(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext,
               client: WebClient) -> None:
        """Answer the message ``event`` in its thread (once per message), in the thread's
        session; a failure to post is logged."""
        channel, ts = event["channel"], event["ts"]
        # one message can come as both app_mention and message: answer it once
        if not self.seen.first_time(f"message:{channel}:{ts}"):
            log.info("slack: message %s in %s already answered", ts, channel)
            return
        thread_ts = event.get("thread_ts") or ts
        team = body.get("team_id") or event.get("team") or context.team_id
        session_id = session_id_for(team, channel, thread_ts)
        text = self.reply_text(session_id, plain_text(event.get("text") or "",
                                                      context.bot_user_id))
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text,
                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            log.error("slack: posting the answer in %s failed: %s", channel,
                      exc.response.get("error"))
        except (SlackClientError, OSError) as exc:
            log.error("slack: posting the answer in %s failed: %s", channel, exc)

    def reply_text(self, session_id: str, text: str) -> str:
        """The mrkdwn answer to ``text`` in ``session_id``; never raises for a chat failure."""
        if not text:
            return _EMPTY_MESSAGE
        with self.locks(session_id):
            t0 = time.perf_counter()
            try:
                reply = self.runtime.chat.reply(session_id, text)
            except CartwiseError as exc:
                log.info("slack: message in %s not answered: %s", session_id, exc)
                return _polite_error(exc)
            except Exception:
                log.exception("slack: answering in %s failed", session_id)
                return _FAILED
        log.info("slack: answered in %s (%d tools, %.0f ms)", session_id,
                 len(reply.tool_calls), (time.perf_counter() - t0) * 1000)
        return format_reply(reply)


def _missing(settings: Settings, names: Sequence[str]) -> None:
    missing = [n for n in names if getattr(settings, n) is None
               or not getattr(settings, n).get_secret_value().strip()]
    if missing:
        env = ", ".join(f"CARTWISE_{n.upper()}" for n in missing)
        raise ConfigError(f"the Slack bot needs the setting(s) {', '.join(missing)} ({env})")


def _api_url(settings: Settings) -> str:
    url = settings.slack_api_url or SLACK_API_URL
    return url if url.endswith("/") else url + "/"


def _build(settings: Settings, runtime: Runtime, client: WebClient | None,
           signing_secret: str) -> App:
    assert settings.slack_bot_token is not None
    if client is None:
        client = WebClient(token=settings.slack_bot_token.get_secret_value(),
                           base_url=_api_url(settings))
    bot = _Bot(runtime)
    try:
        app = App(
            name="cartwise",
            client=client,
            signing_secret=signing_secret,
            process_before_response=False,
            token_verification_enabled=True,
            listener_executor=ThreadPoolExecutor(ANSWER_THREADS,
                                                 thread_name_prefix="cartwise-slack"),
        )
    except BoltError as exc:
        raise ConfigError(f"Slack did not accept the bot token (auth.test at {client.base_url}):"
                          f" {exc}") from exc
    except (SlackClientError, OSError) as exc:
        raise ConfigError(f"could not reach the Slack Web API at {client.base_url} to check the "
                          f"bot token: {exc}") from exc
    app.use(bot.skip_retries_and_duplicates)
    app.event("app_mention")(bot.on_mention)
    app.event("message")(bot.on_message)
    return app


def build_slack_app(settings: Settings, runtime: Runtime, *,
                    client: WebClient | None = None) -> App:
    """A Bolt app answering mentions and direct messages with ``runtime.chat``, in threads.

    Args:
        settings: ``slack_bot_token`` and ``slack_signing_secret`` are required;
            ``slack_api_url`` is the Web API base (None = Slack's).
        runtime: its ``chat`` is read for every event (a retrain may swap it).
        client: the Web API client to use as it is (its token and base URL win); default: one
            with the bot token and ``slack_api_url``.

    The bot token is checked with ``auth.test`` now (that call also tells the bot's own user
    and bot ids, whose messages are ignored).

    Raises:
        ConfigError: the bot token or the signing secret is missing (naming them), Slack
            rejects the token, or the Web API cannot be reached.
    """
    _missing(settings, ["slack_bot_token", "slack_signing_secret"])
    assert settings.slack_signing_secret is not None
    return _build(settings, runtime, client, settings.slack_signing_secret.get_secret_value())


class _DispatchInThread(SlackRequestHandler):
    """Bolt's Starlette/FastAPI handler, but ``App.dispatch`` (synchronous: signature check,
    middleware, ack) runs in the thread pool instead of blocking the event loop, and a
    ``X-Slack-Request-Timestamp`` that is not a number gets 401 (Bolt would fail with 500 and
    log a traceback for such an unsigned request)."""

    async def handle(self, req: Request,
                     addition_context_properties: dict[str, Any] | None = None) -> Response:
        if req.method != "POST":
            return await super().handle(req, addition_context_properties)
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import JSONResponse

        if not req.headers.get("x-slack-request-timestamp", "0").strip().isdigit():
            return JSONResponse({"error": "invalid request"}, status_code=401)
        bolt_req = to_bolt_request(req, await req.body(), addition_context_properties)
        return to_starlette_response(await run_in_threadpool(self.app.dispatch, bolt_req))


def slack_request_handler(bolt_app: App) -> SlackRequestHandler:
    """The FastAPI/Starlette handler of ``bolt_app``: mount ``POST /slack/events`` with
    ``return await handler.handle(request)``. It answers as soon as Bolt has acknowledged the
    event (the answer is posted later from Bolt's listener threads)."""
    return _DispatchInThread(bolt_app)


def run_socket_mode(settings: Settings, runtime: Runtime, *,
                    stop: threading.Event | None = None) -> None:
    """Run the bot over Socket Mode (``cartwise slack``): connect with ``slack_app_token`` and
    answer events until interrupted (or until ``stop`` is set), then disconnect.

    The signing secret is not needed: Socket Mode requests are not signed.

    Raises:
        ConfigError: ``slack_app_token`` or ``slack_bot_token`` is missing, Slack rejects the bot
            token, or the Web API cannot be reached.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    _missing(settings, ["slack_bot_token", "slack_app_token"])
    assert settings.slack_app_token is not None
    signing = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret \
        else ""
    app = _build(settings, runtime, None, signing)
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        try:
            handler.connect()
        except SlackApiError as exc:
            raise ConfigError(f"Slack did not open a Socket Mode connection: "
                              f"{exc.response.get('error')} (check slack_app_token)") from exc
        log.info("slack: connected over Socket Mode")
        (stop or threading.Event()).wait()
    finally:
        handler.close()
        log.info("slack: disconnected")
