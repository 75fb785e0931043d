"""The ``cartwise`` command line.

The one place that turns project errors into exit codes and messages: every command runs inside
:func:`_edge`, which prints a :class:`~cartwise.errors.CartwiseError` as ``error: ...`` on
standard error and exits with the error's code.
"""

from __future__ import annotations

import json
import logging
import sys
import time
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
        report = _generate(s)
        typer.echo(f"wrote demo data to {s.data_path}")
        _echo_json(report)


def _generate(s: Settings) -> dict[str, Any]:
    from cartwise.data.generate import generate_demo

    report = generate_demo(
        s.data_path,
        users=s.demo_users,
        products=s.demo_products,
        seed=s.demo_seed,
        catalog_dir=s.demo_catalog,
        progress=sys.stderr.isatty(),
    )
    return report.to_dict()


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
        s = _settings(data_dir=data, layout=layout, store_dir=store, funnel_dir=funnel)
        _build(s, _parse_columns(column), force=force, explicit_data=data is not None)


def _build(s: Settings, column_map: dict[str, str], force: bool, explicit_data: bool) -> None:
    from cartwise.data.load import resolve_source
    from cartwise.data.stage import build_data_stage
    from cartwise.store import Store

    if not s.data_path.exists() and not explicit_data and s.data_path == s.home / "demo":
        typer.echo(f"no data at {s.data_path}: generating the demo data set first")
        _generate(s)
    source = resolve_source(s.data_path, s.layout, s.funnel_dir, column_map)
    store = Store(s.store_path)
    t0 = time.perf_counter()
    with store.lock():
        result = build_data_stage(store, source, force=force)
    verb = "built" if result.rebuilt else "up to date:"
    typer.echo(f"data stage {verb} {store.stage_dir('data')} ({result.seconds:.1f} s)")
    tables = result.manifest.get("tables", {})
    typer.echo("  " + ", ".join(f"{k} {v:,}" for k, v in tables.items()))
    if result.rebuilt:
        from cartwise.data.stage import read_report

        report = read_report(store)
        for rule, n in report.removed.items():
            typer.echo(f"  removed {n:,} lines: {rule}")
        for note in report.notes:
            typer.echo(f"  note: {note}")
    typer.echo(f"build finished in {time.perf_counter() - t0:.1f} s")


@app.command()
def info(
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
) -> None:
    """Show what the model store holds: each stage, its inputs and table sizes."""
    with _edge():
        from cartwise.store import Store

        s = _settings(store_dir=store)
        st = Store(s.store_path)
        stages = {p.name: st.manifest(p.name) for p in sorted(s.store_path.glob("*"))
                  if p.is_symlink()} if s.store_path.is_dir() else {}
        if not stages:
            raise ConfigError(f"the store {s.store_path} is empty: run `cartwise build` first")
        _echo_json(stages)


if __name__ == "__main__":  # pragma: no cover
    app()
