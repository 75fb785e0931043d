"""The one exception hierarchy of Cartwise.

Code below the edges raises these; the edges translate them (the CLI into an exit code and a
message, the server into an HTTP status, the chat into a polite reply). Every message is written
for a person: it names the file, column, row or argument that is wrong and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class CartwiseError(Exception):
    """Base class of every error Cartwise raises on purpose."""

    #: Exit code the CLI uses for this kind of error.
    exit_code: int = 1


class ConfigError(CartwiseError):
    """A setting or command-line option has a value Cartwise cannot use."""

    exit_code = 2


class DataError(CartwiseError):
    """Input data is missing, malformed or inconsistent.

    Args:
        message: what is wrong, in a sentence.
        path: the file (or folder) concerned, if any.
        column: the column concerned, if any.
        rows: a few offending rows, as 1-based line numbers of the file where known (the header
            is line 1, so the first data row is line 2), otherwise as row descriptions.
    """

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        rows: Sequence[object] | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.column = column
        self.rows = list(rows) if rows is not None else []
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"file {self.path}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" and {len(self.rows) - 5} more" if len(self.rows) > 5 else ""
            text += f" (first offending rows: {shown}{more})"
        return text


class StoreError(CartwiseError):
    """The model store is missing, incomplete, or was written by an incompatible version."""

    exit_code = 4


class WarmingUp(StoreError):
    """A part of the services (``part``: catalog, recommenders, ...) is still loading after
    ``waited`` seconds: the request can be retried shortly (the server answers 503)."""

    def __init__(self, part: str, waited: float) -> None:
        self.part = part
        self.waited = waited
        super().__init__(f"the {part} is still loading (waited {waited:g} s): try again in a "
                         "moment")


class NotFoundError(CartwiseError):
    """Something asked for by id or name does not exist."""

    exit_code = 5


class UnknownUser(NotFoundError):
    """A user id that is not in the data."""

    def __init__(self, user_id: object) -> None:
        self.user_id = user_id
        super().__init__(f"user {user_id} not found")


class UnknownProduct(NotFoundError):
    """A product id or name that matches nothing in the catalogue.

    ``closest``: the nearest catalogue names, best first (empty when none is known).
    """

    def __init__(self, product: object, closest: Sequence[str] = ()) -> None:
        self.product = product
        self.closest = list(closest)
        hint = f"; closest: {', '.join(self.closest)}" if self.closest else ""
        super().__init__(f"product {product!r} not found{hint}")


class InvalidArgument(CartwiseError):
    """A call's argument has a value the call does not accept (a tool's caller can fix it).

    Args:
        argument: the argument's name, as the caller wrote it (``by``, ``device``, ``k``).
        value: the value given.
        allowed: what is accepted: a few values, or a phrase ("an integer >= 1").
        reason: optional extra sentence (why the value cannot be used with this data).
    """

    exit_code = 2

    def __init__(
        self,
        argument: str,
        value: object,
        allowed: Sequence[object] | str,
        reason: str | None = None,
    ) -> None:
        self.argument = argument
        self.value = value
        self.allowed = allowed if isinstance(allowed, str) else list(allowed)
        expected = (allowed if isinstance(allowed, str)
                    else "one of " + ", ".join(str(a) for a in allowed))
        text = f"invalid {argument}={value!r}: expected {expected}"
        super().__init__(f"{text} ({reason})" if reason else text)


class SessionBusy(CartwiseError):
    """Another turn of the same chat session is still running (turns of one session run one
    at a time, so that none overwrites another's history); the client may try again once it
    has finished."""

    def __init__(self, session_id: str, waited: float) -> None:
        self.session_id = session_id
        self.waited = waited
        super().__init__(f"session {session_id} is still answering another message (waited "
                         f"{waited:g} s); send this one again once that answer is done")


class ModelFitError(CartwiseError):
    """A statistical model could not be fitted to the data (too little data, or a fit that did
    not converge); callers fall back to a simpler estimate and say so."""
