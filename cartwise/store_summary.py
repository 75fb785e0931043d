"""What ``cartwise info`` says about a built store, for a person: a few lines per stage.

The stage manifests (``Store.manifest``) hold everything; :func:`store_summary` picks what a
user asks first (what data, how big, how good, built when, with which chat model) and formats it
with the shared number helpers. ``cartwise info --json`` prints the manifests themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cartwise.config import Settings

_ORDER = ("data", "recsys", "analytics", "retrieval")


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _built(manifest: Mapping[str, Any]) -> str:
    at = str(manifest.get("built_at", "?")).replace("T", " ")[:16]
    return f"built {at} UTC" if at != "?" else "build time unknown"


def _data(m: Mapping[str, Any]) -> list[str]:
    source = m.get("source", {})
    tables = m.get("tables", {})
    labels = {"users": "shoppers", "products": "products", "orders": "orders",
              "order_lines": "order lines"}
    sizes = ", ".join(f"{_count(tables[k])} {label}" for k, label in labels.items()
                      if k in tables)
    money = f"prices in {m.get('currency') or 'an unknown currency'}" if m.get("has_prices") \
        else "no prices (values are counted in items)"
    times = "with order dates" if m.get("has_timestamps") else "without order dates"
    lines = [f"data       {source.get('layout', '?')} layout from {source.get('path', '?')} "
             f"({_built(m)})",
             f"           {sizes}; {money}; {times}"]
    if tables.get("funnel_users"):
        lines.append(f"           funnel: {_count(tables['funnel_users'])} visitors")
    return lines


def _recsys(m: Mapping[str, Any]) -> list[str]:
    shape = m.get("shape", {})
    weights = ", ".join(f"{k} {v:g}" for k, v in m.get("weights", {}).items())
    val = m.get("validation", {})
    quality = ", ".join(f"{k} {v:.3f}" for k, v in val.items() if k != "users")
    seconds = sum(v for v in m.get("timings_s", {}).values() if isinstance(v, int | float))
    return [f"recsys     {_count(shape.get('users', '?'))} shoppers x "
            f"{_count(shape.get('items', '?'))} products; hybrid weights {weights or '?'} "
            f"({_built(m)}, {seconds:.0f} s)",
            f"           validation {quality or 'not measured'} on "
            f"{_count(val.get('users', '?'))} shoppers (each one's second-to-last basket)"]


def _analytics(m: Mapping[str, Any]) -> list[str]:
    summary = ", ".join(f"{_count(v)} {k}" for k, v in m.get("summary", {}).items())
    lines = [f"analytics  {summary} ({_built(m)})"]
    lines += [f"           {d}" for d in m.get("details", [])[:3]]
    return lines


def _retrieval(m: Mapping[str, Any]) -> list[str]:
    counts = m.get("counts", {})
    return [f"search     {_count(counts.get('products', '?'))} products embedded with "
            f"{m.get('model_id', '?')} in the {m.get('backend', '?')} index ({_built(m)})"]


_LINES = {"data": _data, "recsys": _recsys, "analytics": _analytics, "retrieval": _retrieval}


def store_summary(stages: Mapping[str, Mapping[str, Any]], settings: Settings) -> str:
    """A short, readable account of the store's ``stages`` (name -> manifest) and the chat model
    the ``settings`` choose; stages this module does not know are listed by name."""
    out = [f"store      {settings.store_path}"]
    for name in sorted(stages, key=lambda n: (_ORDER.index(n) if n in _ORDER else 99, n)):
        lines = _LINES.get(name)
        out += lines(stages[name]) if lines else [f"{name:<10} (see --json)"]
    model = settings.chat_provider + (f" ({settings.chat_model})"
                                      if settings.chat_provider != "offline" else
                                      " (the embedded planner, no key needed)")
    out.append(f"chat       {model}")
    out.append("(cartwise info --json prints every manifest)")
    return "\n".join(out)
