"""The lexicons the hall team ships (hall/data/lexicons): what the issue asked them to hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hall.lexicons import BANK_FILES, Bank, LexiconSet, Normalizer, shipped_entries


def test_every_bank_parses_and_the_named_banks_have_files() -> None:
    sizes = {bank: len(shipped_entries(bank)) for bank in Bank}
    assert all(sizes[bank] > 0 for bank in Bank if bank not in (Bank.KEYWORDS, Bank.DICTIONARY))
    assert len(BANK_FILES[Bank.SYNONYMS]) == 2  # people's and business matters


def test_at_least_300_synonym_groups(shipped: LexiconSet) -> None:
    groups = shipped.synonym_groups
    assert len(groups) >= 300
    assert all(len(members) >= 2 for members in groups)


def test_no_member_is_in_two_groups(shipped: LexiconSet) -> None:
    # compared as the normaliser sees them: full width, traditional script and case folded
    counts = Counter(
        member
        for members in shipped.synonym_groups
        for member in {Normalizer._clean(m) for m in members}
    )
    assert [member for member, count in counts.items() if count > 1] == []


@pytest.mark.parametrize(
    ("canonical", "variants"),
    [
        pytest.param("机动车驾驶证", {"驾照", "驾驶证", "驾使证"}, id="driving-licence"),
        pytest.param("生育登记", {"准生证", "生育服务证"}, id="birth-registration"),
        pytest.param("社会保险", {"社保"}, id="social-insurance"),
        pytest.param("基本医疗保险", {"医保", "医疗保险"}, id="medical-insurance"),
        pytest.param("住房公积金", {"公积金", "gjj"}, id="housing-fund"),
        pytest.param("居民身份证", {"身份证", "身分证"}, id="identity-card"),
        pytest.param("往来港澳通行证", {"港澳通行证"}, id="hk-macau-permit"),
        pytest.param("最低生活保障", {"低保"}, id="subsistence-allowance"),
        pytest.param("户口", {"户籍"}, id="household-registration"),
        pytest.param("第二个子女", {"二胎", "二孩"}, id="second-child"),
    ],
)
def test_the_issue_examples_are_groups(
    canonical: str, variants: set[str], shipped: LexiconSet
) -> None:
    groups = {members[0]: set(members) for members in shipped.synonym_groups}
    assert canonical in groups
    assert variants <= groups[canonical]


@pytest.mark.parametrize(
    ("scheme", "words"),
    [
        ("城乡居民基本养老保险待遇", {"居民养老金", "城乡居民养老金", "农村养老金"}),
        ("企业职工基本养老金", {"企业养老金", "职工养老金", "企业退休金"}),
    ],
)
def test_two_pension_schemes_are_never_one_word(
    scheme: str, words: set[str], shipped: LexiconSet
) -> None:
    """居民养老金 and 企业养老金 are two matters' pensions: read as the plain 养老保险待遇, the
    scheme was lost and "居民养老金领取" found 企业职工基本养老金申领 first."""
    groups = {members[0]: set(members) for members in shipped.synonym_groups}
    assert words <= groups[scheme]
    assert not words & groups["养老保险待遇"]


def test_particles(shipped: LexiconSet) -> None:
    assert set("吗呢吧啊呀嘛啦哦哈咯") <= shipped.particles


@pytest.mark.parametrize("word", ["办", "证", "补", "换", "取", "查", "哪里", "多久", "材料"])
def test_stopwords_keep_words_that_carry_the_matter(word: str, shipped: LexiconSet) -> None:
    assert word not in shipped.stopwords
    assert word not in shipped.particles


def test_stopwords_and_particles_are_not_synonym_canonicals(shipped: LexiconSet) -> None:
    """A canonical form that is dropped would make its whole group vanish from questions."""
    canonicals = {members[0] for members in shipped.synonym_groups}
    assert canonicals & (shipped.stopwords | shipped.particles) == set()


def test_blocked_words_have_categories(shipped: LexiconSet) -> None:
    blocked = shipped.blocked
    assert len(blocked) >= 100
    assert set(blocked.values()) == {
        "insult",
        "profanity",
        "porn",
        "violence",
        "fraud",
        "politics",
    }
    assert blocked["傻逼"] == "insult"


def test_civility_prompts(shipped: LexiconSet) -> None:
    prompts = shipped.replies(Bank.CIVILITY)
    assert list(prompts) == ["rude"]
    assert len(prompts["rude"]) >= 10
    assert len(set(prompts["rude"])) == len(prompts["rude"])


@pytest.mark.parametrize("intent", ["greeting", "thanks", "identity", "goodbye", "praise"])
def test_chitchat_has_replies_and_triggers(intent: str, shipped: LexiconSet) -> None:
    assert len(shipped.replies(Bank.CHITCHAT)[intent]) >= 2
    assert len(shipped.replies(Bank.TRIGGERS)[intent]) >= 2


def test_every_trigger_intent_has_an_answer(shipped: LexiconSet) -> None:
    """Rude input is answered from the civility bank; every other intent from chit-chat."""
    triggers = set(shipped.replies(Bank.TRIGGERS))
    replies = set(shipped.replies(Bank.CHITCHAT))
    assert triggers - replies == {"rude"}
    assert replies <= triggers


@pytest.mark.parametrize("bank", [Bank.CIVILITY, Bank.CHITCHAT], ids=str)
def test_our_own_replies_hold_no_blocked_word(bank: Bank, normalizer: Normalizer) -> None:
    texts = [e.value for e in normalizer.lexicons.bank(bank)]
    assert [t for t in texts if normalizer.find_blocked(t)] == []


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        ("你们真垃圾", True),
        ("这网站太垃圾了", True),
        ("垃圾客服什么都不会", True),
        ("电池是什么垃圾", False),  # sorting waste is a citizen's question
        ("建筑垃圾处置核准", False),
        ("做好垃圾分类", False),
    ],
)
def test_rude_remarks_about_the_service_are_blocked_and_waste_is_not(
    text: str, blocked: bool, normalizer: Normalizer
) -> None:
    assert bool(normalizer.find_blocked(text)) is blocked


def test_no_wording_of_the_catalogues_is_blocked(normalizer: Normalizer) -> None:
    """A blocked word is never part of what a matter is found by (the catalogue's own words)."""
    for path in (DEMO, BENCH):
        if not path.is_file():
            continue
        for line in _catalogue_text(path).splitlines():
            assert not normalizer.find_blocked(line), line


# -- the colloquial bank --------------------------------------------------------------------

DEMO = Path(__file__).resolve().parents[2] / "src" / "hall" / "data" / "demo_catalogue.jsonl"
BENCH = Path(__file__).resolve().parents[3] / "shared" / "data" / "bench" / "catalogue.jsonl"


def _catalogue_text(path: Path) -> str:
    """The wording a matter is found by: titles, parents, aliases, keywords, conditions and
    materials."""
    texts: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        matter = json.loads(line)
        texts += [matter["title"], matter.get("parent") or "", matter.get("conditions") or ""]
        for name in ("aliases", "keywords", "materials"):
            value = matter.get(name) or []
            texts += [value] if isinstance(value, str) else list(value)
    return "\n".join(texts)


def test_the_colloquial_bank_holds_a_thousand_citizen_phrases() -> None:
    pairs = LexiconSet.shipped().colloquial
    assert len(pairs) >= 1000
    assert len({said for said, _ in pairs}) == len(pairs)  # one official wording per phrase


def test_every_official_wording_is_the_demo_catalogues_or_the_bench_catalogues() -> None:
    pairs = LexiconSet.shipped().colloquial
    demo = _catalogue_text(DEMO)
    elsewhere = sorted({official for _, official in pairs if official not in demo})
    if not elsewhere:
        return
    if not BENCH.is_file():
        pytest.skip(f"{len(elsewhere)} official wordings to check in {BENCH}, which is absent")
    bench = _catalogue_text(BENCH)
    assert [official for official in elsewhere if official not in bench] == []


def test_the_out_of_scope_examples_are_apart_from_the_sets_that_measure_them() -> None:
    """The shipped examples decide; the calibration set chooses the thresholds and the bench's
    no-match set measures: a question in two of them would measure itself."""
    root = Path(__file__).resolve().parents[2]
    examples = {e.term for e in shipped_entries(Bank.OUT_OF_SCOPE)}
    calibration = root / "src" / "hall" / "data" / "nomatch_calibration.txt"
    tuned = {
        line.split("\t", 1)[1] for line in calibration.read_text().splitlines() if "\t" in line
    }
    bench = root / "bench" / "nomatch_queries.jsonl"
    measured = {json.loads(line)["query"] for line in bench.read_text().splitlines() if line}
    assert len(examples) >= 250
    assert len(tuned) >= 200
    assert len(measured) >= 280
    assert examples & tuned == set()
    assert examples & measured == set()
    assert tuned & measured == set()
