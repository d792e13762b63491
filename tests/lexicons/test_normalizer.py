"""The normaliser on the shipped lexicons: width, script, case, particles, synonyms, pinyin,
homophones, explanations and sub-word terms; and any Unicode accepted."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.lexicons import Bank, Entry, Fired, LexiconSet, Normalizer

#: Titles whose words read pinyin sentences (two of them hold 药师, one 钥匙).
TITLES = ("执业药师首次注册", "执业药师变更注册", "车辆钥匙遗失补办")

# query -> tokens; a canonical form written "=word" is read from the synonym files
TOKENS = [
    ("ＡＢＣ１２３", ["abc123"], "full-width"),
    ("Hello World", ["hello", "world"], "case"),
    ("駕駛證補領", ["=驾驶证", "=补领"], "traditional"),
    ("身份证！！！", ["=身份证"], "punctuation"),
    ("身份证，怎么办？", ["=身份证"], "stopword-and-punctuation"),
    ("身份证吗", ["=身份证"], "particle"),
    ("我想查一下公积金啊", ["=查一下", "=公积金"], "stopwords-particles-synonyms"),
    # fillers jieba cuts apart are dropped whole, not leaving 问, 下 or 要 behind
    ("我想问一下社保卡怎么办", ["=社保卡"], "filler-想问一下"),
    ("请问下居住证", ["=居住证"], "filler-请问下"),
    ("我要居住证", ["=居住证"], "filler-我要"),
    ("二胎", ["=二胎"], "second-child"),
    ("准生证", ["=准生证"], "birth-permit"),
    ("生育服务证", ["=准生证"], "same-group"),
    ("社保", ["=社保"], "social-insurance"),
    ("医保", ["=医保"], "medical-insurance"),
    ("身分证", ["居民身份证"], "identity-card-variant"),
    ("港澳通行证", ["往来港澳通行证"], "hk-permit"),
    ("低保", ["最低生活保障"], "subsistence"),
    ("户籍", ["=户口"], "household"),
    ("驾照丢了", ["机动车驾驶证", "=丢了"], "lost-licence"),
    ("gongjijin tiqu", ["=公积金提取"], "pinyin-two-words"),
    ("shenfenzheng", ["居民身份证"], "pinyin-word"),
    ("SheBao", ["=社保"], "pinyin-case"),
    ("驾使证", ["机动车驾驶证"], "typo-in-group"),
    ("驾驶症", ["机动车驾驶证"], "homophone"),
    ("驾史证", ["机动车驾驶证"], "homophone-other-char"),
    ("我的usb坏了", ["usb", "=坏了"], "usb-no-insult"),
    ("", [], "empty"),
    ("   \u3000\n", [], "blank"),
    ("吗呢吧啊", [], "particles-only"),
    ("？！。，", [], "punctuation-only"),
    ("🙂🙂", [], "emoji"),
    ("驾照丢了兙", ["机动车驾驶证", "=丢了", "兙"], "hanzi-without-a-reading"),
    ("龦驾驶症", ["龦", "机动车驾驶证"], "no-reading-next-to-a-homophone"),
]


@pytest.mark.parametrize(("query", "expected"), [t[:2] for t in TOKENS], ids=[t[2] for t in TOKENS])
def test_tokens(
    query: str, expected: list[str], normalizer: Normalizer, canonical: dict[str, str]
) -> None:
    wanted = [canonical[w[1:]] if w.startswith("=") else w for w in expected]
    assert list(normalizer.normalize(query).tokens) == wanted


def test_canonical_forms_the_table_relies_on(canonical: dict[str, str]) -> None:
    """The table above reads most canonical forms from the files; these it names outright."""
    assert canonical["驾照"] == canonical["驾使证"] == "机动车驾驶证"
    assert canonical["身份证"] == canonical["shenfenzheng"] == "居民身份证"
    assert canonical["公积金"] == "住房公积金"
    assert canonical["丢了"] == canonical["补办"]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        pytest.param("Hello  World!", "hello world", id="ascii-words-keep-a-space"),
        pytest.param("身份证 补领", "居民身份证补领", id="hanzi-join"),
        pytest.param("ＡＢＣ１２３ 身份证", "abc123居民身份证", id="mixed"),
        pytest.param("", "", id="empty"),
    ],
)
def test_text_joins_tokens(query: str, text: str, normalizer: Normalizer) -> None:
    assert normalizer.normalize(query).text == text


@pytest.mark.parametrize(
    ("query", "fired"),
    [
        pytest.param(
            "驾照丢了",
            [("synonym", "驾照", "机动车驾驶证"), ("synonym", "丢了", "=丢了")],
            id="synonyms",
        ),
        pytest.param("结婚登记", [], id="nothing-rewritten"),
        pytest.param("身份证吗", [("synonym", "身份证", "居民身份证")], id="particle-not-fired"),
    ],
)
def test_fired_explains_each_rewrite(
    query: str,
    fired: list[tuple[str, str, str]],
    normalizer: Normalizer,
    canonical: dict[str, str],
) -> None:
    expected = [
        Fired(kind, source, canonical[target[1:]] if target.startswith("=") else target)
        for kind, source, target in fired
    ]
    assert list(normalizer.normalize(query).fired) == expected


@pytest.mark.parametrize(
    "query", ["gongjijin tiqu", "shenfenzheng", "jiazhao"], ids=["two-words", "one-word", "licence"]
)
def test_pinyin_fires_once_then_the_synonym(
    query: str, normalizer: Normalizer, canonical: dict[str, str]
) -> None:
    result = normalizer.normalize(query)
    kinds = [f.kind for f in result.fired]
    assert kinds == ["pinyin", "synonym"]
    pinyin, synonym = result.fired
    assert pinyin.source == query
    assert synonym.source == pinyin.target
    assert result.tokens == (canonical[pinyin.target],)


@pytest.mark.parametrize(
    ("query", "token"),
    [
        pytest.param("驾驶症", "机动车驾驶证", id="licence"),
        pytest.param("驾史证", "机动车驾驶证", id="licence-other-char"),
        pytest.param("公鸡金", "住房公积金", id="housing-fund"),
    ],
)
def test_homophone_fires_then_the_synonym(
    query: str, token: str, normalizer: Normalizer, canonical: dict[str, str]
) -> None:
    """The homophone is some member of the group (which one is the pinyin index's choice)."""
    result = normalizer.normalize(query)
    homophone, synonym = result.fired
    assert (homophone.kind, homophone.source, synonym.kind) == ("homophone", query, "synonym")
    assert sum(a != b for a, b in zip(query, homophone.target, strict=True)) == 1
    assert (synonym.source, synonym.target) == (homophone.target, token)
    assert canonical[homophone.target] == token
    assert result.tokens == (token,)


def test_fired_reads_as_text() -> None:
    assert str(Fired("synonym", "驾照", "机动车驾驶证")) == "synonym: 驾照→机动车驾驶证"


@pytest.mark.parametrize(
    ("query", "subwords"),
    [
        pytest.param("结婚登记", {"结婚", "登记"}, id="vocabulary-title"),
        pytest.param("公积金", {"公积金", "住房"}, id="after-synonym"),
        pytest.param("驾照", {"驾驶证", "驾驶", "机动车"}, id="licence"),
    ],
)
def test_terms_hold_the_words_inside_longer_ones(
    query: str, subwords: set[str], normalizer: Normalizer
) -> None:
    result = normalizer.normalize(query)
    assert len(result.tokens) == 1
    assert result.terms[0] == result.tokens[0]
    assert subwords <= set(result.terms[1:])
    assert all(2 <= len(t) <= 3 and t in result.tokens[0] for t in result.terms[1:])


@pytest.mark.parametrize(
    ("query", "masked", "blocked"),
    [
        pytest.param("傻逼，驾照", "**,驾照", ("insult",), id="masked-keeps-punctuation"),
        pytest.param("ＳＢ！", "**!", ("insult",), id="full-width-ascii"),
        pytest.param("身份证", "身份证", (), id="clean"),
    ],
)
def test_masked_and_blocked(
    query: str, masked: str, blocked: tuple[str, ...], normalizer: Normalizer
) -> None:
    result = normalizer.normalize(query)
    assert (result.masked, result.blocked) == (masked, blocked)
    assert result.original == query


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        # function words stay: they carry meaning a sentence encoder reads
        pytest.param("不知道从哪里申请？", "不知道从哪里申请", id="function-words-stay"),
        # no synonym swap: the encoder knows 驾照 as citizens write it
        pytest.param("驾照丢了怎么办", "驾照丢了怎么办", id="no-synonyms"),
        # width, script, case, spaces and punctuation as in the terms
        pytest.param("駕照 遺失！ＡＢＣ", "驾照遗失abc", id="cleaned"),
        # pinyin spelled in hanzi, homophone typos fixed; no synonym swap even for a listed typo
        pytest.param("gongjijin怎么取", "公积金怎么取", id="pinyin"),
        pytest.param("jiazhao diule", "驾照丢了", id="pinyin-phrase"),
        pytest.param("公鸡金怎么交", "公积金怎么交", id="homophone"),
        pytest.param("驾使证丢了", "驾使证丢了", id="listed-typo"),
        # blocked words never reach the encoder
        pytest.param("傻逼，驾照", "驾照", id="blocked-out"),
        # nothing to search: nothing to encode
        pytest.param("吗？", "", id="particles-only"),
        pytest.param("", "", id="empty"),
    ],
)
def test_plain_is_the_sentence_as_written(query: str, plain: str, normalizer: Normalizer) -> None:
    assert normalizer.normalize(query).plain == plain


