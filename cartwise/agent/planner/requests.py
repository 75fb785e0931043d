"""The shape of a message, before its intent: several requests in one message ("recommend 5 for
user 42 and tell me if they'll churn"), a correction of the previous one ("sorry, I meant user
21", "no, apple juice"), several products in one request ("compare whole milk and oat milk").

Pure text rules over cleaned text (:func:`~cartwise.agent.planner.text.clean`); what each part
means is the planner's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

from cartwise.agent.planner.slots import pattern_words

#: Where one request may end and the next begin.
_CONNECTOR = re.compile(
    r"\s*[,;]?\s*\b(?:and also|and then|and|also|then|plus|as well as|after that)\b\s*"
    r"|\s*;\s*|\s*\?\s+(?=\w)|\s*,\s*(?=(?:what|how|who|which|whose|show|tell|give|list|find|is|"
    r"are|does|do|can|could|will|would|and)\b)")
#: A correction of the previous request at the start of a message.
_CORRECTION = re.compile(
    r"^(?:(?:sorry|oops|whoops|oh|no+|nope|nah|wait|hmm+|actually|correction|my bad|my mistake|"
    r"wrong (?:one|user|product|customer)|not that(?: one)?|not (?:him|her|them|this one|those)|"
    r"ugh|err?|um+|that is wrong|that was wrong|typo)\b[\s,.!:;-]*)+"
    r"(?:(?:i|i did) (?:meant|mean|wanted|want)|it should (?:be|have been)|should be|"
    r"make (?:that|it)|rather|instead|try|use|i said|please|show)?\b[\s,:]*"
    r"|^(?:i meant|i mean|i wanted|make that|rather|instead)\b[\s,:]*")
#: Words joining several products in one request.
_PRODUCT_JOIN = re.compile(r"\s*(?:,|&|\band\b|\bor\b|\bvs\.?|\bversus\b|\bwith\b)\s*")
#: Messages comparing what follows.
COMPARE = re.compile(r"\b(?:compare\w*|comparison|differences?|differ\w*|versus|vs\.?|side by "
                     r"side|which is (?:better|cheaper|more popular)|how (?:do|does|did) "
                     r".{0,40}differ)\b")


def known_words() -> set[str]:
    """The literal words of this module's patterns (for the typo corrector's vocabulary: a
    "meant" must not become "means")."""
    return {w for p in (_CONNECTOR, _CORRECTION, _PRODUCT_JOIN, COMPARE)
            for w in pattern_words(p.pattern)}


def correction(text: str) -> tuple[bool, str]:
    """Whether ``text`` corrects the previous request, and the text without the correction's
    lead-in ("sorry, i meant user 21" -> (True, "user 21"))."""
    m = _CORRECTION.match(text)
    if not m or m.end() >= len(text):
        return False, text
    return True, text[m.end():].strip()


def split_requests(text: str, cues: Callable[[str], Mapping[str, float]],
                   starts_request: Callable[[str], bool], min_cue: float = 0.2) -> list[str]:
    """The requests of ``text``, in order (one item when it holds one).

    A part after a connector ("and", "also", "then", ";", ", what ...") starts a new request
    when its keyword cues (``cues(part)``: intent -> bonus) name a tool with at least
    ``min_cue`` that the request so far does not already name, or when ``starts_request(part)``
    (a request Cartwise refuses, say); otherwise it continues the request ("users 8 and 9",
    "whole milk and oat milk", "between $2 and $5").
    """
    pieces: list[str] = []
    pos = 0
    for m in _CONNECTOR.finditer(text):
        if m.start() > pos:
            pieces.append(text[pos:m.start()])
            pos = m.end()
    pieces.append(text[pos:])
    if len(pieces) == 1:
        return [text]
    requests: list[str] = []
    for piece in pieces:
        piece = piece.strip(" ,;")
        if not piece:
            continue
        if requests and not _new_request(requests[-1], piece, cues, starts_request, min_cue):
            requests[-1] = _rejoin(text, requests[-1], piece)
        else:
            requests.append(piece)
    return requests if len(requests) > 1 else [text]


def _new_request(before: str, piece: str, cues: Callable[[str], Mapping[str, float]],
                 starts_request: Callable[[str], bool], min_cue: float) -> bool:
    if len(piece.split()) < 2:
        return False
    if starts_request(piece):
        return True
    mine = {i for i, v in cues(piece).items() if v >= min_cue}
    if not mine:
        return False
    theirs = set(cues(before))
    return bool(theirs) and bool(mine - theirs)


def _rejoin(text: str, left: str, right: str) -> str:
    """``left`` and ``right`` joined as they stand in ``text`` (with their connector)."""
    start = text.find(left)
    end = text.find(right, start + len(left)) if start >= 0 else -1
    if start >= 0 and end >= 0:
        return text[start:end + len(right)]
    return f"{left} and {right}"


def several_products(phrase: str, names: Collection[str], normalize: Callable[[str], str]
                     ) -> list[str]:
    """The products a product phrase names: itself, or its parts when it joins several
    ("whole milk and oat milk") and is not itself a catalogue name (``names``: normalised
    catalogue names; "salt and pepper chips" stays one)."""
    if normalize(phrase) in names:
        return [phrase]
    parts = [p.strip() for p in _PRODUCT_JOIN.split(phrase) if p and p.strip()]
    parts = [p for p in parts if p not in ("the", "a", "an", "some")]
    return parts if len(parts) > 1 else [phrase]
