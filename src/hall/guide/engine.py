"""The engine: understand -> retrieve -> decide, over the store's catalogue and lexicons.

One engine per process, loaded once (FastAPI's lifespan, or the CLI): it seeds the shipped
lexicons into an empty store, builds the normaliser and the index (reusing the persisted vectors),
and then answers from any thread.

What it answers from is one immutable :class:`Snapshot` (lexicons, normaliser, index, chit-chat
triggers, out-of-scope examples, persona, hall information), built off the request path and
swapped in one assignment. ``refresh()`` builds the next one when the store's revisions moved,
rebuilding only the parts that changed (a persona edit re-reads the persona; a catalogue edit
re-reads the matters whose revision moved and encodes only new texts; an edit of the
out-of-scope examples encodes only the new ones). A reader pins the snapshot once per question or
turn (:meth:`Engine.pinned`), so it never sees half of two.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from hall.background import answering
from hall.guide.decision import Decision, Reason, Scope, Thresholds, decide
from hall.guide.errors import EngineNotReady
from hall.guide.hall_info import HallInfo, load_hall_info
from hall.guide.persona import Persona, State, fill_template, load_persona
from hall.guide.tuning import load_thresholds, settings_thresholds
from hall.guide.understanding import (
    EVENT_CUE,
    ResolvedEvent,
    Understanding,
    build_understanding,
)
from hall.lexicons import (
    Bank,
    LexiconSet,
    Normalized,
    Normalizer,
    load_lexicons,
    redact,
    seed_defaults,
)
from hall.models import (
    BuildReport,
    Encoder,
    Hit,
    IndexCorrupt,
    IndexSettings,
    MatterIndex,
    OutOfScope,
    QueryCache,
    make_encoder,
)
from hall.settings import Settings
from hall.store import (
    Matter,
    Part,
    Store,
    get_matters,
    matter_revisions,
    read_revisions,
    record_question,
)
from hall.store.tables import utcnow

__all__ = ["Answer", "Engine", "Result", "Snapshot", "history_fields", "history_row"]

log = logging.getLogger("hall.guide")

#: Banks the normaliser does not read: an edit of them keeps it (teaching an out-of-scope
#: question re-embeds that question, not the catalogue's texts). The request cues are read: they
#: tell a question's steps from its subjects (:attr:`Normalized.named`).
_UNREAD = frozenset({Bank.OUT_OF_SCOPE})
#: The trigger intent for rudeness that no blocked word catches ("你真笨").
RUDE_INTENT = "rude"
#: The trigger intent of a citizen who says they want to die: the psychological assistance
#: hotline, as a reply of its own or, said inside a question, before the answer
#: (:attr:`Answer.care`).
DISTRESS_INTENT = "distress"
#: Words that may wrap a chit-chat phrase beside particles and stopwords: "你真是笨死了".
_INTENSIFIERS = frozenset({"真", "真是", "真的", "太", "好", "就是", "简直", "还"})
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class Result:
    code: str
    title: str
    score: float
    department: str | None
    kind: str
    why: list[str]
    #: Each signal's score of the matter (semantic, keyword, char, fuzzy; region when it moved).
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What the engine made of one question."""

    query: str  # as asked, blocked words masked
    normalized: str
    decision: Decision
    reason: Reason
    results: list[Result]
    reply: str | None = None
    intent: str | None = None
    latency_ms: float = 0.0
    history_id: int | None = None
    candidates: list[Result] = field(default_factory=list)  # the ranked hits, whatever decided
    revision: int = 0  # of the snapshot that answered
    #: The question's sentence vector, when it was searched (kept in the history for insight).
    vector: npt.NDArray[np.float32] | None = field(default=None, compare=False, repr=False)
    #: The life event the question names ("孩子出生后要办哪些手续"), with its matters.
    event: ResolvedEvent | None = None
    #: How near the question came to the catalogue and to the out-of-scope examples.
    scope: Scope | None = None
    #: Caring words and the hotline (the chit-chat bank's distress replies) when a question
    #: that is more than distress says it ("我想办理低保但是活不下去了"): said before the answer.
    care: str | None = None


