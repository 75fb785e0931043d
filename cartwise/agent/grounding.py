"""The grounding check for LLM replies: a reply names only products and users that the session's
tool results returned (or that the user typed).

Contract
--------
* :class:`Evidence` is what the session has seen. :meth:`Evidence.add_result` reads a typed
  tool result (:mod:`cartwise.tools.results`) through its model: every product entry (id and
  name, normalised by :func:`normalize_name`), the product names a result lists without an
  entry (closest matches, examples), the user ids and the other ids (orders, aisles,
  departments) its fields declare. Other strings are ignored. :meth:`Evidence.add_user_text`
  records the ids the user typed ("user 42", "customer #7", "users 3 and 4", "product 123") and
  the text itself. :meth:`Evidence.from_messages` builds one from LangChain messages: human
  messages are user text, tool messages whose content is a result of their tool are results,
  everything else (the model's own turns and tool-call arguments, other tool output) is
  ignored.
* :func:`check_reply` finds in a reply

  - catalogue product names (case-insensitive, whole words, leftmost-longest: "Organic Whole
    Milk" is one mention, not also "Whole Milk") that are not grounded. A name is grounded when
    it is a seen product name or a contiguous run of words of one ("Whole Milk" after a seen
    "Organic Whole Milk"), or words the user typed (a reply may repeat the user's words);
  - user ids ("user 123", "customer #123", "shopper 123", "users 3 and 4") not seen or typed;
  - product ids ("product 123", "product #123", "product id 123") not seen or typed; a bare
    "id 123" is flagged (as a product id) only when it is no id the session has seen at all;
    "order/aisle/department id 5" is not checked.

  It returns a :class:`GroundingReport`: the ungrounded names and ids, and ``text``, the reply
  with every sentence (or list line, or table row) holding one removed plus a note line saying
  how many were removed. When nothing of substance would remain, ``text`` is
  :data:`FALLBACK_REPLY`. A reply with nothing ungrounded comes back unchanged.

Both sides are tokenised alike by :func:`tokenize`, the project's one tokenizer
(:func:`cartwise.text.words`): lower case (accents folded), split on anything but letters and
digits, apostrophes dropped inside words ("Jerry's" -> "jerrys"), ``&`` read as "and" and ``%``
as "percent". By default one-word catalogue names ("Simple",
"Regular", "Cheese") are not matched: they collide with ordinary words (see ``min_words``).

Build the :class:`NameMatcher` once per catalogue (50,000 names take a fraction of a second);
a check is then a dictionary look-up per word of the reply.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cartwise.text import normalize, word_spans, words
from cartwise.tools.registry import parse_tool_result
from cartwise.tools.results import ToolResult, mentions

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

logger = logging.getLogger(__name__)

__all__ = [
    "FALLBACK_REPLY",
    "Evidence",
    "GroundingReport",
    "NameMatch",
    "NameMatcher",
    "check_reply",
    "normalize_name",
    "tokenize",
]

#: The reply when every statement of the model's reply was removed.
FALLBACK_REPLY = (
    "Sorry, I couldn't check that answer against the shop's data, so I'd rather not give it. "
    "Could you rephrase the question, or ask about a specific product or user?"
)

# ------------------------------------------------------------------------------ tokenising


def tokenize(text: str) -> list[str]:
    """The words of ``text`` as both product names and replies are compared: the project's one
    tokenizer, :func:`cartwise.text.words`."""
    return words(text)


def normalize_name(name: str) -> str:
    """A product name's comparison key: its words joined by single spaces
    ("Ben & Jerry's  Ice Cream" -> "ben and jerrys ice cream")."""
    return normalize(name)


# ------------------------------------------------------------------------------ name matching

@dataclass(frozen=True, slots=True)
class NameMatch:
    """One catalogue name found in a text: the catalogue's spelling, its key and the span."""

    name: str
    key: str
    start: int
    end: int


