"""The offline planner: reads the conversation, recognises the intent of a message, fills the
tool's arguments and later composes the reply from the tool results alone.

Intent = semantic similarity (the message against many example phrasings per intent, embedded
once per planner, product words masked on both sides) + keyword evidence (typo-tolerant cue
phrases, :mod:`.cues`) + slot evidence (a user id favours the user tools, a product id the
product tools, ...). A message that only changes arguments ("make it 10", "only under $3", "and
for user 15?", "the same with ALS") continues the previous call (:mod:`.followup`). References
("the second one", "it", "them") are resolved against the last tool results
(:mod:`.references`, :mod:`.arguments`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from cartwise.agent.planner import compose as replies
from cartwise.agent.planner import cues
from cartwise.agent.planner import policy as policy_mod
from cartwise.agent.planner import requests as requests_mod
from cartwise.agent.planner import slots as slot_mod
from cartwise.agent.planner.arguments import PLURAL_USERS, ArgumentFiller
from cartwise.agent.planner.encoder import QueryEmbedderEncoder, SentenceEncoder
from cartwise.agent.planner.followup import FollowUp, decide, resolve_loose_number, strongest_cue
from cartwise.agent.planner.intents import EXAMPLES
from cartwise.agent.planner.mentions import KEEP_WORDS, CatalogMatcher
from cartwise.agent.planner.phrases import FILLER, PRODUCT_CUE_WORDS, product_phrase
from cartwise.agent.planner.policy import Refusal, refusal
from cartwise.agent.planner.references import Context, read_context
from cartwise.agent.planner.refine import REFINE, refine_call, wants_refine
from cartwise.agent.planner.requests import (
    COMPARE,
    correction,
    several_products,
    split_requests,
)
from cartwise.agent.planner.slots import Slots, extract
from cartwise.agent.planner.text import NUMBER_WORDS, SLANG, Corrector, clean
from cartwise.agent.planner.types import (
    CHAT_INTENTS,
    INTENTS,
    PRODUCT_TOOLS,
    USER_TOOLS,
    Plan,
    PlannedCall,
    Turn,
)
from cartwise.catalog import Vocabulary
from cartwise.text import normalize
from cartwise.tools.results import ToolResult

log = logging.getLogger(__name__)

#: What joins the two sides of a comparison ("hummus vs greek yogurt").
_JOINS = re.compile(r"\b(?:vs\.?|versus|compared? (?:to|with)|against|or|with)\b")


def _default_encoder(model_path: str | None) -> SentenceEncoder:
    """The packaged all-MiniLM-L6-v2 (or the local model at ``model_path``) through the
    project's one sentence-model loader; loaded on first use, never at construction."""
    from cartwise.retrieval.embedder import SentenceTransformerEmbedder

    return QueryEmbedderEncoder(SentenceTransformerEmbedder(model_path, query_runtime="torch"))