def _why(hit: Hit, norm: Normalized) -> list[str]:
    """Which signals matched (and on what), and which rewrites of the question fired."""
    reasons = []
    for name in ("semantic", "keyword", "char", "fuzzy", "clause"):
        score = hit.signals.get(name, 0.0)
        if score > 0 and name in hit.evidence:
            reasons.append(f"{name} {score:.2f} ← {hit.evidence[name]}")
    for name in ("region", "variant"):  # adjustments, either sign
        score = hit.signals.get(name, 0.0)
        if score and name in hit.evidence:
            reasons.append(f"{name} {score:+.2f} ← {hit.evidence[name]}")
    reasons += [str(fired) for fired in norm.fired]
    return reasons


def _result(hit: Hit, norm: Normalized) -> Result:
    return Result(
        hit.code, hit.title, hit.score, hit.department, hit.kind, _why(hit, norm), dict(hit.signals)
    )


@dataclass(frozen=True)
class _Analysis:
    norm: Normalized
    intent: str | None
    hits: list[Hit]
    blocked: tuple[str, ...]
    vector: Any
    topic: bool
    scope: Scope | None


@dataclass(frozen=True)
class Snapshot:
    """Everything one process answers from, as one value: swapped whole, never changed."""

    #: Part -> the store's revision it was built from (see ``hall.store.Part``).
    revisions: Mapping[str, int]
    built_at: datetime
    lexicons: LexiconSet
    normalizer: Normalizer
    index: MatterIndex
    triggers: tuple[tuple[str, str], ...]
    trigger_phrases: tuple[str, ...]
    #: The triggers of two characters or more, longest first: those found wrapped in filler.
    wrapping_triggers: tuple[tuple[str, str], ...]
    #: The distress triggers, longest first: looked for inside any question
    #: (:meth:`Engine._cares`).
    distress_phrases: tuple[str, ...]
    understanding: Understanding
    #: The questions no matter answers (the bank ``out_of_scope``), embedded.
    scope: OutOfScope
    persona: Persona
    hall: HallInfo
    thresholds: Thresholds
    matters: Mapping[str, Matter]
    questions: int
    build: BuildReport

    @property
    def revision(self) -> int:
        """One number for the whole: the sum of the parts' revisions (each only grows)."""
        return sum(self.revisions.values())

    def age_s(self) -> float:
        return (utcnow() - self.built_at).total_seconds()


#: The snapshot a request pinned: every read within it sees the same one.
_PINNED: ContextVar[Snapshot | None] = ContextVar("hall_pinned_snapshot", default=None)