class NameMatcher:
    """Finds a catalogue's product names in a text, leftmost-longest, on word boundaries.

    Built once: names are indexed by their first two words (one-word names, when ``min_words``
    is 1, by their word), so finding names costs one look-up per word of the text plus a
    comparison per distinct name length in the bucket hit.
    """

    def __init__(self, names: Iterable[str], *, min_words: int = 2) -> None:
        self.min_words = max(1, min_words)
        self._names: dict[str, str] = {}
        singles: set[str] = set()
        buckets: dict[tuple[str, str], dict[int, set[tuple[str, ...]]]] = {}
        for name in names:
            if not isinstance(name, str):
                continue
            tokens = tuple(tokenize(name))
            if not tokens or len(tokens) < self.min_words:
                continue
            key = " ".join(tokens)
            if key in self._names:
                continue
            self._names[key] = name.strip()
            if len(tokens) == 1:
                singles.add(tokens[0])
            else:
                by_length = buckets.setdefault((tokens[0], tokens[1]), {})
                by_length.setdefault(len(tokens), set()).add(tokens)
        self._singles = frozenset(singles)
        self._buckets: dict[tuple[str, str], tuple[tuple[int, frozenset[tuple[str, ...]]], ...]]
        self._buckets = {
            prefix: tuple((n, frozenset(keys)) for n, keys in sorted(by_length.items(),
                                                                      reverse=True))
            for prefix, by_length in buckets.items()
        }

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in self._names

    def _longest_at(self, tokens: list[str], i: int) -> int:
        n = len(tokens)
        if i + 1 < n:
            bucket = self._buckets.get((tokens[i], tokens[i + 1]))
            if bucket:
                for length, keys in bucket:
                    if i + length <= n and tuple(tokens[i:i + length]) in keys:
                        return length
        return 1 if tokens[i] in self._singles else 0

    def find(self, text: str) -> list[NameMatch]:
        """The catalogue names in ``text``, in order, none overlapping another."""
        spans = word_spans(text)
        tokens = [token for token, _, _ in spans]
        found: list[NameMatch] = []
        i = 0
        while i < len(tokens):
            length = self._longest_at(tokens, i)
            if not length:
                i += 1
                continue
            key = " ".join(tokens[i:i + length])
            found.append(NameMatch(self._names[key], key, spans[i][1], spans[i + length - 1][2]))
            i += length
        return found


# ------------------------------------------------------------------------------ id mentions

