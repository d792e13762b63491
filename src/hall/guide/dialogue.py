"""The conversation: one citizen's turns, the matter in context, the guide's replies.

A turn reads the conversation's state from the store, decides, and writes it back, so any API
process can serve the next message. The state is small and plain JSON::

    {"matter": code | None,       # the matter in context, after an answer
     "element": key | None,       # the guide element last shown ("下一步" continues from it)
     "options": [code, ...],      # the candidates of a pending "did you mean"
     "failed": int}               # declined turns in a row (two: offer the hall's phone)

Understanding a turn, in order: a pending clarification's pick ("第二个", a button, a title);
an element of the matter in context ("要带什么", "下一步"); otherwise the engine's decision,
where a question naming another matter changes the context ("办护照要带什么" answers the
passport's materials at once).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz

from hall.guide.decision import Decision, Reason
from hall.guide.engine import DISTRESS_INTENT, Answer, Engine, history_fields
from hall.guide.errors import ConversationConflict
from hall.guide.persona import Look, Persona, State
from hall.guide.understanding import NEXT, ElementPhrases, ResolvedEvent
from hall.store import (
    ChatState,
    MatterNotFound,
    MatterRecord,
    create_chat_session,
    get_matter,
    load_chat_session,
    popular_matter_codes,
    record_question,
    save_chat_session,
)

__all__ = [
    "ELEMENT_LABELS",
    "Dialogue",
    "Element",
    "Reply",
    "Suggestion",
    "Turn",
    "element_request",
    "element_text",
    "topic",
]

log = logging.getLogger("hall.guide")


class Element(StrEnum):
    """The elements of a matter's guide, in the order the guide walks through them."""

    CONDITIONS = "conditions"
    MATERIALS = "materials"
    PROCESS = "process"
    TIME_LIMIT = "time_limit"
    FEE = "fee"
    LOCATION = "location"
    LEGAL_BASIS = "legal_basis"
    ONLINE = "online"


ELEMENT_LABELS: dict[Element, str] = {
    Element.CONDITIONS: "办理条件",
    Element.MATERIALS: "申请材料",
    Element.PROCESS: "办理流程",
    Element.TIME_LIMIT: "办理时限",
    Element.FEE: "收费标准",
    Element.LOCATION: "办理地点",
    Element.LEGAL_BASIS: "法律依据",
    Element.ONLINE: "在线办理",
}

_FILLER = re.compile(
    r"(请问|请|我想|我要|想|问一下|问下|一下|那么|那|这个|它|还|又|呢|吗|啊|呀|吧|嘛|的|了|么|"
    r"要|需要|是|都|有|哪些|什么|啥|办|这|个|得|呗|哈|哦|喔)"
)
_ORDINALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
    "首": 1,
    "头": 1,
    "最后": -1,
}
_PICK = re.compile(
    r"^(?:选|选择|要|是)?(?:第)?(最后|[一二两三四五12345首头])(?:个|项|条|种|号)?(?:吧|啊|呀|的)?$"
)
#: Chit-chat the guide answers in its own right (no apology, no matters offered); any other
#: small talk is a polite decline. The hall intents say the hall's own hours, address, phone
#: and way there (:meth:`HallInfo.fills`).
_FRIENDLY = frozenset(
    {
        "thanks",
        "praise",
        "identity",
        "ability",
        "human",
        "hall_hours",
        "hall_address",
        "hall_phone",
        "hall_transport",
    }
)
#: How long the popular matters are reused before the history is asked again.
POPULAR_TTL_S = 300.0


def topic(compact: str, phrases: ElementPhrases) -> str:
    """What a message is about: its words once every element phrase ("要带什么", "在哪办") and
    filler ("请问", "怎么") is gone ("小蓝本本在哪里办" and "小蓝本本要带啥材料" are both about
    "小蓝本本"). The message itself when nothing would be left."""
    _, rest = phrases.find(compact)
    return _FILLER.sub("", rest) or compact


