"""The lexicons in the store: seeding, loading, editing with an audit trail, files in and out.

Every test runs on SQLite, and on PostgreSQL too when HALL_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.lexicons import (
    Bank,
    Entry,
    FileFormat,
    LexiconFileError,
    LexiconSet,
    add_entries,
    export_bank,
    import_bank,
    load_lexicons,
    remove_entries,
    seed_defaults,
    shipped_entries,
)
from hall.store import Store, list_lexicon_changes

SHIPPED_SIZES = {bank: len(shipped_entries(bank)) for bank in Bank if shipped_entries(bank)}


def changes(store: Store, bank: Bank) -> list[tuple[str, str, str, str]]:
    """The bank's audit trail, oldest first: (action, term, value, who)."""
    with store.session(commit=False) as session:
        rows = list_lexicon_changes(session, bank=bank.value, limit=10_000)
    return [(c.action, c.term, c.value, c.changed_by) for c in reversed(rows)]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_fills_every_empty_bank_once(store: Store, shipped: LexiconSet) -> None:
    assert seed_defaults(store) == SHIPPED_SIZES
    assert load_lexicons(store) == shipped
    assert load_lexicons(store).digest() == shipped.digest()
    assert len(changes(store, Bank.PARTICLES)) == SHIPPED_SIZES[Bank.PARTICLES]
    assert {who for *_, who in changes(store, Bank.PARTICLES)} == {"system"}

    assert seed_defaults(store) == {}
    assert load_lexicons(store) == shipped


def test_seed_leaves_a_bank_an_admin_filled(store: Store) -> None:
    add_entries(store, Bank.STOPWORDS, [Entry("某某")], by="alice")

    added = seed_defaults(store)

    assert Bank.STOPWORDS not in added
    assert added == {b: n for b, n in SHIPPED_SIZES.items() if b is not Bank.STOPWORDS}
    assert load_lexicons(store).stopwords == {"某某"}


@pytest.mark.parametrize("how", ["import-replace", "remove"])
def test_seed_leaves_a_bank_an_admin_emptied(store: Store, tmp_path: Path, how: str) -> None:
    """Seeding runs at every start: it must not undo an admin who wants no particles dropped."""
    seed_defaults(store)
    if how == "import-replace":
        empty = write(tmp_path / "empty.txt", "# 不要语气词\n")
        assert import_bank(store, Bank.PARTICLES, empty, replace=True, by="alice") == (
            0,
            SHIPPED_SIZES[Bank.PARTICLES],
        )
    else:
        entries = list(load_lexicons(store).bank(Bank.PARTICLES))
        assert remove_entries(store, Bank.PARTICLES, entries, by="alice") == len(entries)

    assert seed_defaults(store) == {}
    assert load_lexicons(store).particles == frozenset()
    assert changes(store, Bank.PARTICLES)[-1][0] == "remove"


def test_add_and_remove_write_the_audit_trail(store: Store) -> None:
    word, other = Entry("顺便问一下"), Entry("麻烦问下")

    assert add_entries(store, Bank.STOPWORDS, [word, other], by="alice") == 2
    assert add_entries(store, Bank.STOPWORDS, [word], by="bob") == 0  # already there: no row
    assert remove_entries(store, Bank.STOPWORDS, [word], by="carol") == 1
    assert remove_entries(store, Bank.STOPWORDS, [word], by="carol") == 0  # gone: no row

    assert changes(store, Bank.STOPWORDS) == [
        ("add", "顺便问一下", "", "alice"),
        ("add", "麻烦问下", "", "alice"),
        ("remove", "顺便问一下", "", "carol"),
    ]
    assert load_lexicons(store).bank(Bank.STOPWORDS) == (other,)


def test_a_new_weight_is_an_update(store: Store) -> None:
    add_entries(store, Bank.KEYWORDS, [Entry("公积金", "M001", 1.0)], by="alice")
    assert add_entries(store, Bank.KEYWORDS, [Entry("公积金", "M001", 3.5)], by="bob") == 0

    assert load_lexicons(store).bank(Bank.KEYWORDS) == (Entry("公积金", "M001", 3.5),)
    assert changes(store, Bank.KEYWORDS) == [
        ("add", "公积金", "M001", "alice"),
        ("update", "公积金", "M001", "bob"),
    ]


