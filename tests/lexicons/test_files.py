"""Lexicon text files: each bank's own format, the external formats, round trips and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.lexicons import (
    CUE_KINDS,
    ELEMENT_KEYS,
    Bank,
    Entry,
    FileFormat,
    LexiconError,
    LexiconFileError,
    LifeEvent,
    dump_entries,
    parse_file,
    parse_text,
    shipped_entries,
)

NATIVE = [
    # synonyms: "=" or tab separated, first member canonical, members stripped and deduplicated
    (Bank.SYNONYMS, "驾驶证=驾照=驾驶执照", [Entry("驾驶证", "驾驶证=驾照=驾驶执照")], "equals"),
    (Bank.SYNONYMS, "驾驶证\t驾照\t驾驶执照", [Entry("驾驶证", "驾驶证=驾照=驾驶执照")], "tabs"),
    (
        Bank.SYNONYMS,
        " 社会保险 = 社保 =  五险 ",
        [Entry("社会保险", "社会保险=社保=五险")],
        "spaces",
    ),
    (Bank.SYNONYMS, "医保=医疗保险=医保", [Entry("医保", "医保=医疗保险")], "repeated-member"),
    (Bank.SYNONYMS, "户口==户籍=", [Entry("户口", "户口=户籍")], "empty-members"),
    (Bank.PARTICLES, "吗\n呢\n吧", [Entry("吗"), Entry("呢"), Entry("吧")], "particles"),
    (Bank.STOPWORDS, "我们\n请问", [Entry("我们"), Entry("请问")], "stopwords"),
    (Bank.BLOCKED, "傻逼\tinsult", [Entry("傻逼", "insult")], "blocked"),
    (Bank.BLOCKED, "赌博网站", [Entry("赌博网站", "misc")], "blocked-no-category"),
    (Bank.BLOCKED, "赌博网站\t ", [Entry("赌博网站", "misc")], "blocked-blank-category"),
    (Bank.CIVILITY, "请您文明用语。", [Entry("rude", "请您文明用语。")], "civility"),
    (Bank.CHITCHAT, "greeting\t您好，{name}在。", [Entry("greeting", "您好，{name}在。")], "chat"),
    (Bank.TRIGGERS, "thanks\t谢谢你", [Entry("thanks", "谢谢你")], "triggers"),
    (Bank.KEYWORDS, "公积金\t2.5\tM001", [Entry("公积金", "M001", 2.5)], "keyword-weight-code"),
    (Bank.KEYWORDS, "公积金\t3", [Entry("公积金", "", 3.0)], "keyword-weight"),
    (Bank.KEYWORDS, "公积金", [Entry("公积金", "", 1.0)], "keyword-alone-weighs-one"),
    (Bank.KEYWORDS, "公积金\t\tM001", [Entry("公积金", "M001", 1.0)], "keyword-empty-weight"),
    (Bank.DICTIONARY, "公积金提取 3000 n", [Entry("公积金提取", "n", 3000.0)], "jieba-freq-tag"),
    (Bank.DICTIONARY, "公积金提取 3000", [Entry("公积金提取", "", 3000.0)], "jieba-freq"),
    (Bank.DICTIONARY, "公积金提取 n", [Entry("公积金提取", "n", None)], "jieba-tag"),
    (Bank.DICTIONARY, "公积金提取", [Entry("公积金提取", "", None)], "jieba-word"),
    (Bank.COLLOQUIAL, "过世\t死亡", [Entry("过世", "死亡")], "colloquial"),
    (
        Bank.EVENTS,
        "新生儿出生\t孩子出生| 宝宝出生 |孩子出生\t出生医学证明|新生儿*参保",
        [Entry("新生儿出生", "孩子出生|宝宝出生\t出生医学证明|新生儿*参保")],
        "life-event",
    ),
    (Bank.ELEMENTS, "materials\t要带什么", [Entry("materials", "要带什么")], "element-phrase"),
    (Bank.ELEMENTS, "next\t下一步", [Entry("next", "下一步")], "next-phrase"),
    (Bank.REQUEST_CUES, "action\t 补办 ", [Entry("action", "补办")], "request-cue"),
    (Bank.OUT_OF_SCOPE, "顺丰快递怎么寄件 ", [Entry("顺丰快递怎么寄件")], "out-of-scope"),
    (
        Bank.OUT_OF_SCOPE,
        "# 快递\n顺丰快递怎么寄件\n\n信用卡怎么提额\n顺丰快递怎么寄件",
        [Entry("顺丰快递怎么寄件"), Entry("信用卡怎么提额")],
        "out-of-scope-one-a-line",
    ),
]


@pytest.mark.parametrize(
    ("bank", "text", "expected"), [p[:3] for p in NATIVE], ids=[p[3] for p in NATIVE]
)
def test_native_format_of_each_bank(bank: Bank, text: str, expected: list[Entry]) -> None:
    assert parse_text(text, bank) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\ufeff吗\n呢\n", id="bom"),
        pytest.param("# 语气词\n吗\n\n   \n# 另一个注释\n呢", id="comments-and-blank-lines"),
        pytest.param("  吗  \r\n\t呢\t\r\n", id="crlf-and-padding"),
        pytest.param("吗\n呢\n吗\n呢", id="duplicates"),
    ],
)
def test_comments_blank_lines_bom_and_duplicates_are_tolerated(text: str) -> None:
    assert parse_text(text, Bank.PARTICLES) == [Entry("吗"), Entry("呢")]


def test_duplicate_keeps_the_first_occurrence() -> None:
    text = "公积金\t2\n提取\t1\n公积金\t2\n公积金\t5"
    assert parse_text(text, Bank.KEYWORDS) == [
        Entry("公积金", "", 2.0),
        Entry("提取", "", 1.0),
        Entry("公积金", "", 5.0),  # another weight: another entry (the store updates the weight)
    ]


ERRORS = [
    (Bank.SYNONYMS, "户口=户籍\n# c\n户口本\n", 3, "at least two members", "one-member-group"),
    (Bank.SYNONYMS, "户口=户籍\n医保=医保\n", 2, "at least two members", "group-of-one-word"),
    (Bank.KEYWORDS, "公积金\t2\n提取\t很重要\tM1", 2, "'很重要' is not a number", "weight"),
    (Bank.CHITCHAT, "greeting\t您好\n\nthanks", 3, "key<TAB>text", "no-tab"),
    (Bank.CHITCHAT, "greeting\t您好\nthanks\t  \n", 2, "key<TAB>text", "blank-text"),
    (Bank.TRIGGERS, "\ufeffthanks", 1, "key<TAB>text", "trigger-after-bom"),
    (Bank.STOPWORDS, "我\n" + "长" * 201, 2, "over 200", "term-too-long"),
    (Bank.CIVILITY, "请文明用语\n" + "请" * 2001, 2, "over 2000", "value-too-long"),
    (Bank.COLLOQUIAL, "过世\t死亡\n娃", 2, "key<TAB>text", "colloquial-no-official"),
    (Bank.COLLOQUIAL, "死亡\t死亡", 1, "maps to itself", "colloquial-to-itself"),
    (Bank.EVENTS, "出生\t孩子出生", 1, "name<TAB>trigger", "event-two-fields"),
    (Bank.EVENTS, "出生\t | \t出生登记", 1, "no trigger phrase", "event-no-trigger"),
    (Bank.EVENTS, "# 一件事\n出生\t孩子出生\t||", 2, "names no matter", "event-no-matter"),
    (Bank.EVENTS, "出生\t孩子出生\t出生登记|**", 1, "only '*'", "event-every-matter"),
    (Bank.ELEMENTS, "materials\t材料\nprice\t多少钱", 2, "unknown element 'price'", "element"),
    (Bank.REQUEST_CUES, "cue\t怎么\nstrong\t补办", 2, "unknown cue kind 'strong'", "cue-kind"),
    (Bank.REQUEST_CUES, "补办", 1, "key<TAB>text", "cue-one-field"),
]


@pytest.mark.parametrize(
    ("bank", "text", "line", "message"),
    [e[:4] for e in ERRORS],
    ids=[e[4] for e in ERRORS],
)
def test_parse_errors_name_the_file_and_the_line(
    bank: Bank, text: str, line: int, message: str
) -> None:
    with pytest.raises(LexiconFileError) as caught:
        parse_text(text, bank, path="lexicons/mine.txt")
    assert caught.value.path == "lexicons/mine.txt"
    assert caught.value.line == line
    assert str(caught.value).startswith(f"lexicons/mine.txt, line {line}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param("吗\n呢\n".encode("gbk"), 1, id="gbk"),
        pytest.param("吗\n呢\n".encode() + b"\xff\xfe\n", 3, id="bad-bytes-on-line-3"),
        pytest.param("吗\n".encode("utf-16"), 1, id="utf-16"),
    ],
)
def test_parse_file_rejects_bytes_that_are_not_utf8(tmp_path: Path, data: bytes, line: int) -> None:
    path = tmp_path / "particles.txt"
    path.write_bytes(data)
    with pytest.raises(LexiconFileError) as caught:
        parse_file(path, Bank.PARTICLES)
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert "not UTF-8" in str(caught.value)


def test_parse_file_reads_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "blocked.txt"
    path.write_bytes("\ufeff# 屏蔽词\n傻逼\tinsult\n".encode())
    assert parse_file(path, Bank.BLOCKED) == [Entry("傻逼", "insult")]


def test_parse_file_of_a_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.txt"
    with pytest.raises(LexiconFileError) as caught:
        parse_file(path, Bank.STOPWORDS)
    assert caught.value.path == str(path)
    assert caught.value.line is None
    assert "cannot read" in str(caught.value)


# -- external formats ---------------------------------------------------------------------

EXTERNAL = [
    (
        FileFormat.CNSYN,
        Bank.SYNONYMS,
        "物理 物质世界 自然界\n景观\n水 H2O\n水  水\n物理 物质世界 自然界\n",
        [Entry("物理", "物理=物质世界=自然界"), Entry("水", "水=H2O")],
        "cnsyn-skips-lone-words",
    ),
    (
        FileFormat.PLAIN,
        Bank.STOPWORDS,
        "的\n了\n# 注释\n的\n",
        [Entry("的"), Entry("了")],
        "plain-stopwords",
    ),
    (
        FileFormat.PLAIN,
        Bank.BLOCKED,
        "赌博网站\n代开发票\n",
        [Entry("赌博网站", "misc"), Entry("代开发票", "misc")],
        "plain-blocked-gets-misc-as-native",
    ),
    (
        FileFormat.JIEBA,
        Bank.DICTIONARY,
        "公积金提取 3000 n\n不动产登记 n\n一网通办\n",
        [
            Entry("公积金提取", "n", 3000.0),
            Entry("不动产登记", "n", None),
            Entry("一网通办", "", None),
        ],
        "jieba-dictionary",
    ),
    (
        FileFormat.JIEBA,
        Bank.PARTICLES,
        "么\t11322\n也好\t2084\n兮 566 y\n",
        [Entry("么"), Entry("也好"), Entry("兮")],
        "jieba-words-as-particles",
    ),
    (
        FileFormat.JIEBA,
        Bank.BLOCKED,
        "赌博网站 5 n\n",
        [Entry("赌博网站", "misc")],
        "jieba-words-as-blocked",
    ),
]


@pytest.mark.parametrize(
    ("fmt", "bank", "text", "expected"),
    [e[:4] for e in EXTERNAL],
    ids=[e[4] for e in EXTERNAL],
)
def test_external_formats(fmt: FileFormat, bank: Bank, text: str, expected: list[Entry]) -> None:
    assert parse_text(text, bank, fmt=fmt) == expected


CILIN_TREE = {
    "A": {
        "tag": "人",
        "sub": {
            "a": {
                "tag": "人-泛称",
                "sub": {
                    "01": {
                        "sub": {
                            "A": {"sub": {"01=": ["人", "士", "人物"], "02#": ["人类", "生人"]}},
                            "B": {"sub": {"03@": ["独夫"], "04=": ["劳力", " 劳动力 ", "劳力"]}},
                        }
                    }
                },
            },
        },
    },
    "B": [{"05=": ["匹夫", "个人", 7, None]}, {"06=": ["孑然一身"]}, {"07#": ["甲", "乙"]}],
    "C": {"08=": ["人", "士", "人物"]},
}


def test_cilin_keeps_only_groups_whose_key_ends_in_equals() -> None:
    text = json.dumps(CILIN_TREE, ensure_ascii=False)
    entries = parse_text(text, Bank.SYNONYMS, fmt=FileFormat.CILIN)
    assert entries == [
        Entry("人", "人=士=人物"),
        Entry("劳力", "劳力=劳动力"),
        Entry("匹夫", "匹夫=个人"),  # non-strings dropped; "06=" has one member: no group
    ]


def test_cilin_malformed_json_names_the_line() -> None:
    with pytest.raises(LexiconFileError) as caught:
        parse_text('{"A":\n {"01=": ["人",]\n}', Bank.SYNONYMS, fmt=FileFormat.CILIN, path="c.json")
    assert caught.value.path == "c.json"
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("fmt", "bank", "message"),
    [
        pytest.param(FileFormat.CNSYN, Bank.STOPWORDS, "into 'synonyms'", id="cnsyn-stopwords"),
        pytest.param(FileFormat.CNSYN, Bank.KEYWORDS, "into 'synonyms'", id="cnsyn-keywords"),
        pytest.param(FileFormat.CILIN, Bank.BLOCKED, "into 'synonyms'", id="cilin-blocked"),
        pytest.param(FileFormat.CILIN, Bank.PARTICLES, "into 'synonyms'", id="cilin-particles"),
        pytest.param(FileFormat.PLAIN, Bank.SYNONYMS, "synonym groups", id="plain-synonyms"),
    ],
)
def test_a_format_into_the_wrong_bank_is_refused(fmt: FileFormat, bank: Bank, message: str) -> None:
    with pytest.raises(LexiconError, match=message) as caught:
        parse_text("{}" if fmt is FileFormat.CILIN else "甲 乙\n", bank, fmt=fmt)
    assert not isinstance(caught.value, LexiconFileError)  # the file is fine, the bank is not


# -- dump_entries -> parse_text ------------------------------------------------------------


@pytest.mark.parametrize("bank", [b for b in Bank if shipped_entries(b)], ids=str)
def test_shipped_banks_round_trip(bank: Bank) -> None:
    entries = shipped_entries(bank)
    assert parse_text(dump_entries(entries, bank), bank) == entries


@pytest.mark.parametrize(
    ("bank", "entry", "line"),
    [
        pytest.param(Bank.KEYWORDS, Entry("公积金", "M1", 2.0), "公积金\t2\tM1", id="integral"),
        pytest.param(Bank.KEYWORDS, Entry("公积金", "", 0.35), "公积金\t0.35", id="decimal"),
        pytest.param(Bank.KEYWORDS, Entry("公积金", "", None), "公积金\t1", id="no-weight"),
        pytest.param(Bank.KEYWORDS, Entry("提取", "", 1 / 3), f"提取\t{1 / 3!r}", id="third"),
        pytest.param(
            Bank.DICTIONARY, Entry("公积金", "n", 1234567.0), "公积金 1234567 n", id="big"
        ),
        pytest.param(Bank.DICTIONARY, Entry("公积金", "", None), "公积金", id="word-only"),
        pytest.param(Bank.SYNONYMS, Entry("户口", "户口=户籍"), "户口=户籍", id="group"),
        pytest.param(Bank.CIVILITY, Entry("rude", "请文明用语"), "请文明用语", id="civility"),
        pytest.param(Bank.BLOCKED, Entry("傻逼", "insult"), "傻逼\tinsult", id="blocked"),
        pytest.param(
            Bank.OUT_OF_SCOPE, Entry("信用卡怎么提额"), "信用卡怎么提额", id="out-of-scope"
        ),
    ],
)
def test_dump_writes_each_bank_in_its_own_format(bank: Bank, entry: Entry, line: str) -> None:
    assert dump_entries([entry], bank) == line + "\n"


def test_dump_of_nothing_is_empty() -> None:
    assert dump_entries([], Bank.STOPWORDS) == ""


_WORD = st.text(
    alphabet=st.sampled_from("办证补换取查户口驾照公积金社保医abcxyz12"), min_size=1, max_size=8
)
_SENTENCE = (
    st.text(alphabet=st.sampled_from("您好请文明用语办事 ，。！？abc{}="), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
_WEIGHT = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
_INTENT = st.sampled_from(["greeting", "thanks", "goodbye", "identity", "praise"])

ENTRIES: dict[Bank, st.SearchStrategy[Entry]] = {
    Bank.SYNONYMS: st.lists(_WORD, min_size=2, max_size=5, unique=True).map(
        lambda members: Entry(members[0], "=".join(members))
    ),
    Bank.PARTICLES: _WORD.map(Entry),
    Bank.STOPWORDS: _WORD.map(Entry),
    Bank.BLOCKED: st.builds(Entry, _WORD, st.sampled_from(["insult", "porn", "fraud", "misc"])),
    Bank.CIVILITY: _SENTENCE.map(lambda reply: Entry("rude", reply)),
    Bank.CHITCHAT: st.builds(Entry, _INTENT, _SENTENCE),
    Bank.TRIGGERS: st.builds(Entry, _INTENT, _SENTENCE),
    Bank.KEYWORDS: st.builds(Entry, _WORD, st.sampled_from(["", "M001", "11440000-01"]), _WEIGHT),
    Bank.DICTIONARY: st.builds(
        Entry, _WORD, st.sampled_from(["", "n", "nz", "v", "vn"]), st.none() | _WEIGHT
    ),
    Bank.COLLOQUIAL: st.tuples(_WORD, _WORD)
    .filter(lambda pair: pair[0] != pair[1])
    .map(lambda pair: Entry(*pair)),
    Bank.EVENTS: st.builds(
        lambda name, triggers, patterns: LifeEvent(name, tuple(triggers), tuple(patterns)).entry(),
        _WORD,
        st.lists(_WORD, min_size=1, max_size=4, unique=True),
        st.lists(
            _WORD.map(lambda w: w.replace("*", "") or "证"), min_size=1, max_size=4, unique=True
        ),
    ),
    Bank.ELEMENTS: st.builds(Entry, st.sampled_from(ELEMENT_KEYS), _WORD),
    Bank.OUT_OF_SCOPE: _SENTENCE.map(Entry),
    Bank.REQUEST_CUES: st.builds(Entry, st.sampled_from(CUE_KINDS), _WORD),
}


def test_every_bank_has_a_round_trip_strategy() -> None:
    assert set(ENTRIES) == set(Bank)


@pytest.mark.parametrize("bank", list(Bank), ids=str)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_dump_then_parse_round_trips(bank: Bank, data: st.DataObject) -> None:
    entries = data.draw(st.lists(ENTRIES[bank], max_size=8))
    expected = list(dict.fromkeys(entries))
    assert parse_text(dump_entries(entries, bank), bank) == expected