SAYS = [
    ("我想办理低保但是活不下去了", ("活不下去了",), True),
    ("失业了，不想活了！怎么领失业金", ("不想活了",), True),  # through punctuation
    ("我想死亡登记", ("我想死",), False),  # 死亡 is one word
    ("去死亡登记", ("去死",), False),
    ("想死亡证明", ("想死", "我想死"), False),
    ("我想死亡登记，我想死", ("我想死",), True),  # a later occurrence as whole words
    ("身份证丢了", ("不想活了",), False),
    ("不想活了", (), False),
]


@pytest.mark.parametrize(("text", "phrases", "says"), SAYS)
def test_says_a_phrase_only_as_whole_words(
    text: str, phrases: tuple[str, ...], says: bool, normalizer: Normalizer
) -> None:
    assert normalizer.says(text, phrases) is says


def test_empty_input() -> None:
    result = Normalizer(LexiconSet()).normalize("")
    assert (result.tokens, result.terms, result.text, result.masked) == ((), (), "", "")
    assert result.is_empty


@pytest.mark.parametrize("question", ["驾照丢了", "驾照掉了咋办", "jiazhao diule", "駕照遺失"])
def test_index_and_query_sides_agree(question: str, normalizer: Normalizer) -> None:
    """A matter title and a question that says the same in other words get the same tokens."""
    title = normalizer.normalize("机动车驾驶证补领")
    assert normalizer.normalize(question).tokens == title.tokens == ("机动车驾驶证", "补领")