def element_request(compact: str, phrases: ElementPhrases) -> tuple[Element | None, str]:
    """The element a message asks for, and what else it says (fillers removed).

    ``compact`` is the message as :meth:`Normalizer.compact` gives it (simplified, half-width,
    lower case, no spaces or punctuation), so "要帶什麼材料？" reads like "要带什么材料";
    ``phrases`` are the engine's element phrases (the bank ``element_phrases``): the longest
    one found decides the element, and what is left once every phrase is gone is "" or fillers
    for "要带什么材料", the matter's own words for "办护照要带什么".
    """
    key, rest = phrases.find(compact)
    if key is None:
        return None, compact
    return Element(key), _FILLER.sub("", rest)


@dataclass(frozen=True)
class Suggestion:
    """A button under a reply: what it shows, and the message it sends when pressed."""

    label: str
    message: str


@dataclass(frozen=True)
class Reply:
    text: str
    look: Look
    decision: str  # answer | element | clarify | none | welcome
    matter: dict[str, Any] | None = None
    element: Element | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    similar: list[tuple[str, str]] = field(default_factory=list)
    intent: str | None = None
    event: str | None = None  # the life event whose matters the buttons offer


@dataclass(frozen=True)
class Turn:
    session_id: str
    turn: int
    reply: Reply
    latency_ms: float = 0.0


def _numbered(items: Sequence[str]) -> str:
    return "；".join(f"{i}. {x}" for i, x in enumerate(items, 1))


def element_text(record: MatterRecord, element: Element) -> str | None:
    """The element of a matter's guide as the guide says it; None when the matter lacks it."""
    if element is Element.CONDITIONS:
        return record.conditions
    if element is Element.MATERIALS:
        return _numbered(record.materials) if record.materials else None
    if element is Element.PROCESS:
        return _numbered(record.process) if record.process else None
    if element is Element.TIME_LIMIT:
        parts = []
        if record.time_limit:
            parts.append(f"法定办结时限{record.time_limit}")
        if record.promised_time_limit:
            parts.append(f"承诺办结时限{record.promised_time_limit}")
        return "，".join(parts) or None
    if element is Element.FEE:
        return record.fee
    if element is Element.LOCATION:
        parts = [record.location] if record.location else []
        if record.hours:
            parts.append(f"办公时间：{record.hours}")
        if record.phone:
            parts.append(f"咨询电话：{record.phone}")
        return "；".join(parts) or None
    if element is Element.LEGAL_BASIS:
        return record.legal_basis
    if element is Element.ONLINE:
        link = record.online_url or record.url
        return f"可以在网上办理，网址：{link}" if link else None
    return None  # pragma: no cover - every element is handled above


def _available(record: MatterRecord) -> list[Element]:
    return [e for e in Element if element_text(record, e)]


def _matter_view(record: MatterRecord) -> dict[str, Any]:
    return {
        "code": record.code,
        "title": record.title,
        "department": record.department,
        "time_limit": record.promised_time_limit or record.time_limit,
        "fee": record.fee,
        "url": record.online_url or record.url,
    }