def test_the_audit_trail_is_kept_per_bank(store: Store) -> None:
    add_entries(store, Bank.BLOCKED, [Entry("赌博网站", "fraud")], by="alice")
    add_entries(store, Bank.PARTICLES, [Entry("呐")], by="bob")

    assert changes(store, Bank.BLOCKED) == [("add", "赌博网站", "fraud", "alice")]
    assert changes(store, Bank.PARTICLES) == [("add", "呐", "", "bob")]


def test_import_adds_to_a_bank(store: Store, tmp_path: Path) -> None:
    add_entries(store, Bank.PARTICLES, [Entry("吗"), Entry("呢")], by="alice")
    path = write(tmp_path / "particles.txt", "\ufeff# 新的\n呢\n呐\n")

    assert import_bank(store, Bank.PARTICLES, path, by="bob") == (1, 0)
    assert [e.term for e in load_lexicons(store).bank(Bank.PARTICLES)] == ["吗", "呢", "呐"]


def test_import_with_replace_makes_the_bank_exactly_the_file(store: Store, tmp_path: Path) -> None:
    shipped = shipped_entries(Bank.BLOCKED)
    add_entries(store, Bank.BLOCKED, shipped, by="system")
    kept = shipped[0]
    path = write(tmp_path / "blocked.txt", f"{kept.term}\t{kept.value}\n代开发票\tfraud\n")

    added, removed = import_bank(store, Bank.BLOCKED, path, replace=True, by="alice")

    assert (added, removed) == (1, len(shipped) - 1)
    assert load_lexicons(store).bank(Bank.BLOCKED) == (kept, Entry("代开发票", "fraud"))
    trail = changes(store, Bank.BLOCKED)[len(shipped) :]
    assert trail == [
        *(("remove", e.term, e.value, "alice") for e in shipped[1:]),
        ("add", "代开发票", "fraud", "alice"),
    ]


@pytest.mark.parametrize("replace", [False, True], ids=["add", "replace"])
def test_a_file_with_a_bad_line_changes_nothing(
    store: Store, tmp_path: Path, replace: bool
) -> None:
    add_entries(store, Bank.SYNONYMS, shipped_entries(Bank.SYNONYMS)[:20], by="system")
    before, trail = load_lexicons(store), changes(store, Bank.SYNONYMS)
    path = write(tmp_path / "synonyms.txt", "户口本=户口簿\n新词一=新词二\n孤零零\n")

    with pytest.raises(LexiconFileError) as caught:
        import_bank(store, Bank.SYNONYMS, path, replace=replace, by="alice")

    assert (caught.value.path, caught.value.line) == (str(path), 3)
    assert load_lexicons(store) == before
    assert changes(store, Bank.SYNONYMS) == trail


def test_import_of_an_external_format(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "cnsyn.txt", "水 H2O\n景观\n物理 物质世界\n")

    assert import_bank(store, Bank.SYNONYMS, path, fmt=FileFormat.CNSYN, by="alice") == (2, 0)
    assert load_lexicons(store).synonym_groups == [("水", "H2O"), ("物理", "物质世界")]


ADMIN_ENTRIES = {
    Bank.KEYWORDS: [Entry("公积金", "M001", 2.5), Entry("提取", "", 1 / 3)],
    Bank.DICTIONARY: [Entry("一网通办", "n", 1234567.0), Entry("跨省通办", "", None)],
    Bank.BLOCKED: [Entry("代开发票", "fraud")],
}


@pytest.mark.parametrize("bank", list(Bank), ids=str)
def test_export_then_import_round_trips(store: Store, tmp_path: Path, bank: Bank) -> None:
    entries = [*shipped_entries(bank), *ADMIN_ENTRIES.get(bank, [])]
    add_entries(store, bank, entries, by="alice")
    path = tmp_path / f"{bank.value}.txt"

    assert export_bank(store, bank, path) == len(entries)
    # the same file back changes nothing...
    assert import_bank(store, bank, path, replace=True, by="bob") == (0, 0)
    assert load_lexicons(store).bank(bank) == tuple(entries)
    # ...and brings back what was removed since, exactly
    gone = entries[::3]
    remove_entries(store, bank, gone, by="bob")
    assert import_bank(store, bank, path, replace=True, by="bob") == (len(gone), 0)
    assert sorted(load_lexicons(store).bank(bank)) == sorted(entries)