_PUNCT_ONLY = re.compile(r"[\W_]+")


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        st.characters() | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=40
    )
)
def test_any_unicode_is_accepted(text: str, normalizer: Normalizer) -> None:
    result = normalizer.normalize(text)
    assert result.original == text
    assert result.masked == normalizer.mask(text)
    for token in result.tokens:
        assert token
        assert not any(ch.isspace() for ch in token), token
        assert not _PUNCT_ONLY.fullmatch(token), token
    assert set(result.tokens) <= set(result.terms)
    assert result.is_empty == (result.tokens == ())


def test_every_cjk_unified_ideograph_is_accepted(normalizer: Normalizer) -> None:
    """Exhaustive where hypothesis is unlikely to draw the few hanzi pypinyin cannot read."""
    block = "".join(chr(c) for c in range(0x4E00, 0xA000))
    tokens: list[str] = []
    for start in range(0, len(block), 64):
        tokens += normalizer.normalize(block[start : start + 64]).tokens
    assert "兙" in tokens
    assert "龦" in tokens


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        pytest.param("写一首关于春天的诗", "出租汽车", id="de-shi-is-no-taxi"),
        pytest.param("无聊死了陪我聊会", "死亡", id="intensifier-is-no-death"),
    ],
)
def test_everyday_wording_is_not_rewritten(normalizer: Normalizer, text: str, absent: str) -> None:
    """Two-character sound-alikes and intensifiers are no typos or synonyms of a matter word."""
    assert absent not in normalizer.normalize(text).text


