"""Spotting the shop's departments, aisles and product words in a message (typos are fixed
before, by the planner's corrector, which knows these words).

Built once per planner from the catalogue's :class:`~cartwise.catalog.Vocabulary`. This finds
*mentions* in free text (a distinctive word of a department's name, or a common word for it
from the catalogue's :data:`~cartwise.catalog.DEPARTMENT_SYNONYMS`) and hands the tools the
catalogue's own department name; what a department argument means is the catalogue's
(:meth:`cartwise.catalog.Catalog.resolve_departments`). Words are matched by their stems
(:func:`cartwise.text.stem`), so plurals match singulars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cartwise.agent.planner.text import word_set
from cartwise.catalog import DEPARTMENT_SYNONYMS, Vocabulary
from cartwise.text import stem

#: Words of department names that say nothing on their own ("canned goods" -> "canned").
_GENERIC = frozenset({"goods", "care", "other", "missing", "and", "dry", "supplies", "misc",
                      "general", "fresh", "packaged", "specialty", "personal"})

#: Words that mark a department mention: "in produce", "the frozen section" (strong: a filter
#: even in a search) or "dairy products" (loose: a filter of recommendations and best sellers).
_BEFORE = r"(?:in|from|within|among|across|inside)\s+(?:the\s+|our\s+)?"
_AFTER_STRONG = r"\s+(?:department|dept|section|aisle|aisles|category|categories|range)\b"
_AFTER_LOOSE = r"\s+(?:products|items|stuff|goods|things|foods?)\b"

#: Common words never masked as product words, though a catalogue may use them in names
#: ("Everything Bagel", "Good Morning Granola").
KEEP_WORDS = word_set("""
user users customer customers shopper shoppers client clients people person buyer buyers what
which who whom whose how when where why there their them they he she his her new top best most
more less many much all every each our your my its value time day week month hour year order
orders ordered buy bought sell sold shop shopping store site app web page home everything
nothing everyone anyone someone know knows think want wants need needs make makes take use used
using go goes going come comes back again still just even also very really good great better
nice fine bad big small little long short high low old young first last next same different
other another such only own right left well way thing things world life man woman men women
child kids family friend friends party gift gifts morning evening night today tomorrow yesterday
now then here off out over under into after before during between through up down away around
near far yes no not can could would should will shall may might must do does did done have has
had having be is are was were been being get got give gave show shown tell told say said ask
asked look looks looking see seen find found try tried keep kept let help work works working
play plays start stop open close free full half whole part place
""")

_STOP = frozenset({"the", "and", "with", "for", "of", "in", "a", "an", "or", "to", "by", "from",
                   "&", "oz", "lb", "ct", "pack", "size", "each", "per", "new", "style", "mix",
                   "free", "fl", "large", "small", "medium", "extra", "original", "classic"})


@dataclass(frozen=True)
class Mention:
    """A catalogue name found in a message: ``name`` (lowercase catalogue name),
    ``start``/``end`` the span in the message with its marker words, ``marked`` whether words
    around it say it is a department ("in produce", "the frozen section"; "dairy products" is
    only loosely marked: not marked)."""

    name: str
    start: int
    end: int
    marked: bool


class CatalogMatcher:
    """Finds departments, aisles and product words in cleaned (lowercase) text."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.departments = [d.strip().lower() for d in vocabulary.departments if d.strip()]
        self.aisles = [a.strip().lower() for a in vocabulary.aisles if a.strip()]
        # lowercase name -> the catalogue's own spelling (what the tools are given)
        self._original = {n.strip().lower(): n.strip() for n in
                          list(vocabulary.departments) + list(vocabulary.aisles) if n.strip()}
        self._dept_set = frozenset(self.departments)
        self._aisle_dept = {a.strip().lower(): d.strip().lower()
                            for a, d in vocabulary.aisle_departments.items()}
        # word (stem) -> departments having it
        self._dept_words: dict[str, list[str]] = {}
        for d in self.departments:
            for w in re.findall(r"[a-z]+", d):
                if w not in _GENERIC and len(w) > 2:
                    self._dept_words.setdefault(stem(w), []).append(d)
        self._aisle_single = {stem(a): a for a in self.aisles
                              if re.fullmatch(r"[a-z]+", a) and a not in _GENERIC}
        self._aisle_phrases = sorted((a for a in self.aisles if " " in a), key=len, reverse=True)
        words: set[str] = set()
        for name in list(vocabulary.product_names) + self.aisles + self.departments:
            for w in re.findall(r"[a-z]+", name.lower()):
                if len(w) > 2 and w not in _STOP:
                    words.add(w)
                    words.add(stem(w))
        self.product_words = frozenset(words)

    # ---------------------------------------------------------------------------- words

    def vocabulary_words(self) -> Iterable[str]:
        """Every catalogue word (product, aisle and department words)."""
        return self.product_words

    def category_words(self) -> set[str]:
        """The words of department and aisle names and the department synonyms (typos of
        these are corrected; product-name words are only protected from correction)."""
        words = {w for name in self.departments + self.aisles for w in re.findall(r"[a-z]+", name)}
        return words | set(DEPARTMENT_SYNONYMS)

    def _dept_of_word(self, word: str) -> list[str]:
        w = stem(word)
        hit = self._dept_words.get(w)
        if hit:
            return hit
        syn = DEPARTMENT_SYNONYMS.get(word) or DEPARTMENT_SYNONYMS.get(w)
        if syn in self._dept_set:
            return [syn]
        return []

    # ---------------------------------------------------------------------------- finders

    def department(self, text: str) -> Mention | None:
        """The first department mentioned in ``text`` (its full name, a distinctive word of its
        name or a common synonym); full names ("dairy eggs") win over single words."""
        for d in sorted(self.departments, key=len, reverse=True):
            if " " in d:
                m = re.search(rf"\b{re.escape(d)}\b", text)
                if m:
                    return self._mention(text, d, m.start(), m.end())
        for m in re.finditer(r"[a-z]+", text):
            depts = self._dept_of_word(m.group(0))
            if depts:
                return self._mention(text, depts[0], m.start(), m.end())
        return None

    def aisle(self, text: str) -> Mention | None:
        """The first aisle named in ``text``: a multi-word aisle name as a phrase, or a one-word
        aisle name (singular or plural)."""
        for a in self._aisle_phrases:
            m = re.search(rf"\b{re.escape(a)}\b", text)
            if m:
                return self._mention(text, a, m.start(), m.end())
        for m in re.finditer(r"[a-z]+", text):
            a = self._aisle_single.get(stem(m.group(0)))
            if a:
                return self._mention(text, a, m.start(), m.end())
        return None

    def department_of_aisle(self, aisle: str) -> str | None:
        """The department holding ``aisle`` (lowercase), when the vocabulary says."""
        dept = self._aisle_dept.get(aisle)
        return self.original(dept) if dept else None

    def mask(self, text: str, keep: frozenset[str]) -> str:
        """``text`` with each run of catalogue words (not in ``keep``) replaced by "product" (or
        "products" when the run ends in a plural), so that intent recognition sees "what goes
        with product" rather than the product."""
        out = re.sub(r"\b[a-z]+\b", lambda m: ("\x01" if m.group(0).endswith("s") else "\x00")
                     if self._is_catalog_word(m.group(0), keep) else m.group(0), text)
        return re.sub(r"[\x00\x01](?:\s+(?:and\s+)?[\x00\x01])*",
                      lambda m: "products" if m.group(0).endswith("\x01") else "product", out)

    def _is_catalog_word(self, word: str, keep: frozenset[str]) -> bool:
        return len(word) > 2 and word not in keep and (word in self.product_words
                                                       or stem(word) in self.product_words)

    def mentions_product(self, text: str, keep: frozenset[str] = frozenset()) -> bool:
        """Whether ``text`` holds a catalogue word (product, aisle or department word) that is
        not one of the common words in ``keep``."""
        return any(self._is_catalog_word(w, keep) and w not in _STOP
                   for w in re.findall(r"[a-z]+", text))

    @staticmethod
    def _mention(text: str, name: str, start: int, end: int) -> Mention:
        before = re.search(rf"{_BEFORE}$", text[:start])
        after = re.match(_AFTER_STRONG, text[end:]) or re.match(_AFTER_LOOSE, text[end:])
        marked = before is not None or re.match(_AFTER_STRONG, text[end:]) is not None
        if after is not None:
            end += after.end()
        if before is not None:
            start = before.start()
        return Mention(name, start, end, marked)

    def original(self, name: str) -> str:
        """The catalogue's own spelling of a (lowercase) department or aisle name."""
        return self._original.get(name, name)