class Dialogue:
    """Turns of conversations over one engine; thread safe (the state lives in the store)."""

    def __init__(
        self,
        engine: Engine,
        persona: Persona | None = None,
        *,
        ttl: timedelta = timedelta(minutes=30),
        popular: int = 4,
        popular_days: int = 30,
        seed: int | None = None,
    ) -> None:
        self.engine = engine
        self._persona = persona
        self.ttl = ttl
        self.popular_count = popular
        self.popular_window = timedelta(days=popular_days)
        self._random = random.Random(seed)
        self._popular: tuple[float, list[str]] | None = None  # (when, codes) of the last read
        self._popular_lock = threading.Lock()

    @property
    def persona(self) -> Persona:
        """The persona given at construction, or else the engine's snapshot's (an admin's edit
        is live in every process)."""
        return self._persona or self.engine.snapshot.persona

    # -- the turn -------------------------------------------------------------------------

    def turn(self, message: str, *, session_id: str | None = None, channel: str = "chat") -> Turn:
        """Answer one message of a conversation (a new one when the id is unknown or expired).

        The whole turn reads one snapshot of the engine, whatever swaps meanwhile.
        """
        with self.engine.pinned():
            return self._turn(message, session_id=session_id, channel=channel)

    def _turn(self, message: str, *, session_id: str | None, channel: str) -> Turn:
        store = self.engine.store
        with store.session() as session:
            chat = load_chat_session(session, session_id) if session_id else None
            expired = chat is None and bool(session_id)
            if chat is None:
                chat = create_chat_session(session, ttl=self.ttl)
        text = (message or "").strip()
        reply, answer = self._respond(text, chat, expired=expired)
        number = chat.turns + 1
        with store.session() as session:
            if not save_chat_session(session, chat, ttl=self.ttl):
                raise ConversationConflict(
                    "another message of this conversation was answered at the same time"
                )
            record_question(
                session,
                # Personal numbers and blocked words masked ("继续" and an insult, too).
                query=answer.query if answer else self.engine.mask(text)[:2000],
                normalized=answer.normalized if answer else "",
                decision=reply.decision,
                matter_code=reply.matter["code"] if reply.matter else None,
                score=answer.candidates[0].score if answer and answer.candidates else None,
                latency_ms=answer.latency_ms if answer else None,
                session_id=chat.id,
                channel=channel,
                turn=number,
                reply=reply.text,
                **(history_fields(answer) if answer else {}),
            )
        return Turn(chat.id, number, reply, answer.latency_ms if answer else 0.0)

    def _respond(
        self, text: str, chat: ChatState, *, expired: bool = False
    ) -> tuple[Reply, Answer | None]:
        state = chat.data
        state.setdefault("failed", 0)
        if not text:
            return self._welcome(state), None
        normalizer = self.engine.normalizer
        assert normalizer is not None, "the engine is loaded before any turn"
        if normalizer.find_blocked(text):
            # "继续" plus an insult is an insult: the engine declines it, and the history keeps
            # it masked, never as a step of the guide.
            answer = self.engine.ask(text, k=5)
            return self._cared(self._decline(state, answer), answer), answer
        compact = self._compact(text)
        phrases = self.engine.understanding.elements
        element, rest = element_request(compact, phrases)
        follow_up = element is not None and not rest
        going_on = self._is_next(compact)
        if expired and (follow_up or going_on or _PICK.match(compact)):
            # "要带什么" after the conversation timed out: its matter is gone, say so.
            line = self.persona.phrase_line("expired", self._random, **self._fill())
            look = self.persona.look(State.WELCOME)
            return Reply(line, look, "welcome", suggestions=self._popular_buttons()), None
        options: list[str] = list(state.get("options") or [])
        if options:
            picked = self._pick(compact, options)
            if picked is not None:
                wanted = state.get("wanted")
                state["options"], state["wanted"] = [], None
                return self._answer_matter(state, picked, Element(wanted) if wanted else None), None
            if follow_up:
                # "要带什么材料" after "did you mean": which of the offered matters, never
                # another one (the engine alone would pick a stranger).
                assert element is not None
                return self._which(state, options, element), None
        current = state.get("matter")
        if current and follow_up:
            assert element is not None
            return self._element(state, current, element), None
        if current and going_on:
            return self._next(state, current), None
        if follow_up and not current:
            # An element of no matter: ask which matter, offer the popular ones; unless it asks
            # the hall itself ("几点上班", "电话多少"): then the hall's own hours or phone.
            answer = self.engine.ask(text, k=5)
            if answer.reason is Reason.CHITCHAT:
                return self._decline(state, answer), answer
            return self._ask_matter(state, element), None
        answer = self.engine.ask(text, k=5)
        return self._cared(self._after_engine(state, answer, element, current), answer), answer

    def _cared(self, reply: Reply, answer: Answer) -> Reply:
        """A question that also says distress ("我想办理低保但是活不下去了"): the caring words and
        the hotline first, then the answer. Said rudely, the caring words alone and a guide who
        listens: never a civility prompt."""
        if answer.care is None:
            return reply
        if answer.reason in (Reason.RUDE, Reason.BLOCKED):
            return Reply(answer.care, self.persona.look(State.LISTENING), "none")
        return replace(reply, text=f"{answer.care}{reply.text}")

    def _after_engine(
        self, state: dict[str, Any], answer: Answer, element: Element | None, current: str | None
    ) -> Reply:
        if answer.event is not None:
            return self._event(state, answer.event, element)
        if answer.decision is Decision.ANSWER:
            state["options"] = []
            return self._answer_matter(state, answer.results[0].code, element)
        if answer.decision is Decision.CLARIFY:
            if current and element is not None and not self._names_another(answer, current):
                # "在哪交钱" with a matter in context: the element, not a list of strangers.
                return self._element(state, current, element)
            state["options"] = [r.code for r in answer.results]
            state["wanted"] = element.value if element else None
            state["failed"] = 0
            buttons = [
                Suggestion(f"{i}. {r.title}", r.title) for i, r in enumerate(answer.results, 1)
            ]
            text = self.persona.phrase(State.CLARIFYING, self._random, **self._fill())
            listing = "；".join(f"{i}. {r.title}" for i, r in enumerate(answer.results, 1))
            return Reply(
                f"{text}{listing}。",
                self.persona.look(State.CLARIFYING),
                "clarify",
                suggestions=buttons,
            )
        # Declined: "在哪交钱" still asks the matter in context, "大厅几点下班" the hall, and
        # "离婚要带什么" never 结婚登记.
        if (
            current
            and element is not None
            and answer.reason is not Reason.CHITCHAT
            and not self._names_another(answer, current)
        ):
            return self._element(state, current, element)
        return self._decline(state, answer)

    def _names_another(self, answer: Answer, current: str) -> bool:
        """Whether a question names a word of a candidate's title or alias that the matter in
        context lacks (:meth:`MatterIndex.named_in`): "离婚要带什么" with 结婚登记 in context
        names 离婚 of 离婚登记, so it is no follow-up of 结婚登记 (it was answered with
        结婚登记's materials); "在哪交钱" and "户口本丢了可以办吗" name none
        (:meth:`Normalizer.topic_words`)."""
        normalizer, index = self.engine.normalizer, self.engine.index
        assert normalizer is not None, "the engine is loaded before any turn"
        if index is None:
            return False
        others = [hit.code for hit in answer.candidates[:5] if hit.code != current]
        return any(
            index.named_in(word, others) and not index.named_in(word, [current])
            for word in normalizer.topic_words(answer.query)
        )

    def _event(self, state: dict[str, Any], event: ResolvedEvent, element: Element | None) -> Reply:
        """A life event: its matters in order, as buttons; a pick answers one of them."""
        state["options"] = list(event.codes)
        state["wanted"] = element.value if element else None
        state["failed"] = 0
        titles = [m.title for m in event.matters]
        listing = "；".join(f"{i}. {t}" for i, t in enumerate(titles, 1))
        return Reply(
            f"办理「{event.name}」这件事，通常需要办理：{listing}。请选择您要先了解的事项。",
            self.persona.look(State.CLARIFYING),
            "clarify",
            suggestions=[Suggestion(f"{i}. {t}", t) for i, t in enumerate(titles, 1)],
            event=event.name,
        )

    def _which(self, state: dict[str, Any], options: Sequence[str], element: Element) -> Reply:
        """Ask which offered matter an element is wanted of; the pick then shows that element."""
        state["wanted"] = element.value
        index = self.engine.index
        titles = [t for code in options if index is not None and (t := index.title(code))]
        label = ELEMENT_LABELS[element]
        listing = "；".join(f"{i}. {t}" for i, t in enumerate(titles, 1))
        return Reply(
            f"请问您想了解哪一项的{label}？{listing}。",
            self.persona.look(State.CLARIFYING),
            "clarify",
            suggestions=[Suggestion(f"{i}. {t}", t) for i, t in enumerate(titles, 1)],
        )

    def _ask_matter(self, state: dict[str, Any], element: Element | None) -> Reply:
        """An element asked of no matter at all: which matter, with the popular ones."""
        label = ELEMENT_LABELS[element] if element else "办事指南"
        return Reply(
            f"请问您想了解哪个事项的{label}？请告诉我您要办的事，或从下面选择。",
            self.persona.look(State.CLARIFYING),
            "none",
            suggestions=self._popular_buttons(),
        )

    # -- understanding --------------------------------------------------------------------

    def _compact(self, text: str) -> str:
        """The engine's own cleaning (width, script, case), without spaces or punctuation."""
        normalizer = self.engine.normalizer
        assert normalizer is not None, "the engine is loaded before any turn"
        return normalizer.compact(text)

    def _is_next(self, compact: str) -> bool:
        """Whether a compact message asks to go on to the next element: a "next" phrase of the
        element-phrase bank and, at most, a short word around it ("下一个吧", "好的继续")."""
        found = self.engine.understanding.elements.has(compact, NEXT)
        return bool(found) and len(compact) <= max(len(p) for p in found) + 3

    def _pick(self, compact: str, options: Sequence[str]) -> str | None:
        """Which of the offered matters the citizen chose: a number, a button, or words."""
        match = _PICK.match(compact)
        if match:
            number = _ORDINALS[match.group(1)]
            position = len(options) - 1 if number == -1 else number - 1
            return options[position] if 0 <= position < len(options) else None
        index = self.engine.index
        best, best_score = None, 0.0
        for code in options:
            title = index.title(code) if index is not None else None
            if not title:
                continue
            written = self._compact(title)
            score = fuzz.ratio(compact, written)
            if compact in written and len(compact) >= 2:
                score = max(score, 90.0)
            if score > best_score:
                best, best_score = code, score
        return best if best_score >= 80 else None

    # -- replies --------------------------------------------------------------------------

    def _fill(self, **extra: str) -> dict[str, str]:
        return {"name": self.persona.name, **self.engine.snapshot.hall.fills(), **extra}

    def _record(self, code: str) -> MatterRecord | None:
        """The matter as the pinned snapshot holds it (active ones; no round trip to the store),
        else as the store does (a retired matter a conversation had reached)."""
        kept = self.engine.snapshot.matters.get(code)
        if kept is not None:
            return kept.record
        with self.engine.store.session(commit=False) as session:
            try:
                return get_matter(session, code).record
            except MatterNotFound:
                return None

    def _popular_codes(self) -> list[str]:
        """The matters answered most in the window, read again at most every few minutes (every
        welcome asked the whole history once)."""
        now = time.monotonic()
        cached = self._popular
        if cached is not None and now - cached[0] < POPULAR_TTL_S:
            return cached[1]
        with self._popular_lock:
            if self._popular is not None and now - self._popular[0] < POPULAR_TTL_S:
                return self._popular[1]
            since = datetime.now(UTC) - self.popular_window
            with self.engine.store.session(commit=False) as session:
                codes = popular_matter_codes(session, limit=self.popular_count * 2, since=since)
            self._popular = (now, codes)
            return codes

    def popular(self) -> list[tuple[str, str]]:
        """Matters to offer on first contact: the most answered lately, then the catalogue's."""
        codes = self._popular_codes()
        index = self.engine.index
        if index is None:
            return []
        picked = [(c, t) for c in codes if (t := index.title(c))][: self.popular_count]
        for code, title in index.codes_and_titles():
            if len(picked) >= self.popular_count:
                break
            if all(code != c for c, _ in picked):
                picked.append((code, title))
        return picked

    def _popular_buttons(self) -> list[Suggestion]:
        return [Suggestion(title, title) for _, title in self.popular()]

    def _welcome(self, state: dict[str, Any]) -> Reply:
        state["failed"] = 0
        text = self.persona.phrase(State.WELCOME, self._random, **self._fill())
        return Reply(
            text, self.persona.look(State.WELCOME), "welcome", suggestions=self._popular_buttons()
        )

    def _element_buttons(self, record: MatterRecord, skip: Element | None) -> list[Suggestion]:
        buttons = [Suggestion(ELEMENT_LABELS[e], ELEMENT_LABELS[e]) for e in _available(record)]
        buttons = [b for b in buttons if skip is None or b.label != ELEMENT_LABELS[skip]]
        return [*buttons, Suggestion("下一步", "下一步")]

    def _similar(self, code: str) -> list[tuple[str, str]]:
        index = self.engine.index
        return index.similar(code, k=3) if index is not None else []

    def _answer_matter(self, state: dict[str, Any], code: str, element: Element | None) -> Reply:
        record = self._record(code)
        if record is None:  # retired between the search and now
            return self._decline(state, None)
        state.update(matter=code, element=None, failed=0)
        if element is not None and element_text(record, element):
            return self._element(state, code, element, record=record)
        intro = self.persona.phrase(
            State.ANSWERING, self._random, **self._fill(matter=record.title)
        )
        facts = []
        if record.department:
            facts.append(f"办理部门：{record.department}")
        limit = record.promised_time_limit or record.time_limit
        if limit:
            facts.append(f"办理时限：{limit}")
        if record.fee:
            facts.append(f"收费：{record.fee}")
        if record.kind == "faq" and record.answer:
            facts.insert(0, record.answer)
        body = "；".join(facts)
        more = "您可以点击下方按钮逐项查看办事指南，或说“下一步”。" if _available(record) else ""
        return Reply(
            f"{intro}{body}{'。' if body else ''}{more}",
            self.persona.look(State.ANSWERING),
            "answer",
            matter=_matter_view(record),
            suggestions=self._element_buttons(record, None),
            similar=self._similar(code),
        )

    def _element(
        self,
        state: dict[str, Any],
        code: str,
        element: Element,
        *,
        record: MatterRecord | None = None,
    ) -> Reply:
        record = record or self._record(code)
        if record is None:
            state["matter"] = None
            return self._decline(state, None)
        state.update(matter=code, element=element.value, failed=0)
        body = element_text(record, element)
        label = ELEMENT_LABELS[element]
        if body is None:
            text = self.persona.phrase_line(
                "element_missing", self._random, **self._fill(element=label, matter=record.title)
            )
        else:
            text = f"「{record.title}」的{label}：{body}"
        return Reply(
            text,
            self.persona.look(State.ANSWERING),
            "element",
            matter=_matter_view(record),
            element=element,
            suggestions=self._element_buttons(record, element),
            similar=self._similar(code),
        )

    def _next(self, state: dict[str, Any], code: str) -> Reply:
        record = self._record(code)
        if record is None:
            state["matter"] = None
            return self._decline(state, None)
        order = _available(record)
        current = state.get("element")
        position = (
            [e.value for e in order].index(current) + 1
            if current in [e.value for e in order]
            else 0
        )
        if position >= len(order):
            text = self.persona.phrase_line(
                "next_done", self._random, **self._fill(matter=record.title)
            )
            state["element"] = None
            return Reply(
                text,
                self.persona.look(State.ANSWERING),
                "element",
                matter=_matter_view(record),
                suggestions=self._element_buttons(record, None)[:-1],
                similar=self._similar(code),
            )
        return self._element(state, code, order[position], record=record)

    def _decline(self, state: dict[str, Any], answer: Answer | None) -> Reply:
        reason = answer.reason if answer else Reason.NO_MATCH
        intent = answer.intent if answer else None
        if reason is Reason.CHITCHAT:
            state["failed"] = 0
            if intent == "greeting":
                reply = self._welcome(state)
                return Reply(
                    answer.reply or reply.text if answer else reply.text,
                    reply.look,
                    "welcome",
                    suggestions=reply.suggestions,
                    intent=intent,
                )
            text = (
                self.engine.reply_for(reason, intent, persona=self.persona)
                if intent
                else self.persona.phrase_line("chitchat", self._random, **self._fill())
            ) or ""
            if intent == "goodbye":
                return Reply(text, self.persona.look(State.GOODBYE), "none", intent=intent)
            if intent in _FRIENDLY:
                return Reply(text, self.persona.look(State.ANSWERING), "none", intent=intent)
            if intent == DISTRESS_INTENT:
                return Reply(text, self.persona.look(State.LISTENING), "none", intent=intent)
            # Small talk the hall cannot serve (the weather, a joke): decline, offer matters.
            return Reply(
                text,
                self.persona.look(State.APOLOGISING),
                "none",
                suggestions=self._popular_buttons(),
                intent=intent,
            )
        state["failed"] = int(state.get("failed", 0)) + 1
        text = self.engine.reply_for(reason, None, persona=self.persona) or ""
        if state["failed"] >= 2 and reason not in (Reason.RUDE, Reason.BLOCKED):
            text = self.persona.phrase_line("handoff", self._random, **self._fill())
        buttons = [] if reason in (Reason.RUDE, Reason.BLOCKED) else self._popular_buttons()
        return Reply(text, self.persona.look(State.APOLOGISING), "none", suggestions=buttons)
