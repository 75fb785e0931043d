"""Thumbs up / down on chat turns, stored beside the sessions.

A rating belongs to one turn of one session: the turn is named by the id of its user message
(``turn_id``, as :meth:`~cartwise.agent.chat.ChatService.history` lists it), so it stays the
same when older turns leave the session's window. Each row keeps the question and the answer
as they were when rated, so the ratings can be read without the session.

:class:`FeedbackStore` runs the same SQL on SQLite (the session file, or an in-memory database
for in-memory sessions) and on PostgreSQL (the sessions database). It is thread-safe.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from typing import Any, Literal

from cartwise.errors import InvalidArgument

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")

_TABLE = "cartwise_feedback"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {_TABLE} (session_id TEXT NOT NULL, "
           "turn_id TEXT NOT NULL, rating TEXT NOT NULL, message TEXT NOT NULL, "
           "reply TEXT NOT NULL, rated_at DOUBLE PRECISION NOT NULL, "
           "PRIMARY KEY (session_id, turn_id))")


def check_rating(rating: object) -> Rating | None:
    """``rating`` if it is ``"up"``, ``"down"`` or None (no rating).

    Raises:
        InvalidArgument: anything else.
    """
    if rating is None or rating in RATINGS:
        return rating  # type: ignore[return-value]
    raise InvalidArgument("rating", rating, "up, down or null")


class FeedbackStore:
    """Ratings in a DB-API connection's ``cartwise_feedback`` table (created if missing).

    Args:
        conn: an open connection in autocommit mode (sqlite3 with ``isolation_level=None``,
            or psycopg with ``autocommit=True``); the caller closes it.
        placeholder: the driver's parameter marker (``?`` for sqlite3, ``%s`` for psycopg).
    """

    def __init__(self, conn: Any, placeholder: str = "?") -> None:
        self._conn = conn
        self._p = placeholder
        self._lock = threading.Lock()
        self._run(_CREATE)

    def _run(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute(sql.replace("?", self._p), tuple(params))
                return list(cur.fetchall()) if cur.description else []
            finally:
                cur.close()

    def rate(self, session_id: str, turn_id: str, rating: Rating | None, message: str = "",
             reply: str = "") -> None:
        """Store ``rating`` for the turn (replacing an earlier one); None removes it."""
        if check_rating(rating) is None:
            self._run(f"DELETE FROM {_TABLE} WHERE session_id = ? AND turn_id = ?",
                      (session_id, turn_id))
            return
        self._run(f"INSERT INTO {_TABLE} (session_id, turn_id, rating, message, reply, rated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, turn_id) DO UPDATE SET "
                  "rating = excluded.rating, message = excluded.message, "
                  "reply = excluded.reply, rated_at = excluded.rated_at",
                  (session_id, turn_id, rating, message, reply, time.time()))

    def of_session(self, session_id: str) -> dict[str, Rating]:
        """The session's ratings: turn id -> rating."""
        rows = self._run(f"SELECT turn_id, rating FROM {_TABLE} WHERE session_id = ?",
                         (session_id,))
        return {str(t): r for t, r in rows}

    def forget(self, session_id: str, turn_ids: Iterable[str] | None = None) -> None:
        """Remove the ratings of ``turn_ids`` (None: of the whole session)."""
        if turn_ids is None:
            self._run(f"DELETE FROM {_TABLE} WHERE session_id = ?", (session_id,))
            return
        for turn_id in turn_ids:
            self._run(f"DELETE FROM {_TABLE} WHERE session_id = ? AND turn_id = ?",
                      (session_id, turn_id))

    def counts(self) -> dict[str, int]:
        """How many turns are rated up and down, over every session."""
        out = dict.fromkeys(RATINGS, 0)
        for rating, n in self._run(f"SELECT rating, COUNT(*) FROM {_TABLE} GROUP BY rating"):
            out[str(rating)] = int(n)
        return out


def memory_feedback() -> FeedbackStore:
    """Ratings in a private in-memory SQLite database (lost with the process)."""
    return FeedbackStore(sqlite3.connect(":memory:", check_same_thread=False,
                                         isolation_level=None))