@pytest.mark.parametrize(
    ("text", "negation"),
    [
        pytest.param("能不能直接在这边换", "不能", id="neng-bu-neng"),
        pytest.param("深圳交的养老保险能不能转到老家", "不能", id="neng-bu-neng-inside"),
        pytest.param("要不要带户口本", "不要", id="yao-bu-yao"),
        pytest.param("会不会被注销", "不会", id="hui-bu-hui"),
    ],
)
def test_a_question_form_leaves_no_negation_behind(
    normalizer: Normalizer, text: str, negation: str
) -> None:
    """能不能 asks; cut into 能 (a stopword) and 不能 it would say the opposite."""
    assert negation not in normalizer.normalize(text).tokens


def test_a_real_negation_stays(normalizer: Normalizer) -> None:
    assert "不想" in normalizer.normalize("不想注销公司").text


@pytest.mark.parametrize(
    ("titles", "plain"),
    [
        pytest.param((), "职业要是注册", id="jiebas-commoner-words-without-titles"),
        # 执业 and 药师 are in more titles than 职业 and 钥匙, jieba's commoner words
        pytest.param(TITLES, "执业药师注册", id="the-titles-words"),
    ],
)
def test_the_titles_words_read_pinyin_sentences(
    titles: tuple[str, ...], plain: str, shipped: LexiconSet
) -> None:
    normalizer = Normalizer(shipped, titles=titles).load()
    assert normalizer.normalize("zhiye yaoshi zhuce").plain == plain
    # and only that: a title's word is no new dictionary word of the tokenizer
    assert normalizer.segment("药师") == Normalizer(shipped).load().segment("药师")


@pytest.mark.parametrize(
    ("titles", "text"),
    [
        pytest.param((), "户口怎么前", id="jiebas-commonest-character-without-titles"),
        pytest.param(
            ("户口迁移", "户口迁出"), "户口怎么迁", id="the-character-beside-户口-in-titles"
        ),
    ],
)
def test_a_lone_syllable_reads_as_the_titles_say(
    titles: tuple[str, ...], text: str, shipped: LexiconSet
) -> None:
    assert Normalizer(shipped, titles=titles).load().normalize("hukou zenme qian").plain == text


#: Texts a retitled normaliser must read as one built afresh for its titles.
RETITLED = ["zhiye yaoshi zhuce", "执业药师首次注册", "驾照丢了怎么补", "gongjijin tiqu", "ＡＢＣ"]


@pytest.mark.parametrize("titles", [TITLES, (), TITLES[2:]], ids=["more", "none", "fewer"])
def test_a_retitled_normaliser_reads_as_one_built_afresh(
    titles: tuple[str, ...], shipped: LexiconSet
) -> None:
    """A title's edit builds the pinyin reader alone, sharing the rest; nothing reads else."""
    before = Normalizer(shipped, titles=TITLES[:1]).load()
    after = before.retitled(titles)
    fresh = Normalizer(shipped, titles=titles).load()
    assert after.titles == fresh.titles
    assert after.loaded.tokenizer is before.loaded.tokenizer  # shared, not built again
    for text in RETITLED:
        assert after.normalize(text) == fresh.normalize(text), text


@pytest.mark.parametrize(
    ("text", "alike"),
    [
        ("执业药师首次注册", True),
        ("驾照丢了", True),
        ("zhiye yaoshi", False),  # pinyin reads with the titles' words
        ("ＺＨＩＹＥ药师", False),  # full-width letters too, once cleaned
    ],
)
def test_what_a_retitled_normaliser_reads_alike(
    text: str, alike: bool, shipped: LexiconSet
) -> None:
    before = Normalizer(shipped).load()
    after = before.retitled(TITLES)
    seen = before.normalize(text)
    assert before.reads_alike(before, seen)
    assert after.reads_alike(before, seen) is alike
    # another normaliser's tokenizer is its own: nothing is taken for alike
    assert Normalizer(shipped).load().reads_alike(before, seen) is False


