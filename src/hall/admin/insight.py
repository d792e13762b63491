"""What citizens could not get, grouped by need, and the one-click lessons that teach the guide.

The questions come from the history (``hall.store.insight_questions``): declined ones (not
chit-chat, rudeness or nothing said), a "did you mean" left without a choice, answers with a low
score, answers marked 没帮助. They are grouped by need (``clusters``), ranked by how many citizens
asked, each with the matters the engine itself ranked for its questions.

Teaching closes a cluster in one transaction with the change it makes, through the store's own
functions (validation, revision bump, audit), so every process answers from it within seconds:

- ``questions``: the cluster's questions become alternate questions of a matter (source learned);
- ``synonyms``: a synonym group (the words that differ: the citizens' and the catalogue's);
- ``faq``: a general FAQ answer, with the cluster's questions as its other phrasings;
- ``out_of_scope``: the questions become out-of-scope examples, so the guide keeps declining them;
- ``dismiss``: nothing to learn.

Every lesson is audited as ``teach`` with what it created, and can be undone (:func:`undo`).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from hall.admin.clusters import ClusterSettings, Item, cluster
from hall.admin.errors import AdminInvalid
from hall.guide import Engine
from hall.guide.dialogue import topic
from hall.lexicons import Bank, LexiconError, parse_bank, parse_text
from hall.store import (
    FAILED,
    ClusterRecord,
    Conflict,
    LexiconItem,
    MatterExists,
    MatterKind,
    MatterNotFound,
    MatterRecord,
    QuestionSource,
    Session,
    add_lexicon_entries,
    add_question,
    clean_question,
    cluster_id,
    create_matter,
    delete_matter,
    get_audit,
    get_cluster,
    get_matter,
    history_texts,
    insight_questions,
    list_clusters,
    record_audit,
    remove_lexicon_entries,
    remove_question,
    reopen_cluster,
    resolve_cluster,
    save_clusters,
)
from hall.store.tables import utcnow

__all__ = [
    "ACTIONS",
    "OUT_OF_SCOPE_BANK",
    "InsightSettings",
    "compute_clusters",
    "open_clusters",
    "teach",
    "undo",
]

ACTIONS = ("questions", "synonyms", "faq", "out_of_scope", "dismiss")
#: The bank of out-of-scope examples the engine declines (issue 13's decisions).
OUT_OF_SCOPE_BANK = Bank.OUT_OF_SCOPE.value
_STATES = {
    "questions": "taught",
    "synonyms": "taught",
    "faq": "taught",
    "out_of_scope": "out_of_scope",
    "dismiss": "dismissed",
}
#: Examples a cluster shows; all its questions are kept.
SHOWN = 20


@dataclass(frozen=True)
class InsightSettings:
    #: An answer scoring under this is "low": the citizen may not have got what they asked.
    #: None: the engine's own zone of doubt, its answer threshold plus its margin.
    low_score: float | None = None
    clusters: ClusterSettings = field(default_factory=ClusterSettings)


def _items(engine: Engine, rows: Sequence[Any]) -> list[Item]:
    snap = engine.snapshot
    normalizer = snap.normalizer
    phrases = snap.understanding.elements
    with_vectors = engine.encoder.reads_sentences
    items = []
    for row in rows:
        norm = normalizer.normalize(row.query)
        about = topic(normalizer.compact(norm.text) or normalizer.compact(row.query), phrases)
        vector = None
        if with_vectors and row.vector:
            vector = np.frombuffer(row.vector, dtype=np.float16).astype(np.float32)
        items.append(Item(row.id, row.query, about, vector))
    if any(i.vector is None for i in items):
        items = [Item(i.id, i.text, i.topic) for i in items]  # all or none: one scale
    elif items:
        sizes = {i.vector.shape[0] for i in items if i.vector is not None}
        if len(sizes) > 1:  # vectors of two encoders (the model changed): characters only
            items = [Item(i.id, i.text, i.topic) for i in items]
    return items


def _suggestions(engine: Engine, rows: Sequence[Any], limit: int = 3) -> list[dict[str, str]]:
    """The matters the engine ranked for the cluster's questions, by summed score."""
    scores: dict[str, float] = {}
    for row in rows:
        for candidate in row.candidates or []:
            code = str(candidate["code"])
            scores[code] = scores.get(code, 0.0) + float(candidate.get("score") or 0)
    index = engine.snapshot.index
    found = []
    for code in sorted(scores, key=lambda c: (-scores[c], c)):
        title = index.title(code)
        if title:
            found.append({"code": code, "title": title})
        if len(found) == limit:
            break
    return found


