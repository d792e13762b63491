"""The matter index with the hashing encoder: invariants, a brute-force fusion, ranking tables.

The invariants (at most k, sorted, in range, distinct, any Unicode) follow sentence-transformers'
``semantic_search`` test; the fused score and the top k are recomputed from ``signals()``.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hall.lexicons import Normalizer
from hall.models import HashingEncoder, Hit, IndexNotBuilt, IndexSettings, MatterIndex
from hall.models.variants import VARIANTS
from hall.store import Matter
from tests.models.conftest import make_matter
from tests.models.strategies import QUERIES

SIGNALS = {"semantic", "keyword", "char", "fuzzy"}
FIELDS = {"title", "alias", "question", "keywords", "parent"}
#: Two fused scores this close are the same score seen through float32 and rounding.
EPS = 1e-5


@pytest.fixture(scope="module")
def index(normalizer: Normalizer, demo_matters: tuple[Matter, ...]) -> MatterIndex:
    index = MatterIndex(normalizer, HashingEncoder())
    index.build(demo_matters)
    return index


def texts_by_field(matter: Matter) -> dict[str, set[str]]:
    """What the evidence of a hit may quote, by field."""
    r = matter.record
    return {
        "title": {r.title},
        "alias": set(r.aliases),
        "question": set(r.questions),
        "keywords": {" ".join(r.keywords)} if r.keywords else set(),
        "parent": {r.parent} if r.parent else set(),
    }


# -- invariants -------------------------------------------------------------------------------


@hypothesis_settings(max_examples=300, deadline=None)
@given(query=QUERIES, k=st.integers(-3, 80))
def test_search_invariants_for_any_query(index: MatterIndex, query: str, k: int) -> None:
    hits = index.search(query, k=k)
    assert len(hits) <= max(k, 0)
    if k <= 0 or index.normalizer.normalize(query).is_empty:
        assert hits == []
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert len({hit.code for hit in hits}) == len(hits)
    assert all(SIGNALS <= set(hit.signals) <= SIGNALS | {"variant"} for hit in hits)
    assert all(0.0 <= hit.signals[name] <= 1.0 for hit in hits for name in SIGNALS)
    assert all(hit.signals.get("variant", -0.03) == -0.03 for hit in hits)


@pytest.mark.parametrize("query", ["", " ", "\n\t", "？？？", "的吗呢", "请问", "我们"])
@pytest.mark.parametrize("k", [1, 5, 100])
def test_a_query_with_nothing_left_finds_nothing(index: MatterIndex, query: str, k: int) -> None:
    assert index.search(query, k=k) == []


@pytest.mark.parametrize("k", [0, -1, -100])
def test_k_not_positive_finds_nothing(index: MatterIndex, k: int) -> None:
    assert index.search("驾照丢了", k=k) == []


@hypothesis_settings(max_examples=100, deadline=None)
@given(query=QUERIES, k=st.integers(1, 70))
def test_a_smaller_k_gives_a_prefix(index: MatterIndex, query: str, k: int) -> None:
    many = index.search(query, k=70)
    assert index.search(query, k=k) == many[:k]


# Hanzi pypinyin has no reading for once made the normaliser raise IndexError (char_pinyin).
@pytest.mark.parametrize(
    ("query", "top"),
    [("兙", None), ("瓧", None), ("驾照丢了龦", "HD-0402"), ("龦驾使证丢了", "HD-0402")],
)
def test_hanzi_without_a_reading_is_accepted(
    index: MatterIndex, query: str, top: str | None
) -> None:
    hits = index.search(query, k=5)
    assert len(hits) <= 5
    if top is not None:
        assert hits[0].code == top


def test_search_is_deterministic(index: MatterIndex) -> None:
    assert index.search("驾照丢了", k=10) == index.search("驾照丢了", k=10)


# -- the fusion and the ranking against a brute-force reference ------------------------------


@hypothesis_settings(max_examples=300, deadline=None)
@given(query=QUERIES, k=st.integers(1, 70))
def test_search_equals_a_brute_force_fusion_and_ranking(
    index: MatterIndex, demo_matters: tuple[Matter, ...], query: str, k: int
) -> None:
    norm = index.normalizer.normalize(query)
    hits = index.search(norm, k=k)
    if norm.is_empty:
        assert hits == []
        return
    per_matter, _ = index.signals(norm)
    weights = index.weights
    codes = [m.code for m in demo_matters]  # the index orders matters by code
    signals = {
        code: {name: float(per_matter[name][i]) for name in weights} for i, code in enumerate(codes)
    }
    plain = {
        code: min(max(sum(weights[n] * s[n] for n in weights), 0.0), 1.0)
        for code, s in signals.items()
    }
    # A variant the question does not ask for ranks below its plain sibling (test_variants.py):
    # every matter lowered is among the hits that report it, all of them when k is large.
    lowered = {hit.code for hit in index.search(norm, k=len(codes)) if "variant" in hit.signals}
    fused = {code: max(score - 0.03 * (code in lowered), 0.0) for code, score in plain.items()}
    titles = {m.code: m.record.title for m in demo_matters}
    best = sorted(codes, key=lambda c: (-plain[c], c))[:20]
    for code in lowered:
        assert code in best
        assert any(word in titles[code] for words, _ in VARIANTS.values() for word in words)

    assert len(hits) == min(k, len(codes))
    for hit in hits:
        assert {n: hit.signals[n] for n in weights} == pytest.approx(signals[hit.code], abs=1e-4)
        assert hit.score == pytest.approx(fused[hit.code], abs=1e-4)
        # The fused score is the weighted sum of the signals the hit reports, with its variant.
        assert hit.score == pytest.approx(
            max(
                sum(weights[n] * hit.signals[n] for n in weights) + hit.signals.get("variant", 0), 0
            ),
            abs=5e-4,
        )

    # The top k: best fused score first, equal scores in code order.
    got = [hit.code for hit in hits]
    for a, b in itertools.pairwise(got):
        assert fused[a] >= fused[b] - EPS
        if signals[a] == signals[b]:
            assert a < b
    last = got[-1]
    for code in set(codes) - set(got):
        assert fused[code] <= fused[last] + EPS
        if signals[code] == signals[last]:
            assert code > last


def test_each_signal_is_the_best_field_weighted_unit_of_the_matter(
    index: MatterIndex, demo_matters: tuple[Matter, ...], normalizer: Normalizer
) -> None:
    weights = index.settings.field_weights
    # The units of each matter, recomputed: what the index reads of it, normalised.
    for query in ["驾照丢了", "公积金怎么取", "护照", "出生证明"]:
        norm = normalizer.normalize(query)
        per_matter, per_unit = index.signals(norm)
        units = index._units  # one entry per unit, in the order of ``per_unit``
        assert {len(scores) for scores in per_unit.values()} == {len(units)}
        for name, scores in per_unit.items():
            for position in range(len(demo_matters)):
                expected = max(
                    float(scores[i]) * weights[u.field]
                    for i, u in enumerate(units)
                    if u.matter == position
                )
                assert float(per_matter[name][position]) == pytest.approx(expected, abs=1e-6)


# -- what is indexed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "names"),
    [
        ("驾照补办", "HD-0402", True),  # an alias, whole
        ("机动车驾驶证补领（遗失补证）", "HD-0402", True),  # the title
        ("驾照", "HD-0402", False),  # a part of a name is not the name
        ("驾照补办", "HD-0401", False),  # another matter's alias
        ("驾照补办", "NO-SUCH", False),
    ],
)
def test_names_is_a_whole_title_or_alias(
    index: MatterIndex, normalizer: Normalizer, text: str, code: str, names: bool
) -> None:
    assert index.names(code, normalizer.normalize(text).text) is names


def test_named_in_counts_the_matters_whose_names_hold_a_word(
    index: MatterIndex, normalizer: Normalizer
) -> None:
    (licence,) = normalizer.normalize("驾驶证").tokens
    codes = ["HD-0401", "HD-0402", "HD-0403", "HD-0404", "HD-0707", "NO-SUCH"]
    assert index.named_in(licence, codes) == 3  # not the 行驶证, the shop, or an unknown code
    assert index.named_in(licence, []) == 0


@pytest.fixture(scope="module")
def mixed_index(normalizer: Normalizer, demo_matters: tuple[Matter, ...]) -> MatterIndex:
    """The demo catalogue, plus retired copies of two matters and a title of stopwords only."""
    retired = [
        make_matter(
            "ZZ-RETIRED-1",
            "机动车驾驶证补领",
            status="retired",
            aliases=["驾照补办", "驾照丢了"],
            questions=["驾照丢了怎么办"],
        ),
        make_matter("AA-RETIRED-2", "住房公积金提取", status="retired", aliases=["公积金提取"]),
    ]
    stopwords = make_matter("HD-9999", "我们这个")
    index = MatterIndex(normalizer, HashingEncoder())
    index.build([*retired, *demo_matters, stopwords])
    return index


def test_the_stopword_title_is_really_all_stopwords(normalizer: Normalizer) -> None:
    assert normalizer.normalize("我们这个").is_empty


def test_retired_matters_are_not_indexed(mixed_index: MatterIndex) -> None:
    assert mixed_index.size == 83 + 1
    codes = {hit.code for hit in mixed_index.search("驾照丢了", k=100)}
    assert "HD-0402" in codes
    assert not codes & {"ZZ-RETIRED-1", "AA-RETIRED-2"}


@hypothesis_settings(max_examples=100, deadline=None)
@given(query=QUERIES)
def test_retired_matters_are_never_returned(mixed_index: MatterIndex, query: str) -> None:
    hits = mixed_index.search(query, k=100)
    assert all("RETIRED" not in hit.code for hit in hits)


def test_a_title_of_stopwords_only_is_still_indexed(mixed_index: MatterIndex) -> None:
    hits = mixed_index.search("驾照丢了", k=mixed_index.size)
    assert len(hits) == 83 + 1
    assert "HD-9999" in {hit.code for hit in hits}
    (unit,) = [u for u in mixed_index._units if u.matter == mixed_index.size - 1]
    assert (unit.field, unit.raw) == ("title", "我们这个")


def test_an_empty_catalogue_builds_an_index_that_finds_nothing(normalizer: Normalizer) -> None:
    index = MatterIndex(normalizer, HashingEncoder())
    report = index.build([make_matter("R1", "结婚登记", status="retired")])
    assert (report.matters, report.units, report.encoded) == (0, 0, 0)
    assert index.size == 0
    assert index.search("结婚", k=5) == []


def test_signals_before_build_raise(normalizer: Normalizer) -> None:
    index = MatterIndex(normalizer, HashingEncoder())
    with pytest.raises(IndexNotBuilt):
        index.signals(normalizer.normalize("结婚"))


# -- evidence ----------------------------------------------------------------------------------


def check_evidence(hit: Hit, matter: Matter) -> None:
    allowed = texts_by_field(matter)
    assert set(hit.evidence) <= SIGNALS | {"variant"}
    if "variant" in hit.evidence:  # the title, and its words that name the variant
        assert hit.evidence["variant"].startswith(f"title: {matter.record.title} (")
        assert hit.evidence["variant"].endswith(", not asked)")
    for signal, quote in hit.evidence.items():
        if signal == "variant":
            continue
        field, _, text = quote.partition(": ")
        assert field in FIELDS, quote
        assert text in allowed[field], (hit.code, signal, quote)


@hypothesis_settings(max_examples=150, deadline=None)
@given(query=QUERIES)
def test_evidence_quotes_a_field_of_the_matter(
    index: MatterIndex, demo_matters: tuple[Matter, ...], query: str
) -> None:
    by_code = {m.code: m for m in demo_matters}
    for hit in index.search(query, k=10):
        check_evidence(hit, by_code[hit.code])
        # A signal is explained exactly when it scored.
        for name, score in hit.signals.items():
            if score >= 1e-4:
                assert name in hit.evidence, (hit.code, name)


# (query, matter, signal) -> the evidence: the unit the query repeats word for word
EVIDENCE_TABLE = [
    ("补办驾照要登报吗", "HD-0402", "fuzzy", "question: 补办驾照要登报吗"),
    ("驾照补办", "HD-0402", "fuzzy", "alias: 驾照补办"),
    ("养犬登记", "HD-0118", "fuzzy", "title: 养犬登记"),
    ("租房能提公积金吗", "HD-0701", "char", "question: 租房能提公积金吗"),
]


@pytest.mark.parametrize(("query", "code", "signal", "evidence"), EVIDENCE_TABLE)
def test_evidence_names_the_matching_unit(
    index: MatterIndex, query: str, code: str, signal: str, evidence: str
) -> None:
    hit = index.search(query, k=1)[0]
    assert hit.code == code
    assert hit.evidence[signal] == evidence


# -- ranking with the hashing encoder: the lexical signals alone find these ------------------

# query -> expected top matter (the real encoder's table is tests/data/demo_queries.jsonl)
HASHING_TABLE = [
    ("驾照丢了", "HD-0402"),
    ("驾使证丢了", "HD-0402"),
    ("gongjijin怎么取", "HD-0701"),
    ("身分证过期了", "HD-0111"),
    ("身份证丢了", "HD-0112"),
    ("护照", "HD-0407"),
    ("社保卡丢了", "HD-0412"),
    ("准生证", "HD-0101"),
    ("低保怎么申请", "HD-0714"),
    ("办狗证", "HD-0118"),
    ("二手房过户", "HD-0719"),
    ("結婚登記", "HD-0704"),  # traditional script
    ("ＨＵＺＨＡＯ", "HD-0407"),  # full-width pinyin
]


@pytest.mark.parametrize(("query", "code"), HASHING_TABLE)
def test_hashing_index_finds(index: MatterIndex, query: str, code: str) -> None:
    hits = index.search(query, k=3)
    assert hits[0].code == code, [(h.code, h.title, h.score) for h in hits]
    assert hits[0].score > hits[1].score


def test_hit_describes_its_matter(index: MatterIndex, demo_matters: tuple[Matter, ...]) -> None:
    hit = index.search("驾照丢了", k=1)[0]
    matter = {m.code: m for m in demo_matters}["HD-0402"]
    assert (hit.code, hit.title, hit.department, hit.kind) == (
        "HD-0402",
        matter.record.title,
        matter.record.department,
        "matter",
    )
    assert hit.score >= 0.5


# -- similar matters ---------------------------------------------------------------------------


def test_similar_matters(normalizer: Normalizer) -> None:
    matters = [
        make_matter("A", "居民身份证换领", department="公安局", parent="居民身份证"),
        make_matter("B", "居民身份证补领", department="公安局", parent="居民身份证"),
        make_matter("C", "临时居民身份证申领", department="公安局"),
        make_matter("D", "结婚登记", department="民政局", keywords=["婚姻"]),
        make_matter("E", "离婚登记", department="民政局", keywords=["婚姻"]),
        make_matter("F", "居民身份证换领", department="公安局", region="外市"),  # a copy
    ]
    index = MatterIndex(normalizer, HashingEncoder())
    index.build(matters)
    similar = index.similar("A", k=3)
    codes = [code for code, _ in similar]
    assert codes[0] == "B"  # same parent, same department, close title
    assert "A" not in codes  # never itself
    assert "F" not in codes  # nor another region's copy of itself
    assert len(similar) == 3
    assert dict(similar)["B"] == "居民身份证补领"
    assert [c for c, _ in index.similar("D", k=1)] == ["E"]  # shared keywords and department
    assert index.similar("nope") == []
    assert index.similar("A", k=0) == []
    assert [c for c, _ in index.codes_and_titles()] == ["A", "B", "C", "D", "E", "F"]
    assert index.title("B") == "居民身份证补领"
    assert index.title("nope") is None


def test_similar_matters_are_lifted_by_a_shared_parent_and_keywords(
    normalizer: Normalizer,
) -> None:
    """Titles alike to the encoder: only the parent and keyword lifts order the neighbours
    (issue 13: similar() never received them, and its test passed without them)."""
    matters = [
        make_matter("A", "东区审批", parent="主项", keywords=["婚姻"]),
        make_matter("B", "西区审批"),
        make_matter("C", "南区审批", parent="主项"),
        make_matter("D", "北区审批", keywords=["婚姻", "登记"]),
    ]
    index = MatterIndex(normalizer, HashingEncoder())
    index.build(matters)
    assert [code for code, _ in index.similar("A", k=3)] == ["C", "D", "B"]


def test_the_fusion_weights_follow_the_encoder(normalizer: Normalizer) -> None:
    """A model of meaning weighs most; a bag of n-grams is one more lexical signal."""

    class MeaningEncoder(HashingEncoder):
        reads_sentences = True

    settings = IndexSettings()
    assert MatterIndex(normalizer, HashingEncoder()).weights == settings.term_signal_weights
    assert MatterIndex(normalizer, MeaningEncoder()).weights == settings.signal_weights
    for weights in (settings.signal_weights, settings.term_signal_weights):
        assert sum(weights.values()) == pytest.approx(1.0)
    assert max(settings.signal_weights, key=settings.signal_weights.__getitem__) == "semantic"


def test_an_alias_that_normalises_like_the_title_keeps_its_own_sentence(
    normalizer: Normalizer,
) -> None:
    """准生证 and 生育登记 share their terms, but the encoder must read 准生证 as written."""
    index = MatterIndex(normalizer, HashingEncoder())
    index.build([make_matter("B-1", "生育登记", aliases=["准生证", "生育登记"])])
    assert normalizer.normalize("准生证").text == normalizer.normalize("生育登记").text
    assert sorted(u.raw for u in index._units) == ["准生证", "生育登记"]  # the repeat is one unit


# -- a focus: the request clause of a long story ---------------------------------------------


@pytest.mark.parametrize("weight", [0.3, 0.7])
def test_a_focus_mixes_its_fused_score_with_the_whole_questions(
    index: MatterIndex, demo_matters: tuple[Matter, ...], weight: float
) -> None:
    whole = index.normalizer.normalize("我孩子在外地上学，老家那边的户口本丢了，想补办身份证")
    focus = index.normalizer.normalize("想补办身份证")
    hits = index.search(whole, k=len(demo_matters), focus=focus, focus_weight=weight)
    codes = [m.code for m in demo_matters]
    plain = index.fuse(index.signals(whole)[0], None)
    part = index.fuse(index.signals(focus)[0], None)
    for hit in hits:
        i = codes.index(hit.code)
        mixed = (1 - weight) * plain[i] + weight * part[i]
        lowered = 0.03 if "variant" in hit.signals else 0.0  # a variant not asked (补办 is)
        assert hit.score == pytest.approx(max(mixed - lowered, 0.0), abs=1e-4)
        assert hit.signals["clause"] == pytest.approx(float(part[i]), abs=1e-4)
        assert hit.evidence["clause"] == f"clause: {focus.text}"
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_focus_without_weight_or_words_changes_nothing(index: MatterIndex) -> None:
    whole = index.normalizer.normalize("我孩子在外地上学，老家那边的户口本丢了，想补办身份证")
    plain = index.search(whole, k=10)
    assert index.search(whole, k=10, focus=index.normalizer.normalize("想补办身份证")) == plain
    empty = index.normalizer.normalize("吗呢")
    assert index.search(whole, k=10, focus=empty, focus_weight=0.5) == plain


def test_after_a_titles_edit_only_texts_with_letters_are_normalised_again(
    normalizer: Normalizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A normaliser retitled (a title's edit) reads pinyin with the new titles' words and all
    else alike: the new index takes the old one's normalised texts but those with letters."""
    matters = [
        make_matter("T-1", "执业药师首次注册", questions=["zhiye yaoshi zenme zhuce"]),
        make_matter("T-2", "网站ICP备案", aliases=["网站备案"]),
        make_matter("T-3", "居民身份证补领"),
    ]
    old = MatterIndex(normalizer, HashingEncoder())
    old.build(matters)
    retitled = normalizer.retitled([m.record.title for m in matters])
    new = MatterIndex(retitled, HashingEncoder())
    new.carry_over(old)
    normalised: list[str] = []
    real = retitled.normalize
    monkeypatch.setattr(retitled, "normalize", lambda text: normalised.append(text) or real(text))
    new.build(matters)
    assert sorted(normalised) == ["zhiye yaoshi zenme zhuce", "网站ICP备案"]
    assert new.search("zhiye yaoshi zhuce", k=1)[0].code == "T-1"