def test_a_retitled_normaliser_cuts_only_the_new_titles(
    shipped: LexiconSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = Normalizer(shipped, titles=TITLES[:2]).load()
    tokenizer = before.loaded.tokenizer
    cut: list[str] = []
    real = tokenizer.lcut  # type: ignore[attr-defined]
    monkeypatch.setattr(tokenizer, "lcut", lambda text, **kw: cut.append(text) or real(text, **kw))
    after = before.retitled(TITLES)
    assert cut == [TITLES[2]]
    assert after.normalize("zhiye yaoshi zhuce").plain == "执业药师注册"


# -- phrases read whole -----------------------------------------------------------------------

#: A small set: 断了 alone is a card's damage, 社保断了 a lapse in contributions; 新生儿上户口 is
#: a birth registration, 上户口 alone a move of residence.
WHOLE = LexiconSet.from_entries(
    {
        Bank.SYNONYMS: [
            Entry("断缴", "断缴=社保断了"),
            Entry("出生登记", "出生登记=新生儿上户口"),
            Entry("落户", "落户=上户口"),
        ],
        Bank.COLLOQUIAL: [Entry("断了", "损坏")],
        Bank.STOPWORDS: [Entry("怎么")],
    }
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        pytest.param("社保断了", ["断缴"], id="a-synonym-holding-a-colloquial-phrase"),
        pytest.param("卡断了", ["卡", "损坏"], id="the-colloquial-phrase-alone"),
        pytest.param("新生儿怎么上户口", ["出生登记"], id="a-synonym-split-by-a-stopword"),
        pytest.param("新生儿上户口", ["出生登记"], id="the-synonym-as-one-word"),
        pytest.param("怎么上户口", ["落户"], id="its-part-alone"),
    ],
)
def test_a_synonym_is_read_whole(text: str, tokens: list[str]) -> None:
    """A synonym is not cut by a colloquial rewrite of its part, nor lost to a filler word
    between its words."""
    assert list(Normalizer(WHOLE).load().normalize(text).tokens) == tokens


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        pytest.param("社保断了怎么补交", "断缴", "损坏", id="lapse-not-damage"),
        pytest.param("新生儿怎么上户口", "出生登记", "落户", id="birth-registration"),
        pytest.param("公租房怎么申请", "公共租赁住房", "房屋租赁", id="public-rental-housing"),
        pytest.param("考教师资格证", "教师资格证", "专业技术人员", id="teacher-certificate"),
        # the group that keeps 上幼儿园 whole reads it in the catalogues' wording
        pytest.param("孩子上幼儿园要什么材料", "学前教育", "幼儿园", id="kindergarten"),
        pytest.param("奶茶店要办什么证", "餐饮", "奶茶", id="a-milk-tea-shop-is-catering"),
        pytest.param("我在工地上摔伤了老板不管怎么办", "工伤", "摔伤", id="hurt-at-work"),
        # a title keeps its subsidy's name: 扶助金 alone is 补助, but not inside 奖励扶助金
        pytest.param(
            "农村部分计划生育家庭奖励扶助金", "计划生育家庭奖励扶助", "补助", id="a-named-subsidy"
        ),
        # a measure word parts no phrase
        pytest.param("开个小饭馆要办什么许可证", "食品经营许可", "饭馆", id="a-measure-word"),
        # no colloquial phrase takes the first character of 婚姻登记 (办婚 was one)
        pytest.param("我要办婚姻登记", "婚姻登记", "结婚", id="marriage-registration"),
    ],
)
def test_shipped_synonyms_are_read_whole(
    normalizer: Normalizer, text: str, present: str, absent: str
) -> None:
    text_seen = normalizer.normalize(text).text
    assert present in text_seen
    assert absent not in text_seen


# -- subjects named ---------------------------------------------------------------------------

#: 居住证 is a subject; 材料 and 补领 are steps of any matter (a follow-up phrase and a request
#: cue say so), though the synonyms know them too.
NAMED = LexiconSet.from_entries(
    {
        Bank.SYNONYMS: [
            Entry("居住证", "居住证=暂住证"),
            Entry("材料", "材料=资料"),
            Entry("补领", "补领=补办"),
        ],
        Bank.ELEMENTS: [Entry("materials", "要带什么资料")],
        Bank.REQUEST_CUES: [Entry("action", "补办")],
        Bank.STOPWORDS: [Entry("怎么")],
    }
)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param("暂住证怎么补办", ("居住证",), id="a-subject-beside-a-step"),
        pytest.param("要带什么资料", (), id="a-follow-up-names-none"),
        pytest.param("怎么补办", (), id="a-request-cue-names-none"),
        pytest.param("信用卡怎么补办", (), id="a-word-no-synonym-knows"),
    ],
)
def test_named_holds_the_subjects_a_synonym_knows(text: str, named: tuple[str, ...]) -> None:
    assert Normalizer(NAMED).load().normalize(text).named == named


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param("单位让我开个良民证去哪开", "无犯罪记录证明", id="a-colloquial-subject"),
        pytest.param("新房子要通自来水找谁", "用水报装", id="a-utility"),
        pytest.param("办居住证要带什么材料", "居住证", id="a-subject-not-its-materials"),
    ],
)
def test_shipped_subjects_are_named(normalizer: Normalizer, text: str, named: str) -> None:
    assert named in normalizer.normalize(text).named


