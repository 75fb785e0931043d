"""The ``cartwise`` command line.

The one place that turns project errors into exit codes and messages: every command runs inside
:func:`_edge`, which prints a :class:`~cartwise.errors.CartwiseError` as ``error: ...`` on
standard error and exits with the error's code.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from cartwise.config import Settings, get_settings
from cartwise.errors import CartwiseError, ConfigError

app = typer.Typer(
    name="cartwise",
    help="Cartwise: a conversational agent over a shop's recommendation, search and analytics "
    "tools. Settings come from CARTWISE_* environment variables and .env (see .env.example).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("cartwise")


@contextmanager
def _edge() -> Iterator[None]:
    try:
        yield
    except CartwiseError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(exc.exit_code) from None


def _settings(**overrides: Any) -> Settings:
    settings = get_settings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return settings


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, default=str))


@app.command()
def generate(
    out: Annotated[Path | None, typer.Option(help="Folder to write (default: HOME/demo).")] = None,
    users: Annotated[int | None, typer.Option(help="Number of shoppers.")] = None,
    products: Annotated[int | None, typer.Option(help="Catalogue size (own catalogue).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; same seed, same files.")] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(help="Draw products from this Instacart catalogue folder "
                     "(products.csv, aisles.csv, departments.csv)."),
    ] = None,
) -> None:
    """Write a realistic demo data set in the Instacart layout (with prices, timestamps and funnel
    tables). Deterministic by seed; Instacart scale is --users 200000 --products 50000."""
    with _edge():
        s = _settings(data_dir=out, demo_users=users, demo_products=products, demo_seed=seed,
                      demo_catalog=catalog)
        from cartwise.build import generate_demo_data

        report = generate_demo_data(s, progress=sys.stderr.isatty())
        typer.echo(f"wrote demo data to {s.data_path}")
        _echo_json(report)


def _parse_columns(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise ConfigError(f"--column expects FIELD=HEADER, got {pair!r}")
        out[field.strip()] = header.strip()
    return out


@app.command()
def build(
    data: Annotated[
        Path | None,
        typer.Option(help="Data folder, or a transaction-log CSV file (default: the demo data, "
                     "generated if missing)."),
    ] = None,
    layout: Annotated[
        str | None, typer.Option(help="auto | instacart | transactions (default: auto).")
    ] = None,
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    funnel: Annotated[
        Path | None, typer.Option(help="Folder of the funnel tables (default: found beside the "
                                  "data).")
    ] = None,
    catalog: Annotated[
        Path | None, typer.Option(help="Folder of the Instacart catalogue (products.csv, "
                                  "aisles.csv, departments.csv) when the data folder holds "
                                  "only baskets (default: the data folder).")
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(help="Transaction log column name, as FIELD=HEADER (fields: invoice, "
                     "stock_code, description, quantity, invoice_date, price, customer_id, "
                     "country, category). Repeatable."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the inputs did not change.")] = False,
) -> None:
    """Load and validate the data and build every stage of the model store.

    Stages are rebuilt only when their inputs change. Each is written to a temporary folder and
    swapped in atomically: a failed build leaves the previous store in place.
    """
    with _edge():
        s = _settings(data_dir=data, layout=layout, store_dir=store, funnel_dir=funnel,
                      catalog_dir=catalog)
        _build(s, _parse_columns(column), force=force)


def _build(s: Settings, column_map: dict[str, str], force: bool) -> None:
    from cartwise.build import build_store

    outcome = build_store(s, column_map, force=force)
    for stage in outcome.stages:
        verb = "built" if stage.rebuilt else "up to date:"
        typer.echo(f"{stage.name} stage {verb} {s.store_path / stage.name} "
                   f"({stage.seconds:.1f} s)")
        typer.echo("  " + ", ".join(f"{k} {v:,}" for k, v in stage.summary.items()))
        for line in stage.details:
            typer.echo(f"  {line}")
    typer.echo(f"build finished in {outcome.seconds:.1f} s")


eval_app = typer.Typer(help="Offline evaluation of the recommenders and of the agent.",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("recsys")
def eval_recsys(
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    k: Annotated[
        list[int] | None, typer.Option("--k", help="Cut-off(s) K; repeatable (default 10 and 20).")
    ] = None,
    users: Annotated[
        int | None, typer.Option(help="Evaluate a seeded sample of this many users (default all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Hold out each user's last basket, train on everything before it, and compare every
    strategy with the G-TopFreq and P-TopFreq baselines (Recall, NDCG, HitRate, Precision at K,
    catalogue coverage). The hybrid uses the weights chosen when the store was built."""
    with _edge():
        from cartwise.recsys.report import run_evaluation

        s = _settings(store_dir=store)
        ks = tuple(sorted(set(k or [10, 20])))
        if any(v < 1 for v in ks):
            raise ConfigError("--k must be at least 1")
        result = run_evaluation(s, ks, max_users=users,
                                progress=None if as_json else lambda m: typer.echo(m, err=True))
        if as_json:
            _echo_json(result.to_dict())
        else:
            typer.echo(result.table())