class Engine:
    """The guide engine. Construct cheaply; call :meth:`load` once before asking."""

    def __init__(self, store: Store, settings: Settings, *, encoder: Encoder | None = None) -> None:
        self.store = store
        self.settings = settings
        self.encoder: Encoder = encoder or make_encoder(
            settings.embedding_model, threads=settings.encoder_thread_count
        )
        #: Vectors of questions asked lately, kept across rebuilds of the index.
        self.query_cache = QueryCache(settings.query_cache_size)
        self._lock = threading.Lock()
        self._random = random.Random()
        self._snapshot: Snapshot | None = None
        self._seeded = False

    # -- the snapshot ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The pinned snapshot of this request, or else the current one."""
        snap = _PINNED.get() or self._snapshot
        if snap is None:
            raise EngineNotReady("the engine has not been loaded")
        return snap

    @contextmanager
    def pinned(self, snapshot: Snapshot | None = None) -> Iterator[Snapshot]:
        """Answer everything inside from one snapshot (nested pins keep the outer one);
        ``snapshot`` pins a given one, an older one included (tests, replays)."""
        outer = _PINNED.get()
        if outer is not None and snapshot is None:
            yield outer
            return
        snap = snapshot or self.snapshot
        token = _PINNED.set(snap)
        try:
            yield snap
        finally:
            _PINNED.reset(token)

    def _current(self) -> Snapshot | None:
        return _PINNED.get() or self._snapshot

    @property
    def lexicons(self) -> LexiconSet | None:
        snap = self._current()
        return snap.lexicons if snap else None

    @property
    def normalizer(self) -> Normalizer | None:
        snap = self._current()
        return snap.normalizer if snap else None

    @property
    def index(self) -> MatterIndex | None:
        snap = self._current()
        return snap.index if snap else None

    @property
    def last_build(self) -> BuildReport | None:
        snap = self._snapshot
        return snap.build if snap else None

    @property
    def understanding(self) -> Understanding:
        """The life events and element phrases resolved against the catalogue."""
        snap = self._current()
        return snap.understanding if snap else Understanding()

    @property
    def thresholds(self) -> Thresholds:
        """The decision's thresholds: the settings', or an admin's from the test console."""
        snap = self._current()
        return snap.thresholds if snap else settings_thresholds(self.settings)

    @property
    def persona(self) -> Persona:
        snap = self._current()
        return snap.persona if snap else Persona.shipped()

    # -- loading --------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def load(self) -> Engine:
        """Seed lexicons, build normaliser and index (idempotent: a second call does nothing)."""
        if self._snapshot is None:
            self.refresh()
        return self

    def stale(self) -> bool:
        """Whether the store moved since the snapshot was built (one small query)."""
        snap = self._snapshot
        if snap is None:
            return True
        with self.store.session(commit=False) as session:
            return read_revisions(session) != dict(snap.revisions)

    def refresh(self, *, force: bool = False) -> BuildReport:
        """Build the next snapshot from the store as it is now, and swap it in.

        Only the parts whose revision moved are rebuilt (``force``: every part); the persisted
        vectors spare re-encoding. Requests keep being answered from the old snapshot meanwhile.
        """
        with self._lock:
            old = self._snapshot
            if not self._seeded:
                seed_defaults(self.store)
                self._seeded = True
            with self.store.session(commit=False) as session:
                revisions = read_revisions(session)
            if old is not None and not force and revisions == dict(old.revisions):
                return old.build

            def moved(part: Part) -> bool:
                return force or old is None or revisions.get(part) != old.revisions.get(part.value)

            if moved(Part.LEXICONS) or old is None:
                lexicons = load_lexicons(self.store)
            else:
                lexicons = old.lexicons
            matters: Mapping[str, Matter]
            if moved(Part.CATALOGUE) or old is None:
                matters = self._read_matters(old.matters if old and not force else {})
            else:
                matters = old.matters
            if old is None or moved(Part.LEXICONS) or moved(Part.CATALOGUE):
                normalizer = self._normalizer(lexicons, matters, old)
                index, report = self._index(lexicons, normalizer, matters, old)
                triggers = tuple(
                    (normalizer.compact(phrase), intent)
                    for intent, phrases in lexicons.replies(Bank.TRIGGERS).items()
                    for phrase in phrases
                    if normalizer.compact(phrase)
                )
                understanding = build_understanding(
                    lexicons,
                    normalizer.compact,
                    [
                        (code, matters[code].record.title)
                        for code in sorted(matters)
                        if matters[code].record.kind == "matter"
                    ],
                )
                scope = self._scope(lexicons, normalizer, index, old)
            else:
                normalizer, index, report, triggers, understanding, scope = (
                    old.normalizer,
                    old.index,
                    old.build,
                    old.triggers,
                    old.understanding,
                    old.scope,
                )
            if old is None or moved(Part.SETTINGS):
                persona = load_persona(self.store, name=self.settings.guide_name)
                hall = load_hall_info(self.store, self.settings)
                thresholds = load_thresholds(self.store, self.settings)
            else:
                persona, hall, thresholds = old.persona, old.hall, old.thresholds
            self._snapshot = Snapshot(
                revisions=MappingProxyType(dict(revisions)),
                built_at=utcnow(),
                lexicons=lexicons,
                normalizer=normalizer,
                index=index,
                triggers=triggers,
                trigger_phrases=tuple(phrase for phrase, _ in triggers),
                wrapping_triggers=tuple(
                    sorted((t for t in triggers if len(t[0]) >= 2), key=lambda t: -len(t[0]))
                ),
                distress_phrases=tuple(
                    sorted(
                        {p for p, intent in triggers if intent == DISTRESS_INTENT and len(p) >= 2},
                        key=lambda p: (-len(p), p),
                    )
                ),
                understanding=understanding,
                scope=scope,
                persona=persona,
                hall=hall,
                thresholds=thresholds,
                matters=MappingProxyType(matters),
                questions=sum(len(m.question_items) for m in matters.values()),
                build=report,
            )
            return report

    def _index(
        self,
        lexicons: LexiconSet,
        normalizer: Normalizer,
        matters: Mapping[str, Matter],
        old: Snapshot | None,
    ) -> tuple[MatterIndex, BuildReport]:
        self.encoder.load()
        index = MatterIndex(
            normalizer,
            self.encoder,
            settings=IndexSettings(
                home_region=self.settings.home_region,
                region_penalty=self.settings.region_penalty,
                region_bonus=self.settings.region_bonus,
                region_local=self.settings.region_local_bonus,
                variant_penalty=self.settings.variant_penalty,
                audience_penalty=self.settings.audience_penalty,
            ),
            lexicons_digest=lexicons.digest(),
            query_cache=self.query_cache,
        )
        listed = [matters[code] for code in sorted(matters)]
        if old is None:
            return index, self._first_index(index, listed)
        index.carry_over(old.index)
        report = index.build(listed)
        # Cheap when nothing changed: the vectors file is named by its content.
        index.save(self.settings.index_dir, built_key=index.built_key(listed))
        return index, report

    def _first_index(self, index: MatterIndex, matters: list[Matter]) -> BuildReport:
        """This process's first index: loaded whole when the same catalogue and lexicons were
        built before (by another worker, or before a restart), else built from the vector cache
        and saved for the others. Workers starting together take turns, so one builds."""
        folder = self.settings.index_dir
        key = index.built_key(matters)
        with MatterIndex.building(folder):
            try:
                index.load_cache(folder)
                report = index.load_built(folder, matters)
            except IndexCorrupt as exc:  # a cache is only a cache: rebuild it
                log.warning("ignoring the index cache: %s", exc)
                report = None
            if report is None:
                report = index.build(matters)
                index.save(folder, built_key=key)
        return report

    def _scope(
        self,
        lexicons: LexiconSet,
        normalizer: Normalizer,
        index: MatterIndex,
        old: Snapshot | None,
    ) -> OutOfScope:
        """The out-of-scope examples embedded as questions are; the current ones if unchanged."""
        examples = [entry.term for entry in lexicons.bank(Bank.OUT_OF_SCOPE)]
        if (
            old is not None
            and old.normalizer is normalizer
            and old.scope.encoder is self.encoder
            and old.lexicons.bank(Bank.OUT_OF_SCOPE) == lexicons.bank(Bank.OUT_OF_SCOPE)
        ):
            return old.scope
        scope = OutOfScope(self.encoder, floor=index.semantic.floor)
        if old is None:
            try:
                scope.load_cache(self.settings.index_dir)
            except IndexCorrupt as exc:  # a cache is only a cache
                log.warning("ignoring the out-of-scope vectors: %s", exc)
        scope.build(examples, normalizer, previous=old.scope if old else None)
        scope.save(self.settings.index_dir)
        return scope

    def _read_matters(self, kept: Mapping[str, Matter]) -> dict[str, Matter]:
        """The active matters, by code; only those whose revision moved since the last read are
        loaded again (reading 3,674 matters whole takes over a second)."""
        with self.store.session(commit=False) as session:
            revisions = matter_revisions(session, include_retired=False)
            stale = [c for c, r in revisions.items() if c not in kept or kept[c].revision != r]
            fresh = {m.record.code: m for m in get_matters(session, stale)}
        # A matter retired between the two reads comes back retired: leave it out.
        current = {
            code: fresh.get(code) or kept[code]
            for code in sorted(revisions)
            if code in fresh or code in kept
        }
        return {c: m for c, m in current.items() if m.record.status == "active"}

    def _normalizer(
        self, lexicons: LexiconSet, matters: Mapping[str, Matter], old: Snapshot | None
    ) -> Normalizer:
        """A normaliser for these lexicons and catalogue words; the current one if unchanged."""
        vocabulary = tuple(
            dict.fromkeys(
                w
                for code in sorted(matters)
                for w in (*matters[code].record.aliases, *matters[code].record.keywords)
            )
        )
        titles = tuple(sorted({matter.record.title for matter in matters.values()}))
        if (
            old is not None
            and old.normalizer.vocabulary == vocabulary
            and all(old.lexicons.bank(b) == lexicons.bank(b) for b in Bank if b not in _UNREAD)
        ):
            if old.normalizer.titles == titles:
                return old.normalizer
            return old.normalizer.retitled(titles)  # only its pinyin reader is built again
        return Normalizer(
            lexicons,
            vocabulary=vocabulary,
            titles=titles,
            cache_dir=self.settings.data_dir / "cache",
        ).load()

    # -- asking ---------------------------------------------------------------------------

    def _chitchat(self, query: str, norm: Normalized) -> str | None:
        """The chit-chat intent of a question that is only chit-chat, if any."""
        snap = self.snapshot
        text = snap.normalizer.compact(query)
        if not text or not snap.triggers:
            return None
        best = process.extractOne(text, snap.trigger_phrases, scorer=fuzz.ratio, score_cutoff=88)
        if best is not None:
            return snap.triggers[best[2]][1]
        # A phrase said once or more, wrapped only in pronouns, particles and intensifiers
        # ("笨死了你", "你真是笨死了", "你好你好"): the longest such phrase. What is left must be
        # filler, so a phrase inside a word is none ("我想死亡登记" leaves 亡登记).
        for phrase, intent in snap.wrapping_triggers:
            if phrase in text and snap.normalizer.is_filler(
                text.replace(phrase, ""), also=_INTENSIFIERS
            ):
                return intent
        if not norm.tokens:
            # Only stopwords and particles left: a greeting or thanks wrapped in politeness.
            for phrase, intent in snap.triggers:
                if len(phrase) >= 2 and phrase in text:
                    return intent
        return None

    def _cares(self, snap: Snapshot, text: str) -> bool:
        """Whether the question says distress as whole words, whatever else it asks
        (:meth:`Normalizer.says`), and the chit-chat bank has distress replies to say."""
        return bool(snap.distress_phrases) and (
            snap.normalizer.says(text, snap.distress_phrases)
            and bool(snap.lexicons.replies(Bank.CHITCHAT).get(DISTRESS_INTENT))
        )

    def reply_for(
        self, reason: Reason, intent: str | None, *, persona: Persona | None = None
    ) -> str | None:
        """The reply text of a decline, in the guide's own words (``persona``, default the
        snapshot's): chit-chat answers from the chit-chat bank (a goodbye also from the
        persona's goodbye phrasings), a civility prompt from the civility bank or the persona's
        "rude" lines, the persona's "empty" and "blocked" lines, and its apologising phrasings
        when nothing fits. Every text an admin can edit is read here; none is written in code.
        """
        snap = self.snapshot
        lexicons = snap.lexicons
        persona = persona or snap.persona
        fill = {"name": persona.name, **snap.hall.fills()}
        choices: tuple[str, ...] = ()
        if reason is Reason.CHITCHAT and intent:
            choices = lexicons.replies(Bank.CHITCHAT).get(intent, ())
            if intent == "goodbye":
                choices += persona.phrasings[State.GOODBYE]
            choices = choices or persona.lines["chitchat"]
        elif reason is Reason.RUDE:
            choices = tuple(t for texts in lexicons.replies(Bank.CIVILITY).values() for t in texts)
            choices += persona.lines["rude"]
        elif reason is Reason.EMPTY:
            choices = persona.lines["empty"]
        elif reason is Reason.BLOCKED:
            choices = persona.lines["blocked"]
        if not choices:
            choices = persona.phrasings[State.APOLOGISING]
        return fill_template(self._random.choice(choices), fill)

    def ask(
        self,
        query: str,
        *,
        k: int = 5,
        record: bool = False,
        session_id: str | None = None,
        channel: str = "api",
        thresholds: Thresholds | None = None,
    ) -> Answer:
        """Understand, retrieve and decide. Any string is accepted; "" is politely declined.

        ``thresholds`` decide instead of the snapshot's (the test console's comparisons).
        """
        with self.pinned(), answering():
            return self._ask(
                query,
                k=k,
                record=record,
                session_id=session_id,
                channel=channel,
                thresholds=thresholds,
            )

    def _ask(
        self,
        query: str,
        *,
        k: int,
        record: bool,
        session_id: str | None,
        channel: str,
        thresholds: Thresholds | None = None,
    ) -> Answer:
        snap = self.snapshot
        started = time.perf_counter()
        k = max(k, 1)
        # Personal numbers never go further: not searched, not in the answer, not stored.
        text = redact(query[:MAX_QUERY_CHARS])
        seen = self._analyse(snap, text, k)
        norm, intent, hits, blocked, vector = (
            seen.norm,
            seen.intent,
            seen.hits,
            seen.blocked,
            seen.vector,
        )
        decision, reason, shown, event = self._decide(seen, text, thresholds or snap.thresholds)
        reply = self.reply_for(reason, intent) if decision is Decision.NONE else None
        if decision is Decision.CLARIFY:
            reply = "您是想办理以下哪一项？"
        care = None
        if intent != DISTRESS_INTENT and self._cares(snap, text):
            care = self.reply_for(Reason.CHITCHAT, DISTRESS_INTENT)
        latency = (time.perf_counter() - started) * 1000
        answer = Answer(
            query=norm.masked if blocked else text,
            normalized=norm.text,
            decision=decision,
            reason=reason,
            results=[_result(hit, norm) for hit in shown][:k],
            reply=reply,
            intent=intent,
            latency_ms=round(latency, 2),
            candidates=[_result(hit, norm) for hit in hits[:k]],
            revision=snap.revision,
            event=event,
            vector=None if vector is None else np.asarray(vector, dtype=np.float32),
            scope=seen.scope,
            care=care,
        )
        if record:
            history_id = self.record(answer, session_id=session_id, channel=channel)
            answer = replace(answer, history_id=history_id)
        return answer

    def _analyse(self, snap: Snapshot, text: str, k: int) -> _Analysis:
        """Normalise, recognise chit-chat and rudeness, and search: all but the decision."""
        norm = snap.normalizer.normalize(text)
        intent = None if norm.blocked else self._chitchat(text, norm)
        hits: list[Hit] = []
        vector = None
        scope = None
        if not norm.blocked and intent is None and not norm.is_empty:
            vector = snap.index.query_vector(norm)  # encoded once: the index and the scope
            limit = max(k, snap.thresholds.max_candidates)
            weight = self.settings.clause_weight
            reader = snap.understanding.clauses
            clause = reader.request_clause(text) if weight > 0 else None  # a story's request
            focus = None if clause is None else snap.normalizer.normalize(clause)
            hits = snap.index.search(norm, k=limit, vector=vector, focus=focus, focus_weight=weight)
            scope = Scope(
                snap.index.closeness(vector), *snap.scope.nearest(vector), named=len(norm.named)
            )
        blocked = norm.blocked
        if intent == RUDE_INTENT:  # rude without a blocked word: civility, like an insult
            blocked, intent = ("insult",), None
        topic = self._topic(norm, hits)
        return _Analysis(norm, intent, hits, tuple(blocked), vector, topic, scope)

    def _decide(
        self, seen: _Analysis, text: str, thresholds: Thresholds
    ) -> tuple[Decision, Reason, list[Hit], ResolvedEvent | None]:
        decision, reason, shown = decide(
            seen.hits,
            thresholds=thresholds,
            empty=seen.norm.is_empty and not seen.blocked and seen.intent is None,
            blocked=seen.blocked,
            chitchat=seen.intent,
            topic=seen.topic,
            scope=seen.scope,
        )
        event = None
        if reason in (Reason.MATCH, Reason.CLOSE, Reason.NO_MATCH, Reason.OUT_OF_SCOPE):
            event = self._event(text, decision)
        if event is not None and decision is Decision.NONE:
            # Nothing fits alone, but the question names a life event: offer its matters.
            decision, reason = Decision.CLARIFY, Reason.EVENT
            scores = {hit.code: hit for hit in seen.hits}
            shown = [
                scores.get(m.code)
                or Hit(m.code, m.title, None, "matter", 0.0, {}, {"event": f"event: {event.name}"})
                for m in event.matters
            ]
        return decision, reason, shown, event

    def decisions(self, query: str, variants: Sequence[Thresholds]) -> list[Decision]:
        """How the question would be decided under each set of thresholds (searched once): the
        test console's preview of a change of thresholds."""
        with self.pinned() as snap:
            text = query[:MAX_QUERY_CHARS]
            seen = self._analyse(snap, text, snap.thresholds.max_candidates)
            return [self._decide(seen, text, limits)[0] for limits in variants]

    def _event(self, text: str, decision: Decision) -> ResolvedEvent | None:
        """The life event a question names: its trigger ("孩子出生", "开*饭馆") and either a
        request for all it takes ("要办哪些手续") or no single matter answering it (a question
        declined as out of scope included: a named event still offers its matters)."""
        snap = self.snapshot
        compact = snap.normalizer.compact(text)
        event = snap.understanding.events.find(compact)
        if event is None:
            return None
        asks_all = bool(snap.understanding.elements.has(compact, EVENT_CUE))
        return event if asks_all or decision is not Decision.ANSWER else None

    def mask(self, text: str) -> str:
        """``text`` as it may be stored or logged: personal numbers and blocked words masked (a
        text with a blocked word comes back cleaned, as the normaliser reads it)."""
        text = redact(text)
        normalizer = self.normalizer
        if normalizer is not None and normalizer.find_blocked(text):
            return normalizer.mask(text)
        return text

    @property
    def index_key(self) -> str | None:
        """What the index was built from: the catalogue's and the lexicons' digests."""
        index = self.index
        if index is None:
            return None
        return f"{index.catalogue_digest[:16]}-{index.lexicons_digest[:16]}"

    def _topic(self, norm: Normalized, hits: list[Hit]) -> bool:
        """A one-word question that the titles of several candidates contain, and that is no
        matter's whole title or alias: a subject, not yet a request."""
        index = self.snapshot.index
        if len(norm.tokens) != 1 or len(hits) < 2 or index.names(hits[0].code, norm.text):
            return False
        return index.named_in(norm.tokens[0], [hit.code for hit in hits]) >= 2

    def record(self, answer: Answer, *, session_id: str | None = None, channel: str = "api") -> int:
        """Write an answer to the question history (blocked words already masked)."""
        row = history_row(answer, channel=channel, session_id=session_id)
        del row["asked_at"]  # now
        with self.store.session() as session:
            return record_question(session, **row)


def history_row(answer: Answer, *, channel: str, session_id: str | None = None) -> dict[str, Any]:
    """What the history keeps of an answer (its question already masked), as of now."""
    answered = answer.decision is Decision.ANSWER and answer.results
    return {
        "asked_at": datetime.now(UTC),
        "query": answer.query,
        "normalized": answer.normalized,
        "decision": answer.decision.value,
        "matter_code": answer.results[0].code if answered else None,
        "score": answer.candidates[0].score if answer.candidates else None,
        "latency_ms": answer.latency_ms,
        "session_id": session_id,
        "channel": channel,
        **history_fields(answer),
    }


def history_fields(answer: Answer) -> dict[str, Any]:
    """What the history keeps of an answer for the back office: why it was decided, the
    candidates with their evidence, and the sentence vector (float16) for clustering."""
    return {
        "reason": answer.reason.value,
        "candidates": [
            {"code": r.code, "title": r.title, "score": r.score, "why": r.why}
            for r in answer.candidates[:5]
        ],
        "vector": None
        if answer.vector is None
        else np.asarray(answer.vector, dtype=np.float16).tobytes(),
    }
