"""The chat sidebar's list of conversations, as the browser keeps it.

The list lives in the browser's local storage (Gradio's ``BrowserState``), so a reload or a
new tab of the same browser finds it again; the conversations themselves live on the server
(the session store), named by their session ids. The stored value is a plain JSON object,
:data:`EMPTY` when nothing is stored yet::

    {"current": "<session id>" | None,
     "conversations": [{"id": "<session id>", "title": "..."}, ...]}   # newest first

These functions take such a value and return a new one (never changing their argument), so
the page's handlers stay thin and the rules are tested without a browser.
"""

from __future__ import annotations

import copy
from typing import Any

from cartwise.agent.chat import check_session_id
from cartwise.errors import InvalidArgument

Saved = dict[str, Any]

#: What a browser with no conversations yet holds.
EMPTY: Saved = {"current": None, "conversations": []}
#: Most conversations listed (older ones drop off the list; their sessions stay on the server).
MAX_CONVERSATIONS = 50
#: Longest title kept.
TITLE_CHARS = 60


def _valid(saved: Any) -> Saved:
    """``saved`` as a well-formed value: entries without a valid session id are dropped, a
    missing or damaged value gives :data:`EMPTY` (the browser's storage is not trusted)."""
    if not isinstance(saved, dict):
        return copy.deepcopy(EMPTY)
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for c in saved.get("conversations") or []:
        try:
            sid = check_session_id(c.get("id") if isinstance(c, dict) else None)
        except InvalidArgument:
            continue
        if sid not in seen:
            seen.add(sid)
            out.append({"id": sid, "title": title_of(str(c.get("title") or ""))})
    current = saved.get("current")
    ok = isinstance(current, str) and current in seen
    return {"current": current if ok else None, "conversations": out[:MAX_CONVERSATIONS]}


def title_of(text: str) -> str:
    """A conversation title from its first question (or a typed title): one line, at most
    :data:`TITLE_CHARS` characters, cut at a word; "New conversation" when blank."""
    line = " ".join(str(text).split())
    if not line:
        return "New conversation"
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return (cut or line[:TITLE_CHARS - 1]) + "…"


def current(saved: Any) -> str | None:
    """The session id of the conversation open in the browser, if any."""
    return _valid(saved)["current"]


def started(saved: Any, session_id: str, first_message: str) -> Saved:
    """``saved`` with conversation ``session_id`` open and at the top of the list; a new one
    is titled after ``first_message``, a known one keeps its title."""
    check_session_id(session_id)
    out = _valid(saved)
    known = next((c for c in out["conversations"] if c["id"] == session_id), None)
    entry = known or {"id": session_id, "title": title_of(first_message)}
    rest = [c for c in out["conversations"] if c["id"] != session_id]
    return {"current": session_id, "conversations": [entry, *rest][:MAX_CONVERSATIONS]}


def opened(saved: Any, session_id: str | None) -> Saved:
    """``saved`` with conversation ``session_id`` open (None: a new, unsaved one); the list's
    order does not change."""
    out = _valid(saved)
    ids = {c["id"] for c in out["conversations"]}
    out["current"] = session_id if session_id in ids else None
    return out


def renamed(saved: Any, session_id: str, title: str) -> Saved:
    """``saved`` with conversation ``session_id`` titled ``title`` (blank: unchanged)."""
    out = _valid(saved)
    if " ".join(str(title).split()):
        for c in out["conversations"]:
            if c["id"] == session_id:
                c["title"] = title_of(title)
    return out


def removed(saved: Any, session_id: str) -> Saved:
    """``saved`` without conversation ``session_id`` (none open if it was the open one)."""
    out = _valid(saved)
    out["conversations"] = [c for c in out["conversations"] if c["id"] != session_id]
    if out["current"] == session_id:
        out["current"] = None
    return out


def choices(saved: Any) -> list[tuple[str, str]]:
    """The sidebar's entries: ``(title, session id)``, newest first."""
    return [(c["title"], c["id"]) for c in _valid(saved)["conversations"]]


def title(saved: Any, session_id: str | None) -> str:
    """The title of conversation ``session_id`` ("" when it is not listed)."""
    return next((c["title"] for c in _valid(saved)["conversations"] if c["id"] == session_id),
                "")