_ID_MENTION = re.compile(
    r"\b(?:"
    r"(?:(?P<user>users?|customers?|shoppers?|clients?)"
    r"|(?P<product>products?)"
    r"|(?P<other>orders?|aisles?|departments?|depts?|baskets?|carts?|sessions?|segments?))"
    r"(?:'s)?(?:[ \t_-]*(?P<idword>ids?|numbers?|nos?\.?)(?![\w]))?"
    r"|(?P<bare>ids?)(?![\w])"
    r")"
    r"[ \t]*[:=]?[ \t]*(?:\#[ \t]*)?"
    r"(?P<first>\d+)(?![\d%]|\.\d)"
    r"(?P<rest>(?:[ \t]*(?:,|&|\+|/|\band\b|\bor\b)[ \t]*(?:\#[ \t]*)?\d+(?![\d%]|\.\d))*)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _IdMention:
    kind: str  # "user", "product", "other" or "bare"
    ids: tuple[int, ...]
    start: int
    end: int


def _id_mentions(text: str) -> Iterator[_IdMention]:
    for m in _ID_MENTION.finditer(text):
        kind = next(k for k in ("user", "product", "other", "bare") if m.group(k))
        word = (m.group("idword") or m.group(kind)).lower().rstrip(".")
        plural = word.endswith("s")
        ids = [int(m.group("first"))]
        if plural and m.group("rest"):
            ids += [int(n) for n in re.findall(r"\d+", m.group("rest"))]
        yield _IdMention(kind, tuple(ids), m.start(), m.end())


# ------------------------------------------------------------------------------ evidence

def _texts(content: object) -> list[str]:
    """The text parts of a message's content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return [content]
    texts: list[str] = []
    if isinstance(content, list):
        for block in content:
            if isinstance(block, str):
                texts.append(block)
            elif isinstance(block, Mapping) and isinstance(block.get("text"), str):
                texts.append(block["text"])
    return texts


@dataclass(eq=False)
class Evidence:
    """What a session has seen: ids and product names from tool results, what the user typed."""

    product_ids: set[int] = field(default_factory=set)
    product_names: set[str] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)
    #: Every other id seen (``id``, ``order_id``, ``aisle_id``, ...) or typed as a bare "id 5".
    other_ids: set[int] = field(default_factory=set)
    #: The user's messages, normalised (joined tokens).
    user_texts: list[str] = field(default_factory=list)

    def add_result(self, result: ToolResult) -> None:
        """Records the products (ids and names), product names, user ids and other ids a tool
        result names (read from its model's types, :func:`~cartwise.tools.results.mentions`)."""
        found = mentions(result)
        self.product_ids.update(found.products)
        self.product_names.update(normalize_name(n) for n in found.products.values())
        self.product_names.update(normalize_name(n) for n in found.product_names)
        self.product_names.discard("")
        self.user_ids.update(found.user_ids)
        self.other_ids.update(found.other_ids)

    def add_user_text(self, text: str) -> None:
        """Records the user ids (and product ids) the user typed, and the text."""
        for mention in _id_mentions(text):
            if mention.kind == "user":
                self.user_ids.update(mention.ids)
            elif mention.kind == "product":
                self.product_ids.update(mention.ids)
            elif mention.kind == "bare":
                self.other_ids.update(mention.ids)
        if normalized := normalize_name(text):
            self.user_texts.append(normalized)

    def add_messages(self, messages: Iterable[BaseMessage | Mapping[str, Any]]) -> None:
        """Adds a conversation: human messages as user text, tool messages as results.

        Messages are LangChain messages (``type`` "human" / "ai" / "tool") or dicts with
        ``role`` "user" / "assistant" / "tool" (and ``name``, ``tool_calls``). A tool message
        counts when its content is a result of its tool (named by the message, or by the call
        it answers), read with that tool's model; other messages and tool output are skipped.
        """
        names: dict[str, str] = {}
        for message in messages:
            get = message.get if isinstance(message, Mapping) else (
                lambda key, m=message: getattr(m, key, None))
            kind = get("role") or get("type")
            if kind in ("human", "user"):
                for text in _texts(get("content")):
                    self.add_user_text(text)
            elif kind in ("ai", "assistant"):
                for call in get("tool_calls") or []:
                    if call.get("id") is not None:
                        names[str(call["id"])] = str(call.get("name"))
            elif kind == "tool":
                tool = get("name") or names.get(str(get("tool_call_id")))
                for text in _texts(get("content")):
                    try:
                        data = json.loads(text)
                    except (TypeError, ValueError):
                        continue
                    result = parse_tool_result(tool, data)
                    if result is not None:
                        self.add_result(result)

    @classmethod
    def from_messages(cls, messages: Iterable[BaseMessage | Mapping[str, Any]]) -> Evidence:
        """The evidence of a conversation (see :meth:`add_messages`)."""
        evidence = cls()
        evidence.add_messages(messages)
        return evidence


# ------------------------------------------------------------------------------ the check

@dataclass(frozen=True)
class GroundingReport:
    """The outcome of :func:`check_reply`; ``text`` is the reply to show."""

    ungrounded_products: tuple[str, ...]
    ungrounded_users: tuple[int, ...]
    ungrounded_product_ids: tuple[int, ...]
    text: str
    #: How many statements (sentences, list lines) were removed.
    removed: int = 0

    @property
    def ok(self) -> bool:
        """True when the reply names nothing ungrounded (``text`` is then the reply)."""
        return not (self.ungrounded_products or self.ungrounded_users
                    or self.ungrounded_product_ids)


#: A line that is removed whole: a list item or a table row.
_LIST_LINE = re.compile(r"^\s*(?:[-*+\u2022]\s|\d+[.)]\s|\|)")
#: The end of a sentence inside a prose line (not before a lower-case word: "e.g. the").
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]*_]*\s+(?=[^\sa-z])")


