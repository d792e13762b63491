"""The normaliser: the one function that turns a question, or a matter's text, into terms.

Index build and query go through the same :meth:`Normalizer.normalize` (Haystack's single
tokenisation entry point), so a synonym or a dictionary word acts on both sides alike. Steps:

1. width, case and script: NFKC (full-width to half-width), traditional to simplified, lower case;
2. blocked words found with an Aho-Corasick automaton, also through spaces and punctuation
   (``傻 b``), and masked in everything the normaliser hands on;
3. pinyin: Latin letter runs that spell vocabulary words become those words ("gongjijin");
4. homophone typos: hanzi windows that are no word but sound like a vocabulary word and differ
   from it in one character become that word (驾使证 -> 驾驶证);
4b. colloquial wording: the citizens' phrases of the colloquial bank become the catalogue's
   wording (过世 -> 死亡, 上户口 -> 户口登记, 送外卖 -> 灵活就业), found leftmost-longest with an
   Aho-Corasick automaton, so a phrase across jieba's words ("工作没了") is found too; a
   synonym that holds such a phrase is read whole (社保断了 is no 社保损坏), and a phrase is not
   found where its last character starts one of our words (办婚姻登记 holds no 办婚);
5. segmentation with the engine's own ``jieba.Tokenizer`` and user dictionary (every synonym,
   alias and keyword is a word);
6. particles, stopwords and punctuation dropped; words that then spell a synonym together are
   one word ("新生儿怎么上户口": 新生儿上户口); synonyms mapped to their canonical form.

Beside the terms, :attr:`Normalized.plain` keeps the question as a sentence (steps 1-4 only,
without spaces and punctuation): a sentence encoder reads natural text, and dropping its
function words or swapping in canonical forms costs it meaning ("不知道从哪里申请" is not
"不从哪里申请").

Each engine owns its tokenizer: jieba's global one is shared state (its changelog records the
bug that caused).
"""

from __future__ import annotations

import copy
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from hall.background import give_way
from hall.lexicons.automaton import Match, PhraseMatcher
from hall.lexicons.banks import Bank
from hall.lexicons.lexicon_set import LexiconSet
from hall.lexicons.pinyin import (
    GENERAL_MIN_FREQ,
    PinyinDecoder,
    PinyinIndex,
    TitleContext,
    general_readings,
    single_readings,
)

__all__ = ["Fired", "Normalized", "Normalizer"]

MASK = "*"
_SPACE_OR_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_ASCII_WORD = re.compile(r"[0-9a-z]")
_ASCII_LETTER = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Fired:
    """One rewrite the normaliser made, for the explanation of a result."""

    kind: str  # "synonym", "pinyin", "homophone", "colloquial"
    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.source}→{self.target}"


@dataclass(frozen=True)
class Normalized:
    """A normalised text: what every later stage works on."""

    original: str
    masked: str  # the cleaned text with blocked words masked: safe to log and to show
    text: str  # the rewritten text without particles and stopwords, for encoders and fuzzy
    tokens: tuple[str, ...]  # the words, after synonyms, without particles and stopwords
    terms: tuple[str, ...] = ()  # the words and the dictionary words inside them, for keywords
    fired: tuple[Fired, ...] = ()
    blocked: tuple[str, ...] = ()  # categories of the blocked words found
    #: The sentence as written after steps 1-4 (masked, pinyin and homophones fixed), without
    #: spaces and punctuation: what the sentence encoder reads. "" when it has no tokens.
    plain: str = ""
    #: The tokens that name a subject our synonyms know (居住证, 无犯罪记录证明, 子女), not a
    #: step of any matter (材料, 办理地点, 补领): a sign the question is about the hall's business.
    named: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.tokens


