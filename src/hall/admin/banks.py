"""The lexicon banks as an admin edits them: the bank's own text format, a diff before saving.

Reading and writing go through ``hall.lexicons`` and the store's functions, like the CLI's
``hall lexicon import|export``: the same parser (every error names the line), the same audit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hall.lexicons import (
    Bank,
    Entry,
    FileFormat,
    LexiconError,
    dump_entries,
    parse_text,
)
from hall.store import (
    LexiconItem,
    Store,
    add_lexicon_entries,
    bank_sizes,
    list_lexicon_entries,
    remove_lexicon_entries,
    replace_lexicon_bank,
)

__all__ = [
    "BANK_LABELS",
    "BankDiff",
    "add_entry",
    "bank_entries",
    "bank_overview",
    "bank_text",
    "diff_bank",
    "import_text",
    "remove_entry",
    "save_bank",
]

#: What each bank is called in the back office, and what one line of it holds.
BANK_LABELS: dict[Bank, tuple[str, str]] = {
    Bank.SYNONYMS: ("同义词", "规范词=同义词=同义词"),
    Bank.PARTICLES: ("语气词", "每行一个词"),
    Bank.STOPWORDS: ("停用词", "每行一个词"),
    Bank.BLOCKED: ("屏蔽词", "词<Tab>类别"),
    Bank.CIVILITY: ("文明用语提示", "每行一句提示"),
    Bank.CHITCHAT: ("随机回答（闲聊）", "意图<Tab>回答"),
    Bank.TRIGGERS: ("闲聊触发语", "意图<Tab>例句"),
    Bank.KEYWORDS: ("关键词", "词<Tab>权重[<Tab>事项编码]"),
    Bank.DICTIONARY: ("分词词典", "词 [词频] [词性]"),
    Bank.COLLOQUIAL: ("市民用语", "市民的说法<Tab>官方用语"),
    Bank.EVENTS: ("一件事", "名称<Tab>触发短语|…<Tab>事项标题模式|…"),
    Bank.ELEMENTS: ("追问用语", "要素<Tab>短语"),
    Bank.OUT_OF_SCOPE: ("范围外问题", "每行一个问题（本大厅不办理的事）"),
    Bank.REQUEST_CUES: (
        "诉求提示词",
        "类别<Tab>词（action 办事动作、cue 提问词、filler 无主题词）",
    ),
}


def _label(bank: Bank) -> tuple[str, str]:
    return BANK_LABELS.get(bank, (bank.value, "每行一条"))


@dataclass(frozen=True)
class BankDiff:
    """What saving a text would do to a bank: its lines added and removed, and a unified diff."""

    bank: Bank
    added: list[str]
    removed: list[str]
    unified: str

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _items(entries: list[Entry]) -> list[LexiconItem]:
    return [LexiconItem(e.term, e.value, e.weight) for e in entries]


def bank_entries(store: Store, bank: Bank) -> list[Entry]:
    with store.session(commit=False) as session:
        return [Entry(i.term, i.value, i.weight) for i in list_lexicon_entries(session, bank.value)]


def bank_text(store: Store, bank: Bank) -> str:
    """The bank in its own text format: what ``hall lexicon export`` writes."""
    return dump_entries(bank_entries(store, bank), bank)


def bank_overview(store: Store) -> list[dict[str, object]]:
    with store.session(commit=False) as session:
        sizes = bank_sizes(session)
    return [
        {
            "bank": bank.value,
            "label": _label(bank)[0],
            "format": _label(bank)[1],
            "entries": sizes.get(bank.value, 0),
        }
        for bank in Bank
    ]


def _lines(entries: list[Entry], bank: Bank) -> list[str]:
    return dump_entries(entries, bank).splitlines()


def diff_bank(store: Store, bank: Bank, text: str) -> BankDiff:
    """Parse ``text`` (LexiconFileError names the line) and compare it with the bank."""
    wanted = parse_text(text, bank, path=f"{bank.value}.txt")
    current = bank_entries(store, bank)
    old, new = _lines(current, bank), _lines(wanted, bank)
    old_set, new_set = set(old), set(new)
    unified = "\n".join(difflib.unified_diff(old, new, "当前", "修改后", lineterm="", n=1))
    return BankDiff(
        bank,
        added=[line for line in new if line not in old_set],
        removed=[line for line in old if line not in new_set],
        unified=unified,
    )


def save_bank(store: Store, bank: Bank, text: str, *, by: str) -> tuple[int, int]:
    """Make the bank hold exactly the text's entries; (added, removed). All or nothing."""
    entries = parse_text(text, bank, path=f"{bank.value}.txt")
    with store.session() as session:
        return replace_lexicon_bank(session, bank.value, _items(entries), by=by)


def _one(line: str, bank: Bank) -> Entry:
    entries = parse_text(line, bank, path="entry")
    if len(entries) != 1:
        raise LexiconError("give exactly one entry, in the bank's own format")
    return entries[0]


def add_entry(store: Store, bank: Bank, line: str, *, by: str) -> bool:
    """Add one entry written as a line of the bank's text; False when it was there already."""
    entry = _one(line, bank)
    with store.session() as session:
        return add_lexicon_entries(session, bank.value, _items([entry]), by=by) > 0


def remove_entry(store: Store, bank: Bank, line: str, *, by: str) -> bool:
    entry = _one(line, bank)
    with store.session() as session:
        return remove_lexicon_entries(session, bank.value, _items([entry]), by=by) > 0


def import_text(
    store: Store,
    bank: Bank,
    data: bytes,
    *,
    filename: str,
    fmt: str = "native",
    replace: bool = False,
    by: str,
) -> tuple[int, int]:
    """An uploaded lexicon file (native, plain, cnsyn, cilin or jieba), checked whole first."""
    try:
        file_format = FileFormat(fmt)
    except ValueError:
        valid = ", ".join(f.value for f in FileFormat)
        raise LexiconError(f"unknown format {fmt!r}; choose one of: {valid}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LexiconError(f"{filename}, line {line}: not UTF-8 text") from None
    entries = parse_text(text, bank, fmt=file_format, path=filename)
    with store.session() as session:
        if replace:
            return replace_lexicon_bank(session, bank.value, _items(entries), by=by)
        return add_lexicon_entries(session, bank.value, _items(entries), by=by), 0
