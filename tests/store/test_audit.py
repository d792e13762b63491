"""Every write of the store leaves one audit row and moves its part's revision, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from hall.store import (
    LexiconItem,
    MatterRecord,
    MatterStatus,
    Part,
    Store,
    add_lexicon_entries,
    add_question,
    create_matter,
    create_user,
    delete_matter,
    list_audit,
    put_hall_setting,
    read_revisions,
    remove_lexicon_entries,
    remove_question,
    replace_lexicon_bank,
    set_matter_status,
    update_matter,
    update_user,
    upsert_matters,
)
from hall.store.tables import utcnow

BASE = MatterRecord(code="A1", title="出生登记", department="公安局")
TWINS = [LexiconItem("二孩", "二孩=二胎")]


@pytest.fixture
def seeded(store: Store) -> Store:
    with store.session() as session:
        upsert_matters(session, [BASE], by="seed")
        add_lexicon_entries(session, "synonyms", [LexiconItem("二孩", "二孩=二胎")], by="seed")
        put_hall_setting(session, "persona", {"name": "小政"}, by="seed")
    return store


def _question_id(session: Session) -> int:
    return add_question(session, "A1", "上户口", by="ann").id


WRITES: list[tuple[str, Callable[[Session], object], Part, tuple[str, str, str, str]]] = [
    (
        "import",
        lambda s: upsert_matters(s, [BASE.model_copy(update={"title": "新生儿登记"})], by="ann"),
        Part.CATALOGUE,
        ("ann", "import", "catalogue", "import"),
    ),
    (
        "create",
        lambda s: create_matter(s, MatterRecord(code="B2", title="结婚登记"), by="ann"),
        Part.CATALOGUE,
        ("ann", "create", "matter", "B2"),
    ),
    (
        "update",
        lambda s: update_matter(s, BASE.model_copy(update={"fee": "不收费"}), by="ann"),
        Part.CATALOGUE,
        ("ann", "update", "matter", "A1"),
    ),
    (
        "retire",
        lambda s: set_matter_status(s, "A1", MatterStatus.RETIRED, by="ann"),
        Part.CATALOGUE,
        ("ann", "retire", "matter", "A1"),
    ),
    (
        "delete",
        lambda s: delete_matter(s, "A1", by="ann"),
        Part.CATALOGUE,
        ("ann", "delete", "matter", "A1"),
    ),
    ("add question", _question_id, Part.CATALOGUE, ("ann", "add_question", "matter", "A1")),
    (
        "lexicon add",
        lambda s: add_lexicon_entries(s, "particles", [LexiconItem("嘛")], by="ann"),
        Part.LEXICONS,
        ("ann", "add_entries", "lexicon", "particles"),
    ),
    (
        "lexicon remove",
        lambda s: remove_lexicon_entries(
            s, "synonyms", [LexiconItem("二孩", "二孩=二胎")], by="ann"
        ),
        Part.LEXICONS,
        ("ann", "remove_entries", "lexicon", "synonyms"),
    ),
    (
        "lexicon replace",
        lambda s: replace_lexicon_bank(
            s, "synonyms", [LexiconItem("驾照", "驾照=驾驶证")], by="ann"
        ),
        Part.LEXICONS,
        ("ann", "replace", "lexicon", "synonyms"),
    ),
    (
        "setting",
        lambda s: put_hall_setting(s, "persona", {"name": "小安"}, by="ann"),
        Part.SETTINGS,
        ("ann", "update", "setting", "persona"),
    ),
]


@pytest.mark.parametrize(("name", "write", "part", "expected"), WRITES, ids=[w[0] for w in WRITES])
def test_a_write_is_audited_and_moves_its_revision(
    seeded: Store,
    name: str,
    write: Callable[[Session], object],
    part: Part,
    expected: tuple[str, str, str, str],
) -> None:
    with seeded.session(commit=False) as session:
        before = read_revisions(session)
        _, count = list_audit(session)

    with seeded.session() as session:
        write(session)

    with seeded.session(commit=False) as session:
        after = read_revisions(session)
        entries, total = list_audit(session)
    assert total == count + 1
    newest = entries[0]
    assert (newest.actor, newest.action, newest.target_type, newest.target_id) == expected
    assert after[part.value] == before[part.value] + 1
    others = {p: r for p, r in after.items() if p != part.value}
    assert others == {p: r for p, r in before.items() if p != part.value}


def test_an_update_records_only_what_changed(seeded: Store) -> None:
    with seeded.session() as session:
        update_matter(
            session,
            BASE.model_copy(update={"fee": "不收费", "materials": ("身份证", "户口簿")}),
            by="ann",
        )
    with seeded.session(commit=False) as session:
        entry = list_audit(session, action="update")[0][0]
    assert entry.before == {"materials": [], "fee": None}
    assert entry.after == {"materials": ["身份证", "户口簿"], "fee": "不收费"}


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s: upsert_matters(s, [BASE], by="ann"), id="same import"),
        pytest.param(lambda s: update_matter(s, BASE, by="ann"), id="same guide"),
        pytest.param(
            lambda s: set_matter_status(s, "A1", MatterStatus.ACTIVE, by="ann"), id="same status"
        ),
        pytest.param(
            lambda s: put_hall_setting(s, "persona", {"name": "小政"}, by="ann"), id="same setting"
        ),
        pytest.param(
            lambda s: add_lexicon_entries(
                s, "synonyms", [LexiconItem("二孩", "二孩=二胎")], by="a"
            ),
            id="same entry",
        ),
    ],
)
def test_a_write_that_changes_nothing_leaves_no_trace(
    seeded: Store, write: Callable[[Session], object]
) -> None:
    with seeded.session(commit=False) as session:
        before = (read_revisions(session), list_audit(session)[1])
    with seeded.session() as session:
        write(session)
    with seeded.session(commit=False) as session:
        assert (read_revisions(session), list_audit(session)[1]) == before


def test_a_rolled_back_write_leaves_no_audit(seeded: Store) -> None:
    with seeded.session(commit=False) as session:
        create_matter(session, MatterRecord(code="B2", title="结婚登记"), by="ann")
    with seeded.session(commit=False) as session:
        assert list_audit(session, actor="ann")[1] == 0


def test_question_removal_and_user_changes_are_audited_without_secrets(seeded: Store) -> None:
    with seeded.session() as session:
        question = add_question(session, "A1", "上户口", by="ann")
        remove_question(session, "A1", question.id, by="ann")
        create_user(session, "bob", "viewer", "$argon2id$secret-hash", by="cli")
        update_user(session, "bob", role="editor", password_hash="$argon2id$other", by="cli")
    with seeded.session(commit=False) as session:
        entries, _ = list_audit(session)
    assert [e.action for e in entries[:4]] == [
        "update",
        "create",
        "remove_question",
        "add_question",
    ]
    assert entries[2].before == {"id": question.id, "question": "上户口", "source": "admin"}
    text = repr([(e.before, e.after, e.summary) for e in entries])
    assert "argon2" not in text
    assert entries[0].after == {
        "name": "bob",
        "role": "editor",
        "disabled": False,
        "password_changed": True,
    }


def test_audit_filters(seeded: Store) -> None:
    with seeded.session() as session:
        create_matter(session, MatterRecord(code="B2", title="结婚登记"), by="ann")
        create_matter(session, MatterRecord(code="C3", title="离婚登记"), by="bob")
    now = utcnow()
    with seeded.session(commit=False) as session:
        assert [e.target_id for e in list_audit(session, actor="bob")[0]] == ["C3"]
        assert [e.target_id for e in list_audit(session, text="结婚")[0]] == ["B2"]
        assert list_audit(session, target_id="B2")[1] == 1
        assert list_audit(session, since=now + timedelta(minutes=1))[1] == 0
        page, total = list_audit(session, limit=1, offset=1)
    assert total >= 4
    assert len(page) == 1