@dataclass
class _Loaded:
    tokenizer: object
    canonical: dict[str, str]
    blocked: PhraseMatcher
    pinyin: PinyinIndex
    freq: dict[str, int]
    #: Our own words the pinyin reader prefers, and their weight (for :meth:`Normalizer.retitled`).
    reading_words: frozenset[str]
    weight: Callable[[str], float]
    colloquial: PhraseMatcher = field(default_factory=lambda: PhraseMatcher(()))
    drop: frozenset[str] = field(default_factory=frozenset)
    #: Canonical forms of the synonyms that name a subject (see :attr:`Normalized.named`).
    subjects: frozenset[str] = field(default_factory=frozenset)
    #: The words of the follow-up phrases and request cues (材料, 办理地点, 补领, 申请): steps
    #: of any matter, naming none.
    steps: frozenset[str] = field(default_factory=frozenset)


class Normalizer:
    """Builds its tokenizer, automaton and pinyin index in :meth:`load`, once."""

    def __init__(
        self,
        lexicons: LexiconSet,
        *,
        vocabulary: Iterable[str] = (),
        titles: Iterable[str] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self.lexicons = lexicons
        self.vocabulary = tuple(dict.fromkeys(w.strip() for w in vocabulary if w and w.strip()))
        #: The catalogue's titles: their words help read pinyin sentences ("kan menzhen":
        #: 门诊, not 们真) and nothing else, so that a title is never a new dictionary word.
        self.titles = tuple(dict.fromkeys(t.strip() for t in titles if t and t.strip()))
        self.cache_dir = cache_dir
        self._loaded: _Loaded | None = None
        self._title_words: dict[str, frozenset[str]] = {}  # each title's words, once cut
        self._lock = threading.Lock()

    # -- loading --------------------------------------------------------------------------

    def load(self) -> Normalizer:
        """Build the tokenizer and automata (about a second); later calls do nothing."""
        if self._loaded is not None:
            return self
        with self._lock:
            if self._loaded is None:
                # the subjects are found by reading phrases with the rest already built (a
                # normaliser is handed on only once loaded)
                self._loaded = self._build()
                steps = self._steps()
                self._loaded = replace(
                    self._loaded,
                    subjects=frozenset(self._loaded.canonical.values()) - steps,
                    steps=steps,
                )
        return self

    def _steps(self) -> frozenset[str]:
        """The words of the follow-up phrases and request cues as this normaliser reads them
        (材料, 办理地点, 补领, 申请). The synonyms' canonical forms less these name a subject."""
        steps: set[str] = set()
        for bank in (Bank.ELEMENTS, Bank.REQUEST_CUES):
            for entry in self.lexicons.bank(bank):
                steps.update(self.normalize(entry.value).tokens)
        return frozenset(steps)

    def topic_words(self, text: str) -> tuple[str, ...]:
        """The words of a text that may name what it is about: two characters or more, and no
        step of a matter. "离婚要带什么" has 离婚, "户口本丢了可以办吗" 居民户口簿 (补领 and 办理
        are steps), "在哪交钱" none."""
        steps = self.loaded.steps
        return tuple(t for t in self.normalize(text).tokens if len(t) >= 2 and t not in steps)

    def _build(self) -> _Loaded:
        import jieba

        # jieba's main dictionary is read once per process; each normaliser gets its own copy,
        # so user words added here never leak into another engine's tokenizer.
        base_freq, base_total = _base_dictionary(str(self.cache_dir) if self.cache_dir else None)
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = dict(base_freq)
        tokenizer.total = base_total
        tokenizer.initialized = True

        canonical: dict[str, str] = {}
        for members in self.lexicons.synonym_groups:
            for member in members:
                canonical.setdefault(self._clean(member), self._clean(members[0]))
        words = set(canonical) | set(canonical.values())
        for entry in self.lexicons.bank_dictionary():
            words.add(self._clean(entry))
        words.update(self._clean(w) for w in self.vocabulary)
        # A question form (能不能, 有没有, 要不要) is one word, dropped whole: cut apart, its 不能
        # or 没有 would stay behind as a negation the question never made.
        words.update(
            w
            for w in map(self._clean, self.lexicons.particles | self.lexicons.stopwords)
            if len(w) >= 3 and ("不" in w or "没" in w)
        )
        for word in sorted(w for w in words if len(w) >= 2 and " " not in w):
            give_way()  # a rebuild beside requests lets the questions in flight go first
            tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word, 0), 2000))
        # Our fillers that jieba does not know (想问, 问一下, 请问下) are words too, dropped whole:
        # cut apart, "我想问一下" leaves 问 behind and "请问下" leaves 下.
        for word in sorted(map(self._clean, self.lexicons.particles | self.lexicons.stopwords)):
            if len(word) >= 2 and " " not in word and not tokenizer.FREQ.get(word):
                tokenizer.add_word(word, freq=2000)

        blocked = PhraseMatcher(
            (self._compact(self._clean(word)), category)
            for word, category in self.lexicons.blocked.items()
        )
        freq = tokenizer.FREQ
        canonical_forms = frozenset(canonical.values())

        def weight(word: str) -> float:
            # Canonical forms first, then words jieba knows on its own: every user word has the
            # same added frequency, and a listed typo (架照) must not stand for 驾照.
            return 1e9 if word in canonical_forms else float(base_freq.get(word, 0))

        own = set(words)
        for word in self.vocabulary:
            give_way()
            own.update(t for t in tokenizer.lcut(self._clean(word), HMM=False))
        reading_words = frozenset(own)
        pinyin = PinyinIndex(reading_words, weight=weight)
        pinyin.decoder = self._decoder(tokenizer, reading_words, weight)

        drop = self.lexicons.particles | self.lexicons.stopwords
        said = {self._clean(a): self._clean(b) for a, b in self.lexicons.colloquial}
        parts = PhraseMatcher((phrase, phrase) for phrase in said)
        # A synonym that holds a colloquial phrase is read whole, not cut by that phrase's
        # rewrite: 社保断了 is 断缴, where 断了 alone is 损坏 (a card's). It is matched as itself.
        whole = {
            member: member
            for member in canonical
            if member not in said and any(m.phrase != member for m in parts.find(member))
        }
        colloquial = PhraseMatcher([*said.items(), *whole.items()])
        return _Loaded(
            colloquial=colloquial,
            tokenizer=tokenizer,
            canonical=canonical,
            blocked=blocked,
            pinyin=pinyin,
            freq=freq,
            drop=frozenset(self._clean(w) for w in drop),
            reading_words=reading_words,
            weight=weight,
        )

    def _decoder(
        self,
        tokenizer: Any,
        words: frozenset[str],
        weight: Callable[[str], float],
        segmented: Mapping[str, frozenset[str]] | None = None,
    ) -> PinyinDecoder:
        """The pinyin sentence decoder: over our own ``words`` and the words of the titles
        (``segmented``: titles already cut by this tokenizer, not cut again)."""
        base_freq, base_total = _base_dictionary(str(self.cache_dir) if self.cache_dir else None)
        # the titles' own words, not their fillers (怎么 in an FAQ title says nothing of a need)
        drop = {self._clean(w) for w in self.lexicons.particles | self.lexicons.stopwords}
        known = segmented or {}
        in_titles: Counter[str] = Counter()  # title word -> how many titles hold it
        for title in self.titles:
            cut = known.get(title)
            if cut is None:
                give_way()
                cut = frozenset(tokenizer.lcut(self._clean(title), HMM=False))
            self._title_words[title] = cut
            in_titles.update(cut)

        def reading_weight(word: str) -> float:
            # Our own words (lexicons, aliases, keywords) first: 高龄, not the place name 高陵;
            # then the words more titles hold: 药师, not 钥匙 (jieba's commoner word)
            if word in words:
                return 1e15 + weight(word)
            return in_titles[word] * 1e7 + float(base_freq.get(word, 0))

        return PinyinDecoder(
            general_readings(base_freq),
            # the fillers too, last of a sound's words: "wo xiang ban" is 我想 办, not 我 相伴
            words | in_titles.keys() | drop,
            total=float(base_total),
            weight=reading_weight,
            context=TitleContext(
                [self._clean(t) for t in self.titles],
                {
                    self._clean(t): _with_inner(self._title_words[t], words, base_freq) - drop
                    for t in self.titles
                },
                single_readings(base_freq),
            ),
        )

    def retitled(self, titles: Iterable[str]) -> Normalizer:
        """This normaliser for a catalogue with other titles. Only the pinyin decoder reads the
        titles, so a loaded normaliser shares everything else (tokenizer, synonyms, automata)
        with the new one and builds the decoder alone: a title's edit costs a fraction of a
        second, not a rebuild, and the index keeps what both read alike (:meth:`reads_alike`).
        """
        fresh = Normalizer(
            self.lexicons, vocabulary=self.vocabulary, titles=titles, cache_dir=self.cache_dir
        )
        loaded = self._loaded
        if loaded is not None:
            pinyin = copy.copy(loaded.pinyin)
            pinyin.decoder = fresh._decoder(
                loaded.tokenizer, loaded.reading_words, loaded.weight, self._title_words
            )
            fresh._loaded = replace(loaded, pinyin=pinyin)
        return fresh

    def reads_alike(self, other: Normalizer, seen: Normalized) -> bool:
        """Whether this normaliser reads a text as ``other`` did (``seen``): always when they
        are one; when one is :meth:`retitled` from the other, unless it holds Latin letters
        (they differ in reading pinyin only)."""
        if self is other:
            return True
        mine, theirs = self._loaded, other._loaded
        return (
            mine is not None
            and theirs is not None
            and mine.tokenizer is theirs.tokenizer
            and not _ASCII_LETTER.search(seen.masked)
        )

    @property
    def loaded(self) -> _Loaded:
        if self._loaded is None:
            self.load()
        assert self._loaded is not None
        return self._loaded

    # -- the steps ------------------------------------------------------------------------

    @staticmethod
    def _clean(text: str) -> str:
        """Width, script and case: the same on every side."""
        return _clean(text)

    @staticmethod
    def _compact(text: str) -> str:
        return _SPACE_OR_PUNCT.sub("", text)

    def find_blocked(self, text: str) -> list[Match]:
        """Blocked words in ``text`` (cleaned), found through spaces and punctuation too.

        Returned positions are in the cleaned text. A word of ASCII only ("sb") counts only
        between non-letters, so "usb" is no insult.
        """
        cleaned = self._clean(text)
        positions = [i for i, ch in enumerate(cleaned) if not _SPACE_OR_PUNCT.fullmatch(ch)]
        compact = "".join(cleaned[i] for i in positions)

        def standalone(match: Match) -> bool:
            if not match.phrase.isascii():
                return True
            start, end = positions[match.start], positions[match.end - 1] + 1
            before, after = cleaned[start - 1 : start], cleaned[end : end + 1]
            return not (_ASCII_LETTER.fullmatch(before) or _ASCII_LETTER.fullmatch(after))

        found = []
        for match in self.loaded.blocked.find(compact, accept=standalone):
            start, end = positions[match.start], positions[match.end - 1] + 1
            found.append(Match(start, end, cleaned[start:end], match.label))
        return found

    def compact(self, text: str) -> str:
        """Cleaned (width, script, case) and without spaces or punctuation: for exact phrases."""
        return self._compact(self._clean(text))

    def mask(self, text: str) -> str:
        """The cleaned text with every blocked word replaced by asterisks."""
        cleaned = self._clean(text)
        return _masked(cleaned, self.find_blocked(text))

    def is_filler(self, text: str, *, also: Collection[str] = ()) -> bool:
        """Whether a cleaned text holds nothing but particles, stopwords (pronouns among them)
        and the words ``also`` names: what may wrap a chit-chat phrase ("笨死了你")."""
        drop = self.loaded.drop
        return all(word in drop or word in also for word in self.segment(self._compact(text)))

    def says(self, text: str, phrases: Iterable[str]) -> bool:
        """Whether a text says one of the phrases as whole words of the engine's own
        segmentation: "我想办理低保但是活不下去了" says 活不下去了, "我想死亡登记" no 我想死
        (死亡 is one word)."""
        compact = self.compact(text)
        wanted = [phrase for phrase in phrases if phrase and phrase in compact]
        if not wanted:
            return False
        bounds, position = {0}, 0
        for word in self.segment(compact):
            position = compact.find(word, position) + len(word)
            bounds.add(position)
        for phrase in wanted:
            start = compact.find(phrase)
            while start != -1:
                if start in bounds and start + len(phrase) in bounds:
                    return True
                start = compact.find(phrase, start + 1)
        return False

    def segment(self, text: str) -> list[str]:
        """Words of an already cleaned text, with the engine's own dictionary."""
        return [w for w in self.loaded.tokenizer.lcut(text, HMM=False) if w.strip()]  # type: ignore[attr-defined]

    def normalize(self, text: str) -> Normalized:
        """Normalise a question or a matter text. Any string is accepted; "" gives no tokens."""
        loaded = self.loaded
        cleaned = self._clean(text)
        blocked = self.find_blocked(text)
        masked = _masked(cleaned, blocked)
        fired: list[Fired] = []

        rewritten, changes = loaded.pinyin.letters(masked)
        fired += [Fired("pinyin", a, b) for a, b in changes]
        rewritten, changes = loaded.pinyin.homophones(
            rewritten, is_word=self._is_word, lone=self._lone
        )
        fired += [Fired("homophone", a, b) for a, b in changes]
        rewritten, changes = _rewrite(
            rewritten,
            loaded.colloquial,
            # one of our words, and not one that a particle ends (坏了 ends 损坏 well)
            is_word=lambda w: w in loaded.reading_words and w[-1] not in loaded.drop,
            within=self._is_word,
        )
        fired += [Fired("colloquial", a, b) for a, b in changes]

        tokens: list[str] = []
        words = self.segment(rewritten)
        kept = [
            word
            for word in words
            if not (_SPACE_OR_PUNCT.fullmatch(word) or MASK in word)
            and word not in loaded.drop
            and loaded.canonical.get(word, word) not in loaded.drop
        ]
        for word in _rejoined(kept, loaded.canonical):
            target = loaded.canonical.get(word, word)
            if target != word:
                fired.append(Fired("synonym", word, target))
            tokens.append(target)
        return Normalized(
            original=text,
            masked=masked,
            text=_join(tokens),
            tokens=tuple(tokens),
            terms=self._terms(tokens),
            fired=tuple(dict.fromkeys(fired)),
            blocked=tuple(dict.fromkeys(m.label for m in blocked)),
            plain=_join(c for w in words if MASK not in w and (c := self._compact(w)))
            if tokens
            else "",
            named=tuple(dict.fromkeys(t for t in tokens if t in loaded.subjects)),
        )

    def _terms(self, tokens: list[str]) -> tuple[str, ...]:
        """Each word, and the dictionary words of two or three characters inside a longer one.

        "结婚登记" also yields 结婚 and 登记, so "结婚" finds it (jieba's search mode, done on
        our own words after synonyms).
        """
        freq = self.loaded.freq
        terms: list[str] = []
        for token in tokens:
            terms.append(token)
            if len(token) > 2:
                for size in (2, 3):
                    for start in range(len(token) - size + 1):
                        part = token[start : start + size]
                        if part != token and freq.get(part, 0) > 0:
                            terms.append(part)
        return tuple(terms)

    def _is_word(self, text: str) -> bool:
        return self.loaded.freq.get(text, 0) > 0

    def _lone(self, chars: str) -> frozenset[int]:
        """Where the segmentation of a run of hanzi leaves a content character on its own (no
        particle, stopword or negation): the places a two-character homophone typo may be
        read. 不办 is no typo of 补办."""
        loaded, found, position = self.loaded, set(), 0
        for word in self.segment(chars):
            if len(word) == 1 and word not in loaded.drop and word not in _NEGATIONS:
                found.add(position)
            position += len(word)
        return frozenset(found)