@pytest.mark.parametrize(
    "text", ["需要带什么材料", "在哪里办理", "补办要多少钱", "要多久", "怎么申请", "能不能网上办"]
)
def test_shipped_steps_name_no_subject(normalizer: Normalizer, text: str) -> None:
    assert normalizer.normalize(text).named == ()


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        # the fillers are words of the pinyin reader too, after the hall's own: 我想 办, 一下
        pytest.param("wo xiang ban juzhuzheng", "我想办居住证", id="not-我相伴"),
        pytest.param("wo xiang wen yixia shebaoka", "我想问一下社保卡", id="not-以下"),
        pytest.param("wo xiang zhidao hukou", "我想知道户口", id="not-向指导"),
    ],
)
def test_fillers_read_pinyin_as_said(normalizer: Normalizer, query: str, plain: str) -> None:
    assert normalizer.normalize(query).plain == plain


#: 办婚 is 结婚登记 where it ends, but not where its 婚 starts 婚姻 (one of our words); 坏了 is
#: ours too, yet a particle ends it, so 卡坏 is still found before 了. 车站 is no phrase inside
#: 火车站, a word of jieba's that begins before it, but is one after 汽 (汽车站 is no word).
CROSSING = LexiconSet.from_entries(
    {
        Bank.SYNONYMS: [Entry("婚姻登记", "婚姻登记=婚姻"), Entry("损坏", "损坏=坏了")],
        Bank.COLLOQUIAL: [
            Entry("办婚", "结婚登记"),
            Entry("卡坏", "换卡"),
            Entry("车站", "客运站"),
        ],
        Bank.PARTICLES: [Entry("了")],
    }
)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        pytest.param("我要办婚姻登记", "婚姻登记", "结婚登记", id="not-through-a-word"),
        pytest.param("我想去办婚", "结婚登记", "婚姻登记", id="at-the-end"),
        pytest.param("社保卡坏了", "换卡", "损坏", id="a-particle-after"),
        pytest.param("怎么去广州火车站", "火车站", "客运站", id="not-the-tail-of-a-word"),
        pytest.param("怎么去长途车站", "客运站", "火车", id="after-no-word"),
    ],
)
def test_a_colloquial_phrase_stops_at_a_word(text: str, present: str, absent: str) -> None:
    seen = Normalizer(CROSSING).load().normalize(text).text
    assert present in seen
    assert absent not in seen


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # two-character homophone typos of the hall's words, between lone characters
        pytest.param("门诊费用怎么报消", "门诊费用怎么报销", id="报消"),
        pytest.param("养老金怎么申岭", "养老金怎么申领", id="申岭"),
        pytest.param("驾驶证怎么补半", "驾驶证怎么补办", id="补半"),
        pytest.param("个体户要办执招吗", "个体户要办执照吗", id="执招"),
        # a negation is never a typo (不办 is not 补办), nor a character of a word (证明)
        pytest.param("不办居住证可以吗", "不办居住证可以吗", id="negation"),
        pytest.param("怎么开无车证明", "怎么开无车证明", id="inside-a-word"),
        pytest.param("帮我编一个睡前故事", "帮我编一个睡前故事", id="not-a-hall-word"),
    ],
)
def test_two_character_typos(normalizer: Normalizer, text: str, plain: str) -> None:
    assert normalizer.normalize(text).plain == plain


# a follow-up -> the words that may name what it is about: no steps of a matter, no single
# characters
TOPIC_WORDS = [
    ("离婚要带什么", ("离婚",)),
    ("户口本丢了可以办吗", ("居民户口簿",)),  # 补领 and 办理 are steps
    ("在哪交钱", ()),
    ("要带什么材料", ()),
    ("多久能拿到证", ()),
    ("小孩能办吗", ("子女",)),
]


@pytest.mark.parametrize(("text", "words"), TOPIC_WORDS)
def test_topic_words_leave_out_the_steps_of_any_matter(
    normalizer: Normalizer, text: str, words: tuple[str, ...]
) -> None:
    assert normalizer.topic_words(text) == words
