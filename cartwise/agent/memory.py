"""Per-session memory: the LangGraph checkpointer the agent graph keeps conversations in.

The session id is the graph's thread id. Three back ends, chosen by ``Settings.sessions``:

* ``sqlite`` (default): a SQLite file (``Settings.sessions_path``, default
  ``STORE/sessions.sqlite``), so sessions survive restarts;
* ``memory``: in-process only (tests, throwaway runs);
* ``postgres``: a PostgreSQL database (``Settings.sessions_url``) shared by several server
  processes; needs the ``postgres`` extra (``pip install 'cartwise[postgres]'``).

Beside the checkpointer, each back end keeps the turns' ratings (thumbs up / down,
:class:`~cartwise.agent.feedback.FeedbackStore`) in the same database.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from cartwise.agent.feedback import FeedbackStore, memory_feedback
from cartwise.config import Settings
from cartwise.errors import ConfigError, StoreError

log = logging.getLogger(__name__)


class Sessions(AbstractContextManager["Sessions"]):
    """An open checkpointer and what it holds open (a database connection), closed together.

    Attributes:
        saver: the LangGraph checkpointer.
        kind: ``"sqlite"``, ``"memory"`` or ``"postgres"``.
        where: the file or database it writes to ("" for memory).
        feedback: the turns' ratings, in the same database (in memory for ``memory``).
    """

    def __init__(self, saver: BaseCheckpointSaver[Any], kind: str, where: str,
                 resources: ExitStack | None = None,
                 feedback: FeedbackStore | None = None) -> None:
        self.saver = saver
        self.kind = kind
        self.where = where
        self._resources = resources or ExitStack()
        self.feedback = feedback or memory_feedback()

    def prune(self, session_id: str) -> int:
        """Keep only the latest saved state of ``session_id`` (per checkpoint namespace): a
        turn is written once when it ends, so without this every turn of a session stays
        stored (a 30-turn session kept 30 states). Returns the states removed.

        The SQLite store saves whole states (no delta channels), so the latest one holds the
        conversation. The in-memory and PostgreSQL stores keep their history for now (memory is
        throwaway; PostgreSQL shares blobs between states and needs its own pruning)."""
        from langgraph.checkpoint.sqlite import SqliteSaver

        if not isinstance(self.saver, SqliteSaver):
            return 0
        latest = ("(checkpoint_ns, checkpoint_id) NOT IN (SELECT checkpoint_ns, "
                  "MAX(checkpoint_id) FROM checkpoints WHERE thread_id = ? "
                  "GROUP BY checkpoint_ns)")
        with self.saver.cursor() as cur:
            cur.execute(f"DELETE FROM writes WHERE thread_id = ? AND {latest}",
                        (session_id, session_id))
            cur.execute(f"DELETE FROM checkpoints WHERE thread_id = ? AND {latest}",
                        (session_id, session_id))
            return int(cur.rowcount)

    def close(self) -> None:
        self._resources.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def sqlite_sessions(path: Path) -> Sessions:
    """Sessions in the SQLite file ``path`` (created with its tables when missing).

    Raises:
        StoreError: the file cannot be opened or is not a session database.
    """
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stack = ExitStack()
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        stack.callback(conn.close)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
        saver.setup()
        ratings = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        stack.callback(ratings.close)
        feedback = FeedbackStore(ratings)
    except sqlite3.DatabaseError as exc:
        stack.close()
        raise StoreError(f"cannot open the session database {path}: {exc}") from exc
    return Sessions(saver, "sqlite", str(path), stack, feedback)


def open_sessions(settings: Settings) -> Sessions:
    """The checkpointer ``settings.sessions`` asks for.

    Raises:
        ConfigError: ``postgres`` without ``sessions_url`` or without the extra installed.
        StoreError: the database cannot be opened.
    """
    if settings.sessions == "memory":
        return Sessions(InMemorySaver(), "memory", "")
    if settings.sessions == "sqlite":
        return sqlite_sessions(settings.sessions_file)
    if settings.sessions_url is None:
        raise ConfigError("sessions=postgres needs CARTWISE_SESSIONS_URL (postgresql://...)")
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
    except ImportError as exc:
        raise ConfigError("sessions=postgres needs the postgres extra: "
                          "pip install 'cartwise[postgres]'") from exc
    stack = ExitStack()
    saver = stack.enter_context(PostgresSaver.from_conn_string(
        settings.sessions_url.get_secret_value()))
    saver.setup()
    ratings = stack.enter_context(psycopg.connect(settings.sessions_url.get_secret_value(),
                                                  autocommit=True))
    feedback = FeedbackStore(ratings, placeholder="%s")
    return Sessions(saver, "postgres", "postgresql", stack, feedback)
