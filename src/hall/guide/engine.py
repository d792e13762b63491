"""The engine: understand -> retrieve -> decide, over the store's catalogue and lexicons.

One engine per process, loaded once (FastAPI's lifespan, or the CLI): it seeds the shipped
lexicons into an empty store, builds the normaliser and the index (reusing the persisted vectors),
and then answers from any thread. ``refresh()`` rebuilds after the catalogue or lexicons change;
only new texts are encoded.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from rapidfuzz import fuzz, process

from hall.guide.decision import Decision, Reason, Thresholds, decide
from hall.guide.errors import EngineNotReady
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
    QueryCache,
    make_encoder,
)
from hall.settings import Settings
from hall.store import Matter, Store, get_matters, matter_revisions, record_question

__all__ = ["Answer", "Engine", "Result", "history_row"]

log = logging.getLogger("hall.guide")

#: The trigger intent for rudeness that no blocked word catches ("你真笨").
RUDE_INTENT = "rude"
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class Result:
    code: str
    title: str
    score: float
    department: str | None
    kind: str
    why: list[str]


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


def _why(hit: Hit, norm: Normalized) -> list[str]:
    """Which signals matched (and on what), and which rewrites of the question fired."""
    reasons = []
    for name in ("semantic", "keyword", "char", "fuzzy"):
        score = hit.signals.get(name, 0.0)
        if score > 0 and name in hit.evidence:
            reasons.append(f"{name} {score:.2f} ← {hit.evidence[name]}")
    reasons += [str(fired) for fired in norm.fired]
    return reasons


def _result(hit: Hit, norm: Normalized) -> Result:
    return Result(hit.code, hit.title, hit.score, hit.department, hit.kind, _why(hit, norm))


class Engine:
    """The guide engine. Construct cheaply; call :meth:`load` once before asking."""

    def __init__(self, store: Store, settings: Settings, *, encoder: Encoder | None = None) -> None:
        self.store = store
        self.settings = settings
        self.encoder: Encoder = encoder or make_encoder(
            settings.embedding_model, threads=settings.encoder_thread_count
        )
        self.thresholds = Thresholds(
            answer=settings.answer_threshold,
            margin=settings.answer_margin,
            clarify=settings.clarify_threshold,
            semantic=settings.min_semantic,
        )
        #: Vectors of questions asked lately, kept across rebuilds of the index.
        self.query_cache = QueryCache(settings.query_cache_size)
        self._lock = threading.Lock()
        self._random = random.Random()
        self.lexicons: LexiconSet | None = None
        self.normalizer: Normalizer | None = None
        self.index: MatterIndex | None = None
        self._triggers: list[tuple[str, str]] = []
        self._trigger_phrases: list[str] = []
        self.last_build: BuildReport | None = None
        self._matters: dict[str, Matter] = {}  # the last read, by code

    # -- loading --------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.index is not None

    def load(self) -> Engine:
        """Seed lexicons, build normaliser and index (idempotent: a second call does nothing)."""
        if self.index is None:
            self.refresh()
        return self

    def refresh(self) -> BuildReport:
        """Rebuild from the store as it is now; the persisted vectors spare re-encoding."""
        with self._lock:
            seed_defaults(self.store)
            lexicons = load_lexicons(self.store)
            matters = self._read_matters()
            normalizer = self._normalizer(lexicons, matters)
            self.encoder.load()
            index = MatterIndex(
                normalizer,
                self.encoder,
                settings=IndexSettings(
                    home_region=self.settings.home_region,
                    region_penalty=self.settings.region_penalty,
                    region_bonus=self.settings.region_bonus,
                    region_local=self.settings.region_local_bonus,
                ),
                lexicons_digest=lexicons.digest(),
                query_cache=self.query_cache,
            )
            if self.index is not None:
                index.carry_over(self.index)
                report = index.build(matters)
                # Cheap when nothing changed: the vectors file is named by its content.
                index.save(self.settings.index_dir, built_key=index.built_key(matters))
            else:
                report = self._first_index(index, matters)
            self._triggers = [
                (normalizer.compact(phrase), intent)
                for intent, phrases in lexicons.replies(Bank.TRIGGERS).items()
                for phrase in phrases
                if normalizer.compact(phrase)
            ]
            self._trigger_phrases = [phrase for phrase, _ in self._triggers]
            self.lexicons, self.normalizer, self.index = lexicons, normalizer, index
            self.last_build = report
            return report

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

    def _read_matters(self) -> list[Matter]:
        """The active matters, by code; only those whose revision moved since the last read are
        loaded again (reading 3,674 matters whole takes over a second)."""
        with self.store.session(commit=False) as session:
            revisions = matter_revisions(session, include_retired=False)
            kept = self._matters
            stale = [c for c, r in revisions.items() if c not in kept or kept[c].revision != r]
            fresh = {m.record.code: m for m in get_matters(session, stale)}
        # A matter retired between the two reads comes back retired: leave it out.
        current = {
            code: fresh.get(code) or kept[code]
            for code in revisions
            if code in fresh or code in kept
        }
        current = {c: m for c, m in current.items() if m.record.status == "active"}
        self._matters = current
        return [current[code] for code in sorted(current)]

    def _normalizer(self, lexicons: LexiconSet, matters: list[Matter]) -> Normalizer:
        """A normaliser for these lexicons and catalogue words; the current one if unchanged."""
        vocabulary = tuple(
            dict.fromkeys(w for m in matters for w in (*m.record.aliases, *m.record.keywords))
        )
        current = self.normalizer
        if (
            current is not None
            and current.vocabulary == vocabulary
            and self.lexicons is not None
            and self.lexicons.digest() == lexicons.digest()
        ):
            return current
        return Normalizer(
            lexicons, vocabulary=vocabulary, cache_dir=self.settings.data_dir / "cache"
        ).load()

    # -- asking ---------------------------------------------------------------------------

    def _chitchat(self, query: str, norm: Normalized) -> str | None:
        """The chit-chat intent of a question that is only chit-chat, if any."""
        assert self.normalizer is not None
        text = self.normalizer.compact(query)
        if not text or not self._triggers:
            return None
        best = process.extractOne(text, self._trigger_phrases, scorer=fuzz.ratio, score_cutoff=88)
        if best is not None:
            return self._triggers[best[2]][1]
        if not norm.tokens:
            # Only stopwords and particles left: a greeting or thanks wrapped in politeness.
            for phrase, intent in self._triggers:
                if len(phrase) >= 2 and phrase in text:
                    return intent
        return None

    def reply_for(self, reason: Reason, intent: str | None) -> str | None:
        """The reply text of a decline: a random chit-chat answer, a civility prompt, a fallback."""
        lexicons = self.lexicons
        assert lexicons is not None
        fill = {"name": self.settings.guide_name, "phone": self.settings.hall_phone}
        choices: tuple[str, ...] = ()
        if reason is Reason.CHITCHAT and intent:
            choices = lexicons.replies(Bank.CHITCHAT).get(intent, ())
        elif reason is Reason.RUDE:
            choices = tuple(
                text for texts in lexicons.replies(Bank.CIVILITY).values() for text in texts
            )
        elif reason is Reason.EMPTY:
            return f"您好，我是导办员{self.settings.guide_name}，请告诉我您想办理什么业务。"
        if choices:
            template = self._random.choice(choices)
            try:
                return template.format(**fill)
            except (KeyError, IndexError, ValueError):
                return template
        if reason is Reason.BLOCKED:
            return (
                "抱歉，这个问题我无法回答。如需办理业务，请告诉我您要办的事；"
                f"也可拨打{self.settings.hall_phone}咨询。"
            )
        return (
            "抱歉，我没有找到与您的问题相符的事项。您可以换个说法再问我，"
            f"或拨打{self.settings.hall_phone}咨询（{self.settings.hall_hours}）。"
        )

    def ask(
        self,
        query: str,
        *,
        k: int = 5,
        record: bool = False,
        session_id: str | None = None,
        channel: str = "api",
    ) -> Answer:
        """Understand, retrieve and decide. Any string is accepted; "" is politely declined."""
        if self.index is None or self.normalizer is None:
            raise EngineNotReady("the engine has not been loaded")
        started = time.perf_counter()
        k = max(k, 1)
        # Personal numbers never go further: not searched, not in the answer, not stored.
        text = redact(query[:MAX_QUERY_CHARS])
        norm = self.normalizer.normalize(text)
        intent = None if norm.blocked else self._chitchat(text, norm)
        hits: list[Hit] = []
        if not norm.blocked and intent is None and not norm.is_empty:
            hits = self.index.search(norm, k=max(k, self.thresholds.max_candidates))
        blocked = norm.blocked
        if intent == RUDE_INTENT:  # rude without a blocked word: civility, like an insult
            blocked, intent = ("insult",), None
        decision, reason, shown = decide(
            hits,
            thresholds=self.thresholds,
            empty=norm.is_empty and not blocked and intent is None,
            blocked=blocked,
            chitchat=intent,
            topic=self._topic(norm, hits),
        )
        reply = self.reply_for(reason, intent) if decision is Decision.NONE else None
        if decision is Decision.CLARIFY:
            reply = "您是想办理以下哪一项？"
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
        )
        if record:
            history_id = self.record(answer, session_id=session_id, channel=channel)
            answer = replace(answer, history_id=history_id)
        return answer

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
        assert self.index is not None
        if len(norm.tokens) != 1 or len(hits) < 2 or self.index.names(hits[0].code, norm.text):
            return False
        return self.index.named_in(norm.tokens[0], [hit.code for hit in hits]) >= 2

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
    }