class Planner:
    """Plans tool calls for a shopping / analytics conversation, offline.

    Args:
        vocabulary: the shop's departments, aisles and (optionally) product names.
        encoder: the sentence encoder; None = the packaged all-MiniLM-L6-v2 (``model_path`` to
            use another local model) through the retrieval layer's loader, loaded on first use.
        model_path: local sentence-transformers model folder for the default encoder.
        examples: intent -> example phrasings (default :data:`~.intents.EXAMPLES`).
        cache_dir: where the example embeddings are cached (``.npz``, keyed by the encoder's
            ``model_id`` and the examples as embedded); None = computed in memory once per
            planner (about 6 s with MiniLM on two cores, once per process).
        min_similarity: below this best similarity (0..1), with no cue and no slot, a message
            is "not understood" (answered with what the assistant can do).
        chat_similarity: a greeting, help or thanks recognised by similarity alone (no cue
            word) needs at least this similarity, else it is "not understood".
        follow_ups: whether argument-only messages continue the previous call.
        clarify_margin: when similarity alone chooses a tool (no cue word, no rule) and another
            tool for the same subject scores within this margin, ask which one is meant. Chosen
            on the evaluation sets: below 0.02 the plans right and wrong are about even.

    Thread-safe after construction; :meth:`warm_up` embeds the examples ahead of the first
    message.
    """

    def __init__(self, vocabulary: Vocabulary, encoder: SentenceEncoder | None = None,
                 *, model_path: str | None = None,
                 examples: Mapping[str, Sequence[str]] | None = None,
                 cache_dir: Path | None = None, min_similarity: float = 0.3,
                 chat_similarity: float = 0.55, follow_ups: bool = True,
                 clarify_margin: float = 0.02) -> None:
        self.vocabulary = vocabulary
        self.encoder: SentenceEncoder = encoder or _default_encoder(model_path)
        self.examples = {k: tuple(v) for k, v in (examples or EXAMPLES).items()}
        unknown = set(self.examples) - set(INTENTS)
        if unknown:
            raise ValueError(f"examples for unknown intents: {sorted(unknown)}")
        self.cache_dir = cache_dir
        self.min_similarity = min_similarity
        self.chat_similarity = chat_similarity
        self.follow_ups = follow_ups
        self.clarify_margin = clarify_margin
        self.catalog = CatalogMatcher(vocabulary)
        self.corrector = Corrector(self._known_words(),
                                   protected=self.catalog.vocabulary_words())
        self._keep = frozenset(cues.known_words() | slot_mod.known_words() | FILLER
                               | PRODUCT_CUE_WORDS | set(NUMBER_WORDS) | KEEP_WORDS)
        self.arguments = ArgumentFiller(self.catalog, self._keep)
        self._intents = [i for i in INTENTS if self.examples.get(i)]
        self._labels = np.array([self._intents.index(i) for i in self._intents
                                 for _ in self.examples[i]], dtype=np.int64)
        self._matrix: np.ndarray | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._user_cache: dict[str, list[int]] = {}
        self._names = frozenset(normalize(n) for n in vocabulary.product_names)

    # ------------------------------------------------------------------------ set-up

    def _known_words(self) -> Iterable[str]:
        words: list[str] = []
        for phrases in self.examples.values():
            for p in phrases:
                words += re.findall(r"[a-z]+", p.lower())
        words += cues.known_words() | slot_mod.known_words() | requests_mod.known_words()
        words += policy_mod.known_words()
        words += list(NUMBER_WORDS) + [w for v in SLANG.values() for w in v.split()]
        words += list(self.catalog.category_words())
        return words

    def warm_up(self) -> None:
        """Embed the intent examples (and load the model) now rather than on the first
        message."""
        self._example_matrix()

    def _example_texts(self) -> list[str]:
        """The examples as the encoder sees them (cleaned, product words masked)."""
        return [self._semantic_text(clean(e, self.corrector))
                for i in self._intents for e in self.examples[i]]

    def _cache_file(self, texts: Sequence[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        key = "\n".join([str(getattr(self.encoder, "model_id", type(self.encoder).__name__)),
                         *texts])
        digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
        return Path(self.cache_dir) / f"planner-intents-{digest}.npz"

    def _example_matrix(self) -> np.ndarray:
        if self._matrix is not None:
            return self._matrix
        with self._lock:
            if self._matrix is not None:
                return self._matrix
            texts = self._example_texts()
            path = self._cache_file(texts)
            if path is not None and path.is_file():
                with np.load(path, allow_pickle=False) as data:
                    matrix = data["embeddings"]
                if matrix.shape[0] == len(self._labels):
                    self._matrix = matrix
                    return matrix
            t0 = time.perf_counter()
            matrix = np.asarray(self.encoder.encode(texts), dtype=np.float32)
            log.info("planner: embedded %d intent examples in %.1f s", len(texts),
                     time.perf_counter() - t0)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
                np.savez(tmp, embeddings=matrix)
                tmp.replace(path)
            self._matrix = matrix
            return matrix

    def _embed(self, text: str) -> np.ndarray:
        """The unit vector of ``text`` (the last 1024 are kept)."""
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vec = np.asarray(self.encoder.encode([text]), dtype=np.float32)[0]
        with self._cache_lock:
            self._cache[text] = vec
            if len(self._cache) > 1024:
                self._cache.popitem(last=False)
        return vec

    # ------------------------------------------------------------------------ scoring

    def _semantic_text(self, text: str) -> str:
        """What the encoder sees: cleaned text with catalogue words masked as "product" (the
        intent does not depend on which product is named)."""
        return self.catalog.mask(text, self._keep)

    def semantic_scores(self, text: str) -> dict[str, float]:
        """Per intent, the similarity (cosine, -1..1) of cleaned ``text`` with its closest
        examples (both with product words masked): 0.7 x the best + 0.3 x the second best."""
        matrix = self._example_matrix()
        sims = matrix @ self._embed(self._semantic_text(text))
        out: dict[str, float] = {}
        for idx, intent in enumerate(self._intents):
            s = np.sort(sims[self._labels == idx])
            best = float(s[-1])
            second = float(s[-2]) if len(s) > 1 else best
            out[intent] = 0.7 * best + 0.3 * second
        return out

    # ------------------------------------------------------------------------ planning

    def _names_product(self, text: str) -> bool:
        return self.catalog.mentions_product(text, self._keep)

    def _user_ids(self, message: str) -> list[int]:
        """The user ids a (past) user message names, cached by message."""
        hit = self._user_cache.get(message)
        if hit is None:
            hit = extract(clean(message, self.corrector)).user_ids
            if len(self._user_cache) < 10_000:
                self._user_cache[message] = hit
        return hit

    def plan(self, history: Sequence[Turn], message: str) -> Plan:
        """What to do with ``message`` after ``history`` (oldest first): tool calls (several
        for several requests or subjects in one message), or a direct reply for greetings,
        help, thanks, requests it must refuse and missing arguments."""
        t0 = time.perf_counter()
        ctx = read_context(history, self._user_ids)
        text = clean(message, self.corrector)
        found = refusal(text)
        if found is not None:
            plan = Plan("refusal", 1.0, reply=self._refusal_reply(found, text),
                        notes=(f"refused: {found.kind}",))
            return self._done(plan, t0, message)
        if ctx.pending:
            chosen = self._choice(text, ctx.pending)
            if chosen is not None:  # the answer to a clarifying question
                plan = self._plan_one(ctx, clean(ctx.asked, self.corrector), force=chosen)
                return self._done(plan, t0, message)
        again = self._request_again(ctx, text)
        if again is not None:
            return self._done(again, t0, message)
        parts = self._requests(text)
        plan = self._plan_one(ctx, text) if len(parts) == 1 else self._plan_several(
            history, text, parts)
        return self._done(plan, t0, message)

    def _request_again(self, ctx: Context, text: str) -> Plan | None:
        """The last request again, each of its calls corrected, for a correction or a new
        shopper ("sorry, I meant user 21", "and for user 15?") after a message that asked for
        several tools, or a correction after its list was refined ("which of those is
        cheapest?" then "no, user 21" re-runs the recommendations). None when the message is
        no such thing (or names another tool): it is then planned on its own."""
        request, last = ctx.last_request, ctx.last_call
        after_refine = last is not None and last.name == REFINE
        if not request or (len(request) == 1 and not after_refine):
            return None
        correcting, rest = correction(text)
        s = extract(rest if correcting else text, self.catalog)
        if correcting and after_refine and s.ordinal is not None:
            return None  # "not that one, the second": a pick from the list
        if not correcting and (after_refine or not s.user_ids
                               or s.user_ids == [request[0].args.get("user_id")]):
            return None
        calls: list[PlannedCall] = []
        notes: list[str] = ["correction" if correcting else "new shopper",
                            f"{len(request)} calls again"]
        for call in request:
            sub = self._plan_one(replace(ctx, last_call=call), text)
            if not sub.calls or any(c.name != call.name for c in sub.calls):
                return None
            calls += [c for c in sub.calls if c not in calls]
        return Plan(calls[0].name, 1.0, calls=tuple(calls), follow_up=True,
                    notes=tuple(notes))

    def _choice(self, text: str, options: Sequence[str]) -> str | None:
        """Which of ``options`` an answer to a clarifying question picks ("the first", "similar
        ones", "bought together"), None when it is a new request instead."""
        s = extract(text)
        if s.ordinal is not None and -1 <= s.ordinal < len(options):
            return options[s.ordinal]
        kw = cues.keyword_evidence(text)
        named = [o for o in options if kw.get(o, 0.0) > 0]
        if len(named) == 1:
            return named[0]
        if len(text.split()) <= 4 and not named:
            sem = self.semantic_scores(text)
            return max(options, key=lambda o: sem.get(o, -1.0))
        return None

    # ------------------------------------------------------------------------ one request

    def _requests(self, text: str) -> list[str]:
        return split_requests(text, lambda part: {
            i: v for i, v in cues.keyword_evidence(part).items() if i not in CHAT_INTENTS},
            lambda part: refusal(part) is not None)

    def _plan_several(self, history: Sequence[Turn], text: str, parts: list[str]) -> Plan:
        """One plan for several requests: each planned in turn, after the calls before it (so
        "they" in "... and tell me if they'll churn" is the shopper of the first request); a
        request Cartwise refuses is answered in the reply (see :meth:`compose`)."""
        everyone = extract(text).user_ids
        turns = list(history)
        calls: list[PlannedCall] = []
        notes: list[str] = [f"{len(parts)} requests"]
        first: Plan | None = None
        for part in parts:
            if refusal(part) is not None:
                notes.append(f"refused: {part!r}")
                continue
            if len(everyone) == 1 and not extract(part).user_ids and not PLURAL_USERS.search(
                    part):
                part = f"{part} for user {everyone[0]}"  # one shopper named for all requests
            sub = self._plan_one(read_context(turns, self._user_ids), part)
            first = first or sub
            notes += list(sub.notes)
            for call in sub.calls:
                if call not in calls:
                    calls.append(call)
                    turns.append(Turn("tool", "", call.name, dict(call.args)))
            if not sub.calls and sub.intent not in CHAT_INTENTS:
                return sub  # a question for a missing argument comes first
        if not calls:
            return first or Plan("out_of_scope", 0.0, reply=replies.out_of_scope_reply(True))
        return Plan(calls[0].name, first.confidence if first else 0.5, calls=tuple(calls),
                    scores=dict(first.scores) if first else {}, notes=tuple(notes))

    def _plan_one(self, ctx: Context, text: str, force: str | None = None) -> Plan:
        """The plan of one request; ``force``: the tool the user chose when asked."""
        correcting, corrected = correction(text)
        correcting = correcting and ctx.last_call is not None
        if correcting:
            text = corrected
        s = extract(text, self.catalog, list_len=len(ctx.products),
                    has_prices=self.vocabulary.has_prices)
        mentions_product = self.catalog.mentions_product(s.rest, self._keep)
        sem = self.semantic_scores(text)
        if (correcting and s.user_id is None and s.loose_number is not None
                and ctx.last_call is not None and "user_id" in ctx.last_call.args):
            s.user_id, s.user_ids = s.loose_number, [s.loose_number]  # "oops, I meant 505"
        resolve_loose_number(s, ctx)
        kw = cues.keyword_evidence(s.cue_text)
        sev = cues.slot_evidence(s, ctx, kw, mentions_product)
        scores = {i: sem.get(i, -1.0) + kw.get(i, 0.0) + sev.get(i, 0.0) for i in INTENTS}
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        intent, best = ranked[0]
        second = ranked[1][1]
        confidence = float(min(1.0, max(0.0, 0.5 + (best - second))))
        top = {k: round(v, 3) for k, v in ranked[:4]}
        notes: list[str] = []
        strong = strongest_cue(kw)

        if force is not None:
            intent = force
        elif wants_refine(s, ctx, intent, kw):
            return Plan(REFINE, confidence, calls=(refine_call(s, ctx, self.catalog),),
                        scores=top, notes=("works on the last list",))
        if force is not None:
            fu = FollowUp()
            notes.append("the user's choice")
        elif correcting and ctx.last_call is not None and strong in (None, ctx.last_call.name):
            fu = FollowUp(switch=True, inherit=True)
            notes.append("correction")
        else:
            fu = (decide(intent, s, ctx, kw, self._names_product) if self.follow_ups
                  else FollowUp())
        follow = fu.switch
        if follow:
            assert ctx.last_call is not None
            notes.append(f"follow-up of {ctx.last_call.name}")
            intent = ctx.last_call.name

        has_slots = (s.user_id is not None or s.product_id is not None or s.has_price
                     or s.k is not None or s.strategy is not None)
        weak_tool = (intent not in CHAT_INTENTS and not follow and not kw and not has_slots
                     and not mentions_product and sem.get(intent, 0.0) < self.min_similarity)
        weak_chat = (intent in ("greeting", "goodbye", "help") and intent not in kw
                     and sem.get(intent, 0.0) < self.chat_similarity)
        if intent == REFINE:  # a refinement with no list to work on
            weak_tool = True
        if weak_tool or weak_chat:
            return Plan("out_of_scope", confidence, reply=replies.out_of_scope_reply(True),
                        scores=top, notes=("not understood",))
        other = self._close_alternative(intent, ranked, kw, s, mentions_product)
        if force is None and not follow and not correcting and other is not None:
            who = f"user {s.user_id}" if s.user_id is not None else "the shopper"
            what = product_phrase(s.rest, PRODUCT_CUE_WORDS) or "it"
            return Plan("clarify", confidence, reply=replies.choice_reply(
                (intent, other), who, what), scores=top, options=(intent, other),
                notes=("unsure: asked",))
        if intent in CHAT_INTENTS:
            reply = {"greeting": replies.greeting_reply, "help": replies.help_reply,
                     "goodbye": replies.goodbye_reply,
                     "out_of_scope": replies.out_of_scope_reply}[intent]()
            return Plan(intent, confidence, reply=reply, scores=top)

        base = dict(ctx.last_call.args) if fu.inherit and ctx.last_call is not None else {}
        call, missing = self.arguments.build(intent, s, ctx, base, notes, correcting)
        if call is None:
            reply = replies.clarify_reply(missing or "query", intent)
            return Plan(intent, confidence, reply=reply, follow_up=follow, scores=top,
                        notes=tuple(notes + [f"missing {missing}"]))
        calls = self._each_subject(call, s)
        if len(calls) > 1:
            notes.append(f"{len(calls)} subjects")
        return Plan(call.name, confidence, calls=calls, follow_up=fu.inherit, scores=top,
                    notes=tuple(notes))

    def _close_alternative(self, intent: str, ranked: Sequence[tuple[str, float]],
                           kw: Mapping[str, float], s: Slots, mentions_product: bool
                           ) -> str | None:
        """Another tool as likely as ``intent`` when nothing but similarity chose it (no cue
        names it, no rule decided): the runner-up within :attr:`clarify_margin`, taking the
        same kind of subject (both about the named shopper, or both about the named product).
        Then the planner asks rather than guesses."""
        if intent in CHAT_INTENTS or intent in kw or intent == REFINE:
            return None
        best = dict(ranked)[intent]
        for other, score in ranked:
            if other in (intent, REFINE) or other in CHAT_INTENTS:
                continue
            if best - score >= self.clarify_margin:
                return None
            family = USER_TOOLS if s.user_id is not None else (
                (*PRODUCT_TOOLS, "search_products") if mentions_product else ())
            return other if intent in family and other in family else None
        return None

    def _each_subject(self, call: PlannedCall, s: Slots) -> tuple[PlannedCall, ...]:
        """``call`` once per shopper or product the message names ("compare user 5 and user
        6", "who are users 8 and 9 most similar to?", "compare whole milk and oat milk")."""
        if "user_id" in call.args and len(s.user_ids) > 1:
            return tuple(PlannedCall(call.name, {**call.args, "user_id": u}) for u in s.user_ids)
        product = call.args.get("product")
        if isinstance(product, str) and not product.isdigit():
            if COMPARE.search(s.text):  # "hummus vs greek yogurt": both sides of the comparison
                product = product_phrase(_JOINS.sub(" and ", s.rest), PRODUCT_CUE_WORDS) or product
            parts = several_products(product, self._names, normalize)
            if len(parts) > 1:
                return tuple(PlannedCall(call.name, {**call.args, "product": p}) for p in parts)
        return (call,)

    def _refusal_reply(self, found: Refusal, text: str) -> str:
        s = extract(text, self.catalog)
        product = product_phrase(s.rest, PRODUCT_CUE_WORDS) if self.catalog.mentions_product(
            s.rest, self._keep) else None
        return replies.refusal_reply(found, s.user_id, product)

    def _done(self, plan: Plan, t0: float, message: str) -> Plan:
        log.debug("planned %r -> %s %s (%.1f ms; %s)", message[:80], plan.intent,
                  [(c.name, c.args) for c in plan.calls], (time.perf_counter() - t0) * 1000,
                  plan.scores)
        return plan

    # ------------------------------------------------------------------------ replies

    def compose(self, history: Sequence[Turn], message: str, calls: Sequence[PlannedCall],
                results: Sequence[ToolResult | None]) -> str:
        """The reply to ``message`` built only from ``results`` (the typed results the
        ``calls`` returned, same order; None where a call gave none). ``history`` is accepted
        for symmetry with :meth:`plan` and unused: nothing but the results goes into the
        reply."""
        text = clean(message, self.corrector)
        reply = replies.compose(calls, results)
        parts = self._requests(text)
        refused = [(p, r) for p in parts if len(parts) > 1 and (r := refusal(p)) is not None]
        for part, found in refused:
            reply += "\n\n" + self._refusal_reply(found, part)
        return reply