@eval_app.command("agent")
def eval_agent(
    cases: Annotated[Path, typer.Option(help="Conversation cases, JSONL (see "
                                             "docs/agent.md).")],
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    min_score: Annotated[
        float | None, typer.Option(help="Exit with status 1 when the score is below this "
                                        "(0..1).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run conversation cases against the agent (the settings' chat model), each in a fresh
    session; print every failed turn (expected vs actual call) and the score."""
    with _edge():
        from cartwise.agent.evaluate import chat_runner, evaluate, load_cases
        from cartwise.agent.factory import build_chat_service
        from cartwise.services import build_services

        if min_score is not None and not 0 <= min_score <= 1:
            raise ConfigError("--min-score must be between 0 and 1")
        s = _settings(store_dir=store, sessions="memory")
        loaded = load_cases(cases)
        services = build_services(s)
        try:
            report = evaluate(loaded, chat_runner(build_chat_service(s, services)))
        finally:
            services.close()
        if as_json:
            _echo_json(report.to_dict())
        else:
            for failure in report.failures:
                typer.echo(failure.describe())
            categories = report.by_category()
            if len(categories) > 1:
                typer.echo("by category: " + ", ".join(
                    f"{c} {p}/{n}" for c, (p, n) in sorted(categories.items())))
            typer.echo(f"score {report.score:.3f} ({report.passed}/{len(report.turns)} turns, "
                       f"{len(loaded)} conversations)")
        if min_score is not None and report.score < min_score:
            typer.secho(f"error: score {report.score:.3f} is below --min-score {min_score:g}",
                        err=True, fg=typer.colors.RED)
            raise typer.Exit(1)


@app.command()
def tool(
    name: Annotated[str, typer.Argument(help="A tool of the catalogue, e.g. recommend_products.")],
    args: Annotated[str, typer.Argument(help="Its arguments as a JSON object, e.g. "
                                             "'{\"user_id\": 42}'.")] = "{}",
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
) -> None:
    """Run one tool and print its JSON result (not-found and invalid-argument results are
    printed too, and exit with status 1)."""
    with _edge():
        from cartwise.preflight import check_settings
        from cartwise.services import build_services
        from cartwise.tools.registry import run_tool, tool_spec
        from cartwise.tools.results import is_failure

        tool_spec(name)  # an unknown tool fails before anything is loaded
        try:
            parsed = json.loads(args)
        except ValueError as exc:
            raise ConfigError(f"ARGS is not JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ConfigError("ARGS must be a JSON object, e.g. '{\"user_id\": 42}'")
        s = _settings(store_dir=store)
        check_settings(s, store="built")
        services = build_services(s)  # each part loads when the tool asks for it
        try:
            result = run_tool(services, name, parsed)
        finally:
            services.close()
        _echo_json(result.model_dump(mode="json"))
        if is_failure(result):
            raise typer.Exit(1)


def _ensure_store(s: Settings) -> None:
    """Build the store (generating the demo data first when needed) if a stage is missing."""
    from cartwise.stages import is_built
    from cartwise.store import Store

    if not is_built(Store(s.store_path)):
        typer.echo(f"building the store {s.store_path} (first run: this takes a minute) ...",
                   err=True)
        _build(s, {}, force=False)


def _serving_logs() -> None:
    from cartwise.server.middleware import RequestIdFilter

    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (CARTWISE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CARTWISE_PORT).")] = None,
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    ui: Annotated[bool, typer.Option(help="Serve the chat UI at /ui.")] = True,
) -> None:
    """Serve the API, the chat UI (/ui) and, when configured, the Slack bot (/slack/events);
    builds the store first (and the demo data) when it is missing."""
    with _edge():
        from cartwise.preflight import check_settings

        s = _settings(store_dir=store, host=host, port=port)
        check_settings(s, chat=True, store="buildable",
                       slack="http" if s.slack_bot_token and s.slack_signing_secret else None)
        import uvicorn

        from cartwise.server.app import create_app

        _ensure_store(s)
        _serving_logs()
        application = create_app(s, ui=ui)  # serves at once; the parts warm in the background
        base = f"http://{s.host}:{s.port}"
        typer.echo(f"Cartwise is up: chat UI {base}/ui/  API docs {base}/docs  "
                   f"({application.state.runtime.model_info.provider} chat model)")
        uvicorn.run(application, host=s.host, port=s.port, log_config=None, access_log=False)


@app.command()
def chat(
    session: Annotated[str | None, typer.Option(help="Session to continue (default: new).")] = None,
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show log lines and loading "
                                                            "progress.")] = False,
) -> None:
    """Chat in the terminal: tool steps are shown as they happen; /new starts a new session,
    /history shows this one, /quit (or Ctrl-D) leaves. Quiet unless --verbose: only warnings
    that matter (errors) reach the terminal."""
    if not verbose:
        _quiet()
    with _edge():
        from cartwise.preflight import check_settings

        s = _settings(store_dir=store)
        if not verbose:
            logging.getLogger().setLevel(logging.ERROR)
        check_settings(s, chat=True, store="buildable")
        from cartwise.agent.chat import new_session_id
        from cartwise.runtime import Runtime

        _ensure_store(s)
        runtime = Runtime.open(s, warm="lazy")
        try:
            runtime.chat  # noqa: B018 - the planner (catalogue, query embedder) before the prompt
        except BaseException:
            runtime.close()
            raise
        runtime.start_warming()  # the recommenders, analytics and product index meanwhile
        sid = session or new_session_id()
        typer.echo(f"Cartwise ({runtime.model_info.provider} chat model), session {sid}. "
                   "Ask about products, shoppers or orders; /quit to leave.")
        try:
            while True:
                try:
                    text = input("you> ").strip()
                except EOFError:
                    break
                if not text:
                    continue
                if text in ("/quit", "/exit"):
                    break
                if text == "/new":
                    sid = new_session_id()
                    typer.echo(f"new session {sid}")
                    continue
                if text == "/history":
                    typer.echo("\n".join(history_lines(runtime.chat.history(sid)))
                               or "  (nothing yet in this session)")
                    continue
                _chat_turn(runtime, sid, text)
        finally:
            runtime.close()


def _quiet() -> None:
    """Keep library chatter out of the terminal chat: no download or weight-loading progress
    bars (Hugging Face's switch, read when transformers is imported) and Python warnings only
    through logging, which the chat sets to errors."""
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    logging.captureWarnings(True)


def history_lines(messages: list[dict[str, Any]]) -> list[str]:
    """A session's messages as the terminal chat shows them: the user's and Cartwise's words,
    each tool call with its arguments and the one-line summary of its result (not its JSON)."""
    out = []
    for m in messages:
        if m["role"] == "user":
            out.append(f"you> {m['content']}")
        elif m["role"] == "tool":
            try:
                summary = json.loads(m["content"]).get("summary", "")
            except (ValueError, AttributeError):
                summary = str(m["content"])
            out.append(f"  <- {m.get('name', 'tool')}: {summary[:160]}")
        else:
            out += [f"  -> {c['name']}({json.dumps(c.get('args', {}))})"
                    for c in m.get("tool_calls") or ()]
            if m.get("content"):
                out.append(f"cartwise> {m['content']}")
    return out


def _chat_turn(runtime: Any, sid: str, text: str) -> None:
    from cartwise.errors import InvalidArgument

    try:
        for event in runtime.chat.stream(sid, text):
            if event["type"] == "tool_call":
                typer.secho(f"  -> {event['name']}({json.dumps(event['args'])})",
                            fg=typer.colors.BRIGHT_BLACK)
            elif event["type"] == "tool_result":
                typer.secho(f"  <- {event['summary'][:160]} ({event['ms'] or 0:.0f} ms)",
                            fg=typer.colors.BRIGHT_BLACK)
            elif event["type"] == "text":
                typer.echo(("\n" if event.get("replace") else "") + event["text"], nl=False)
            elif event["type"] == "done":
                typer.echo("")
    except InvalidArgument as exc:
        typer.echo(f"(not sent: {exc})")


@app.command()
def slack(
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Only check the Slack settings (present, well formed) for Socket Mode "
                        "and HTTP, without loading anything or contacting Slack.")] = False,
) -> None:
    """Run the Slack bot over Socket Mode (needs CARTWISE_SLACK_APP_TOKEN and _BOT_TOKEN);
    `cartwise serve` serves it over HTTP at /slack/events instead (with _BOT_TOKEN and
    _SIGNING_SECRET). The settings are checked before anything is loaded."""
    from cartwise.ui.slack_setup import setting_problems

    s = _settings(store_dir=store)
    if check:
        ready = 0
        for mode, how in (("socket", "Socket Mode (cartwise slack)"),
                          ("http", "HTTP (cartwise serve, POST /slack/events)")):
            problems = setting_problems(s, mode)  # type: ignore[arg-type]
            typer.echo(f"{how}: {'ok' if not problems else 'not ready'}")
            for problem in problems:
                typer.echo(f"  - {problem}")
            ready += not problems
        if not ready:  # exit 2 when neither way can run
            raise typer.Exit(2)
        return
    problems = setting_problems(s, "socket")
    if problems:
        typer.secho("error: the Slack bot cannot start over Socket Mode: " + "; ".join(problems)
                    + " (see the README's Slack section; `cartwise slack --check`)",
                    err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    with _edge():
        from cartwise.preflight import check_settings

        check_settings(s, chat=True, store="buildable")
        from cartwise.runtime import Runtime
        from cartwise.ui.slack import run_socket_mode

        _ensure_store(s)
        runtime = Runtime.open(s, warm="background")  # connects while the parts load
        try:
            run_socket_mode(s, runtime)
        finally:
            runtime.close()


@app.command()
def bench(
    scale: Annotated[str, typer.Option(help="Data scale: tiny (2k users), small (20k users x 5k "
                                            "products) or full (200k x 50k, Instacart scale).")
                     ] = "small",
    data: Annotated[Path | None, typer.Option(help="An existing Instacart-layout folder instead "
                                                   "of generated data.")] = None,
    clients: Annotated[int, typer.Option(help="Concurrent /chat clients.")] = 16,
    duration: Annotated[float, typer.Option(help="Seconds of /chat load.")] = 60.0,
) -> None:
    """Run every benchmark on one data set and write BENCHMARKS.md (needs a source checkout:
    the scripts live in benchmarks/)."""
    with _edge():
        import subprocess

        if scale not in ("tiny", "small", "full"):
            raise ConfigError(f"--scale must be tiny, small or full, not {scale!r}")
        script = Path(__file__).resolve().parents[1] / "benchmarks" / "run_all.py"
        if not script.is_file():
            raise ConfigError(f"{script} is missing: `cartwise bench` runs from a source "
                              "checkout of Cartwise")
        cmd = [sys.executable, str(script), "--scale", scale, "--clients", str(clients),
               "--duration", str(duration)]
        if data is not None:
            cmd += ["--data", str(data)]
        raise typer.Exit(subprocess.run(cmd, check=False).returncode)


@app.command()
def info(
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every stage's manifest.")
                       ] = False,
) -> None:
    """Show what the model store holds: the data, each stage's size and quality, when it was
    built, and the chat model (--json: the stage manifests)."""
    with _edge():
        from cartwise.store import Store
        from cartwise.store_summary import store_summary

        s = _settings(store_dir=store)
        st = Store(s.store_path)
        stages = {p.name: st.manifest(p.name) for p in sorted(s.store_path.glob("*"))
                  if p.is_symlink()} if s.store_path.is_dir() else {}
        if not stages:
            raise ConfigError(f"the store {s.store_path} is empty: run `cartwise build` first")
        if as_json:
            _echo_json(stages)
        else:
            typer.echo(store_summary(stages, s))


if __name__ == "__main__":  # pragma: no cover
    app()