def _lines(text: str) -> list[tuple[list[tuple[int, int]], str]]:
    """Each line's statements as spans of ``text``, with the line's ending."""
    lines: list[tuple[list[tuple[int, int]], str]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        start, pos = pos, pos + len(line)
        spans: list[tuple[int, int]] = []
        if body.strip() and not _LIST_LINE.match(body):
            begin = 0
            for m in _SENTENCE_END.finditer(body):
                spans.append((start + begin, start + m.end()))
                begin = m.end()
            spans.append((start + begin, start + len(body)))
        else:
            spans.append((start, start + len(body)))
        lines.append((spans, line[len(body):]))
    return lines


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _strip_statements(reply: str, bad: list[tuple[int, int]]) -> tuple[str, int]:
    """The reply without the statements overlapping ``bad``, and how many were removed."""
    kept_lines: list[str] = []
    removed = 0
    for spans, ending in _lines(reply):
        kept = [span for span in spans if not _overlaps(span, bad)]
        if len(kept) == len(spans):
            kept_lines.append(reply[spans[0][0]:spans[-1][1]] + ending)
            continue
        removed += len(spans) - len(kept)
        body = "".join(reply[start:end] for start, end in kept).rstrip()
        if body.strip():
            kept_lines.append(body + ending)
    text = re.sub(r"\n\s*\n(?:\s*\n)+", "\n\n", "".join(kept_lines)).strip()
    return text, removed


def _substantial(text: str) -> bool:
    """Whether ``text`` says something beyond lead-ins such as "Here are your picks:"."""
    return any(line.strip() and not line.rstrip().endswith(":") and tokenize(line)
               for line in text.splitlines())


def check_reply(reply: str, evidence: Evidence,
                catalog: NameMatcher | Collection[str]) -> GroundingReport:
    """Checks that ``reply`` names only products and users the session has seen.

    ``catalog`` is the shop's product names, best as a :class:`NameMatcher` built once (a plain
    collection is indexed on every call).
    """
    matcher = catalog if isinstance(catalog, NameMatcher) else NameMatcher(catalog)
    seen = "\n".join(f" {text} " for text in (*evidence.product_names, *evidence.user_texts))

    bad: list[tuple[int, int]] = []
    products: dict[str, None] = {}
    name_spans: list[tuple[int, int]] = []
    for match in matcher.find(reply):
        name_spans.append((match.start, match.end))
        if match.key in evidence.product_names or f" {match.key} " in seen:
            continue
        products.setdefault(match.name)
        bad.append((match.start, match.end))

    users: dict[int, None] = {}
    product_ids: dict[int, None] = {}
    any_ids = evidence.product_ids | evidence.user_ids | evidence.other_ids
    for mention in _id_mentions(reply):
        span = (mention.start, mention.end)
        if mention.kind == "other" or _overlaps(span, name_spans):
            continue
        if mention.kind == "user":
            missing, into = [i for i in mention.ids if i not in evidence.user_ids], users
        elif mention.kind == "product":
            missing, into = [i for i in mention.ids if i not in evidence.product_ids], product_ids
        else:
            missing, into = [i for i in mention.ids if i not in any_ids], product_ids
        if missing:
            into.update(dict.fromkeys(missing))
            bad.append(span)

    if not bad:
        return GroundingReport((), (), (), reply)

    text, removed = _strip_statements(reply, bad)
    if _substantial(text):
        noun = "statement" if removed == 1 else "statements"
        text = (f"{text}\n\n(Removed {removed} {noun} naming products or users that no tool "
                "returned.)")
    else:
        text = FALLBACK_REPLY
    logger.warning(
        "grounding: removed %d statement(s) of a reply: %d ungrounded product name(s), "
        "%d user id(s), %d product id(s)", removed, len(products), len(users), len(product_ids))
    logger.debug("grounding: ungrounded products=%s users=%s product ids=%s",
                 list(products), list(users), list(product_ids))
    return GroundingReport(tuple(products), tuple(users), tuple(product_ids), text, removed)