#: Characters that deny what follows: never read as a typo of another character.
_NEGATIONS = frozenset("不没无非未别莫勿")

_BASE_LOCK = threading.Lock()
_BASE: tuple[dict[str, int], int] | None = None


def _base_dictionary(cache_dir: str | None) -> tuple[dict[str, int], int]:
    """jieba's main dictionary (word -> frequency, total), loaded once per process."""
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            import jieba

            jieba.setLogLevel(60)
            loader = jieba.Tokenizer()
            if cache_dir is not None:
                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                loader.tmp_dir = cache_dir
            loader.initialize()
            _BASE = (loader.FREQ, loader.total)
        return _BASE


def _with_inner(
    words: Collection[str], own: Collection[str], general: Mapping[str, int]
) -> frozenset[str]:
    """Words, and the words of two to four characters inside them (户口 in 户口迁移)."""
    found = set(words)
    for word in words:
        for size in range(2, min(4, len(word) - 1) + 1):
            for i in range(len(word) - size + 1):
                inner = word[i : i + size]
                if inner in own or general.get(inner, 0) >= GENERAL_MIN_FREQ:
                    found.add(inner)
    return frozenset(found)


def _rejoined(words: list[str], canonical: Mapping[str, str], *, span: int = 3) -> list[str]:
    """Adjacent words that spell a synonym together, once the fillers between them are gone,
    read as that synonym: "新生儿怎么上户口" is 新生儿上户口 (出生登记), not 新生儿 and 落户.
    Leftmost-longest, at most ``span`` words."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + span), i + 1, -1):
            joined = "".join(words[i:j])
            if joined in canonical:
                out.append(joined)
                i = j
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _rewrite(
    text: str,
    phrases: PhraseMatcher,
    *,
    is_word: Callable[[str], bool] = lambda _: False,
    within: Callable[[str], bool] = lambda _: False,
) -> tuple[str, list[tuple[str, str]]]:
    """Each phrase found (leftmost-longest) replaced by its label; the changes made.

    A phrase inside its own label, as written ("公积金" in "住房公积金"), is left alone, and so
    is one labelled with itself (a synonym read whole, see ``_build``). A phrase whose last
    character makes one of our words (``is_word``) with the next one is not found there:
    "办婚姻登记" holds no 办婚 (婚姻). Nor is one that ends a longer dictionary word begun
    before it (``within``, up to six characters): "火车站" holds no 车站, "天秤座" no 秤.
    """

    def whole(match: Match) -> bool:
        start, end = match.start, match.end
        if end < len(text) and is_word(text[end - 1 : end + 1]):
            return False
        return not any(
            within(text[left:right])
            for left in range(max(0, start - 3), start)
            for right in range(end, min(len(text), left + 6) + 1)
        )

    found = [
        m for m in phrases.find(text, accept=whole) if m.label != m.phrase and not _inside(text, m)
    ]
    if not found:
        return text, []
    out, position = [], 0
    for match in found:
        out += [text[position : match.start], match.label]
        position = match.end
    out.append(text[position:])
    return "".join(out), [(m.phrase, m.label) for m in found]


def _inside(text: str, match: Match) -> bool:
    """Whether the text around a match already is the match's label."""
    label, size = match.label, match.end - match.start
    return any(
        text.startswith(label, match.start - offset)
        for offset in range(max(0, len(label) - size) + 1)
        if match.start - offset >= 0 and label[offset : offset + size] == match.phrase
    )


def _masked(cleaned: str, found: list[Match]) -> str:
    if not found:
        return cleaned
    chars = list(cleaned)
    for match in found:
        for i in range(match.start, match.end):
            if not _SPACE_OR_PUNCT.fullmatch(chars[i]):
                chars[i] = MASK
    return "".join(chars)


def _join(tokens: Iterable[str]) -> str:
    out = ""
    for token in tokens:
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(token[0]):
            out += " "
        out += token
    return out


_T2S: Any = None


@lru_cache(maxsize=1 << 16)
def _clean(text: str) -> str:
    """Width, script and case. Remembered: the lexicons' words are cleaned again at every
    rebuild of the snapshot, and citizens ask the same things (opencc is pure Python)."""
    global _T2S
    if _T2S is None:
        from opencc import OpenCC

        _T2S = OpenCC("t2s")
    text = unicodedata.normalize("NFKC", text)
    return str(_T2S.convert(text)).lower().strip()
