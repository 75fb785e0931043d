"""The result memory of a conversation (a "candidate bus"): every product or shopper list a tool
returned in the session, kept with everything needed to work on it later (ids, names, prices,
departments, scores, reasons).

The memory is read from the session itself (its tool calls and their results, which the session
store keeps and trims like the rest of the session), so it survives a restart and is bounded by
the session's length and :data:`MAX_LISTS`. :func:`~cartwise.tools.registry.refine_results`
works on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cartwise.errors import InvalidArgument
from cartwise.tools.results import ProductList, Refined, ShopperList, ToolResult

#: The most recent lists kept.
MAX_LISTS = 20
#: Words for "the one before the last" as a source.
_PREVIOUS = frozenset({"previous", "before", "earlier", "prior", "2"})

Parse = Callable[[str | None, object], ToolResult | None]


@dataclass(frozen=True)
class StoredList:
    """One list a tool returned: the ``tool``, its ``args`` and the typed ``result`` (a
    :class:`~cartwise.tools.results.ProductList` or a
    :class:`~cartwise.tools.results.ShopperList`)."""

    tool: str
    args: Mapping[str, Any]
    result: ProductList[Any] | ShopperList[Any]

    @property
    def entries(self) -> list[Any]:
        return list(self.result.items if isinstance(self.result, ProductList)
                    else self.result.users)


class ResultMemory:
    """The lists of one conversation, oldest first (at most :data:`MAX_LISTS`)."""

    def __init__(self, lists: Iterable[StoredList] = ()) -> None:
        self.lists: list[StoredList] = [x for x in lists if x.entries][-MAX_LISTS:]

    def __len__(self) -> int:
        return len(self.lists)

    @classmethod
    def from_messages(cls, messages: Sequence[Any], parse: Parse) -> ResultMemory:
        """The lists of a conversation's LangChain messages: each tool message answering an AI
        tool call, its result read with ``parse(tool name, JSON)`` from the message's artifact
        (the full result) or its content."""
        calls: dict[str, tuple[str, dict[str, Any]]] = {}
        lists: list[StoredList] = []
        for m in messages:
            for call in getattr(m, "tool_calls", None) or ():
                calls[str(call.get("id"))] = (str(call.get("name")), dict(call.get("args") or {}))
            if getattr(m, "type", None) != "tool":
                continue
            name, args = calls.get(str(getattr(m, "tool_call_id", "")),
                                   (str(getattr(m, "name", "")), {}))
            result = parse(name, _data(m))
            if isinstance(result, Refined) and result.pick:
                continue  # one entry picked from a list is no new list to work on
            if isinstance(result, ProductList | ShopperList):
                lists.append(StoredList(name, args, result))
        return cls(lists)

    def find(self, source: str | None) -> tuple[StoredList, int]:
        """The list ``source`` names, and how many lists came after it: None or "last" the
        latest, "previous" the one before, a tool's name (or part of it: "search") its latest.

        Raises:
            InvalidArgument: no list in the conversation, or none that ``source`` names.
        """
        if not self.lists:
            raise InvalidArgument("source", source, "a list an earlier answer gave",
                                  "there is no earlier list in this conversation to work on")
        wanted = (source or "last").strip().lower().replace(" ", "_")
        if wanted in ("last", "latest", "1", "it", "them", "these", "those"):
            return self.lists[-1], 0
        if wanted in _PREVIOUS:
            if len(self.lists) < 2:
                raise InvalidArgument("source", source, "last",
                                      "only one list was given in this conversation")
            return self.lists[-2], 1
        for back, stored in enumerate(reversed(self.lists)):
            if wanted in stored.tool:
                return stored, back
        raise InvalidArgument("source", source,
                              ["last", "previous", *dict.fromkeys(x.tool for x in self.lists)])


def _data(message: Any) -> object:
    artifact = getattr(message, "artifact", None)
    if isinstance(artifact, Mapping) and isinstance(artifact.get("result"), Mapping):
        return artifact["result"]
    content = getattr(message, "content", "")
    text = content if isinstance(content, str) else "".join(
        p.get("text", "") if isinstance(p, Mapping) else str(p) for p in content)
    try:
        return json.loads(text)
    except ValueError:
        return None