def compute_clusters(
    engine: Engine, *, since: datetime, settings: InsightSettings | None = None
) -> list[ClusterRecord]:
    """Group the open questions asked since ``since``; the clusters are kept in the store (a
    teach request may reach another process) and returned, most asked first."""
    settings = settings or InsightSettings()
    store = engine.store
    with store.session(commit=False) as session:
        thresholds = engine.thresholds
        low = settings.low_score
        if low is None:
            low = thresholds.answer + thresholds.margin
        rows = insight_questions(session, since=since, low_score=low)
    by_id = {row.id: row for row in rows}
    groups = cluster(_items(engine, rows), settings.clusters)
    now = utcnow()
    clusters = []
    for group in groups:
        members = [by_id[item.id] for item in group]
        texts = list(dict.fromkeys(row.query for row in members))
        clusters.append(
            ClusterRecord(
                id=cluster_id([row.id for row in members]),
                computed_at=now,
                size=len(members),
                questions=[row.id for row in members],
                texts=texts[:SHOWN],
                suggestions=_suggestions(engine, members),
                first_seen=min(row.asked_at for row in members),
                last_seen=max(row.asked_at for row in members),
                state="open",
                action=None,
                resolved_by=None,
                resolved_at=None,
                failed=sum(1 for row in members if row.outcome in FAILED),
            )
        )
    with store.session() as session:
        save_clusters(session, clusters)
    # Most asked first; among equals, those whose citizens got nothing.
    return sorted(clusters, key=lambda c: (-c.size, -c.failed, -c.last_seen.timestamp()))


def open_clusters(engine: Engine) -> list[ClusterRecord]:
    """The clusters of the last computation still open (what the insight page shows)."""
    with engine.store.session(commit=False) as session:
        return list_clusters(session)


def teach(engine: Engine, cluster: str, lesson: dict[str, Any], *, by: str) -> dict[str, Any]:
    """Apply one lesson to a cluster; returns what it did (as the audit records it)."""
    action = lesson.get("action")
    if action not in ACTIONS:
        raise AdminInvalid(f"action: one of {', '.join(ACTIONS)}")
    with engine.store.session() as session:
        found = get_cluster(session, cluster)
        texts = history_texts(session, found.questions)  # all, not only those shown
        done: dict[str, Any] = {"action": action}
        if action == "questions":
            done |= _questions(session, texts, lesson, by)
        elif action == "synonyms":
            done |= _synonyms(session, lesson, by)
        elif action == "faq":
            done |= _faq(session, texts, lesson, by, engine)
        elif action == "out_of_scope":
            done |= _out_of_scope(session, texts, by)
        resolve_cluster(session, found.id, state=_STATES[action], action=done, by=by)
        record_audit(
            session,
            actor=by,
            action="teach",
            target_type="insight",
            target_id=found.id,
            summary=f"{action}: {'；'.join(texts[:3])}"[:500],
            before={"questions": texts, "size": found.size},
            after=done,
        )
    return done


def _questions(
    session: Session, texts: list[str], lesson: dict[str, Any], by: str
) -> dict[str, Any]:
    code = lesson.get("matter")
    if not isinstance(code, str) or not code:
        raise AdminInvalid("matter: the code of the matter these questions ask for")
    get_matter(session, code)  # MatterNotFound for a wrong code
    wanted = lesson.get("questions")
    chosen = [t for t in texts if not wanted or t in wanted]
    added = []
    for text in chosen:
        try:
            cleaned = clean_question(text)
        except ValueError:
            continue
        try:
            item = add_question(session, code, cleaned, by=by, source=QuestionSource.LEARNED)
        except Conflict:
            continue  # the matter has it already
        added.append(item.id)
    return {"matter": code, "question_ids": added}


def _synonyms(session: Session, lesson: dict[str, Any], by: str) -> dict[str, Any]:
    group = lesson.get("group")
    if not isinstance(group, list) or len({str(w).strip() for w in group if str(w).strip()}) < 2:
        raise AdminInvalid("group: at least two words, the catalogue's word first")
    line = "=".join(str(w).strip() for w in group if str(w).strip())
    try:
        (entry,) = parse_text(line, Bank.SYNONYMS, path="group")
    except (LexiconError, ValueError) as exc:
        raise AdminInvalid(f"group: {exc}") from None
    item = LexiconItem(entry.term, entry.value, entry.weight)
    add_lexicon_entries(session, Bank.SYNONYMS.value, [item], by=by)
    return {"synonyms": [[item.term, item.value]]}


def _faq(
    session: Session, texts: list[str], lesson: dict[str, Any], by: str, engine: Engine
) -> dict[str, Any]:
    question = str(lesson.get("question") or (texts[0] if texts else "")).strip()
    answer = str(lesson.get("answer") or "").strip()
    if not question or not answer:
        raise AdminInvalid("faq: a question and its answer")
    others = [t for t in texts if t != question][:50]
    for _ in range(5):
        code = f"FAQ-{secrets.token_hex(3).upper()}"
        try:
            record = MatterRecord.model_validate(
                {
                    "code": code,
                    "title": question,
                    "kind": MatterKind.FAQ.value,
                    "answer": answer,
                    "questions": others,
                },
                context={
                    "max_chars": engine.settings.import_max_field_chars,
                    "max_items": engine.settings.import_max_list_items,
                },
            )
        except ValueError as exc:
            raise AdminInvalid(f"faq: {exc}") from None
        try:
            create_matter(session, record, by=by)
        except MatterExists:
            continue
        return {"faq": code}
    raise AdminInvalid("faq: no free code; try again")  # pragma: no cover


def _out_of_scope(session: Session, texts: list[str], by: str) -> dict[str, Any]:
    bank = parse_bank(OUT_OF_SCOPE_BANK)
    items = []
    for text in texts:
        try:
            entries = parse_text(text, bank, path="question")
        except LexiconError:
            continue
        items += [LexiconItem(e.term, e.value, e.weight) for e in entries]
    add_lexicon_entries(session, bank.value, items, by=by)
    return {"out_of_scope": [[i.term, i.value] for i in items]}


def undo(engine: Engine, audit_id: int, *, by: str) -> dict[str, Any]:
    """Take a lesson back: remove what it created (what is still there) and open its cluster
    again. Audited as ``undo``."""
    with engine.store.session() as session:
        entry = get_audit(session, audit_id)
        if entry.action != "teach" or not isinstance(entry.after, dict):
            raise AdminInvalid("only a lesson (teach) can be undone here")
        done = entry.after
        undone: dict[str, Any] = {"of": audit_id, "action": done.get("action")}
        if done.get("matter"):
            matter = get_matter(session, done["matter"])
            present = {q.id for q in matter.question_items}
            for question_id in done.get("question_ids", []):
                if question_id in present:
                    remove_question(session, done["matter"], question_id, by=by)
        for key, bank in (("synonyms", Bank.SYNONYMS.value), ("out_of_scope", OUT_OF_SCOPE_BANK)):
            if done.get(key):
                items = [LexiconItem(term, value) for term, value in done[key]]
                remove_lexicon_entries(session, bank, items, by=by)
        if done.get("faq"):
            with contextlib.suppress(MatterNotFound):  # deleted by hand since: nothing to undo
                delete_matter(session, done["faq"], by=by)
        reopen_cluster(session, entry.target_id)
        record_audit(
            session,
            actor=by,
            action="undo",
            target_type="insight",
            target_id=entry.target_id,
            summary=f"undo {done.get('action')} (audit {audit_id})",
            before=done,
            after=undone,
        )
    return undone


def default_since(days: int = 30) -> datetime:
    return utcnow() - timedelta(days=days)
