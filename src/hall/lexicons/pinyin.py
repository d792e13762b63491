"""Pinyin and homophone tolerance: "gongjijin" -> 公积金, 驾使证 -> 驾驶证.

A :class:`PinyinIndex` maps the toneless pinyin of every vocabulary word to the word. Letter runs
in a question are split into known pinyin words; hanzi windows that are no known word but sound
like one (and differ from it in at most one character) are replaced by it.

A run the vocabulary alone cannot spell ("gongzuo meile zenme ling shiye baoxianjin") is decoded
as a sentence by :class:`PinyinDecoder`: the cheapest path over the splits of its letters into
words of the hall's vocabulary (its lexicons, aliases, keywords and the words of its titles) and
of jieba's general dictionary, each word costing the negative log of its frequency (the
vocabulary's words weighing as common words), so the splits and the homophones that read most
naturally win (an input method's unigram model). The citizen's spaces count where they part
words rather than syllables: a word crossing one spans whole chunks.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from hall.background import give_way

__all__ = [
    "PinyinDecoder",
    "PinyinIndex",
    "TitleContext",
    "char_pinyin",
    "general_readings",
    "single_readings",
    "typed_breaks",
]

_LETTERS = re.compile(r"[a-z]+(?:\s+[a-z]+)*")
_HANZI = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=65536)
def char_pinyin(char: str) -> str:
    """Toneless pinyin; a hanzi pypinyin has no reading for (兙, 龦) stands for itself."""
    if not char:
        return ""
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return reading[0] if reading else char


def word_pinyin(word: str) -> str:
    return "".join(char_pinyin(c) for c in word)


#: Words of jieba's dictionary read for decoding: at most four hanzi and this frequent (single
#: characters whatever their frequency); about 30,000 words, read once per process (~2 s).
GENERAL_MIN_FREQ = 100
_READINGS_LOCK = threading.Lock()
_READINGS: dict[int, dict[str, tuple[str, float]]] = {}
_SINGLES: dict[int, dict[str, tuple[str, ...]]] = {}


def general_readings(freq: Mapping[str, int]) -> dict[str, tuple[str, float]]:
    """Toneless pinyin -> (the most frequent word of that sound, its frequency), over a jieba
    frequency table; computed once per table and process."""
    with _READINGS_LOCK:
        key = id(freq)
        if key not in _READINGS:
            found: dict[str, tuple[str, float]] = {}
            for word, count in freq.items():
                if not count or len(word) > 4 or not _HANZI.fullmatch(word):
                    continue
                if len(word) > 1 and count < GENERAL_MIN_FREQ:
                    continue
                reading = "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))
                if reading and (reading not in found or found[reading][1] < count):
                    found[reading] = (word, float(count))
            _READINGS[key] = found
        return _READINGS[key]


def single_readings(freq: Mapping[str, int]) -> dict[str, tuple[str, ...]]:
    """Toneless pinyin -> the single characters of that sound jieba knows this often
    (``GENERAL_MIN_FREQ``), commonest first; computed once per table and process."""
    with _READINGS_LOCK:
        key = id(freq)
        if key not in _SINGLES:
            found: dict[str, list[tuple[int, str]]] = {}
            for char, count in freq.items():
                if len(char) == 1 and count >= GENERAL_MIN_FREQ and _HANZI.fullmatch(char):
                    found.setdefault(char_pinyin(char), []).append((-count, char))
            _SINGLES[key] = {r: tuple(c for _, c in sorted(cs)) for r, cs in found.items()}
        return _SINGLES[key]


class TitleContext:
    """Which character a lone syllable stands for, read from the titles around the question's
    other words: beside 户口, "qian" is 迁 (户口迁移, 户口迁出), not jieba's commonest 前; beside
    失业保险金, "ling" is 领, not 另. An input method's context, from the hall's own catalogue.
    """

    #: The share of a context word's titles that must hold a character for it to win, and its
    #: lead over the character the decoder chose.
    MIN_SHARE = 0.15
    MIN_LEAD = 0.1
    MAX_WORD = 6
    #: Words whose neighbouring characters are kept (each a few hundred floats at most).
    CACHE = 4096

    def __init__(
        self,
        titles: Sequence[str],
        words: Mapping[str, Iterable[str]],
        singles: Mapping[str, Sequence[str]],
    ) -> None:
        self.titles = tuple(titles)
        holding: dict[str, list[int]] = {}
        for i, title in enumerate(self.titles):
            for word in words.get(title, ()):
                if len(word) >= 2:
                    holding.setdefault(word, []).append(i)
        self.holding = {word: tuple(ids) for word, ids in holding.items()}
        self.singles = singles
        self._cache: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def words_in(self, text: str) -> list[str]:
        """The title words (two characters or more) written in ``text``."""
        found = []
        for run in _HANZI.findall(text):
            for size in range(2, min(self.MAX_WORD, len(run)) + 1):
                found += [
                    run[i : i + size]
                    for i in range(len(run) - size + 1)
                    if run[i : i + size] in self.holding
                ]
        return list(dict.fromkeys(found))

    def _beside(self, word: str) -> dict[str, float]:
        """Character -> the share of ``word``'s titles that hold it outside the word; computed
        once per word (a common word's thousand titles are read once, not per question)."""
        found = self._cache.get(word)
        if found is None:
            ids = self.holding[word]
            counts: Counter[str] = Counter()
            for i in ids:
                counts.update(set(self.titles[i].replace(word, " ")))
            found = {char: count / len(ids) for char, count in counts.items()}
            with self._lock:  # its own: a question never waits on a rebuild's readings
                if len(self._cache) >= self.CACHE:
                    self._cache.clear()
                self._cache[word] = found
        return found

    def _share(self, char: str, near: Sequence[str]) -> float:
        """The largest share of a near word's titles that hold ``char`` beside it (a character
        of the word itself says nothing: 保 in 医疗保险)."""
        return max(
            (self._beside(word).get(char, 0.0) for word in near if char not in word), default=0.0
        )

    def pick(self, char: str, near: Sequence[str]) -> str:
        """The character of ``char``'s sound the titles of the ``near`` words hold most, when it
        clearly leads; else ``char``."""
        if not near:
            return char
        chosen, share = char, self._share(char, near)
        best, top = chosen, share
        for other in self.singles.get(char_pinyin(char), ()):
            if other != char and (value := self._share(other, near)) > top:
                best, top = other, value
        if top >= self.MIN_SHARE and top - share >= self.MIN_LEAD:
            return best
        return chosen


class PinyinDecoder:
    """Toneless pinyin sentences to hanzi: the cheapest split into known words (see above)."""

    #: A vocabulary word costs at most what a word this frequent costs in the general dictionary.
    VOCABULARY_FREQ = 50_000.0

    def __init__(
        self,
        general: Mapping[str, tuple[str, float]],
        vocabulary: Iterable[str],
        *,
        total: float,
        weight: Callable[[str], float] | None = None,
        context: TitleContext | None = None,
    ) -> None:
        self.total = max(total, 1.0)
        self.context = context
        table: dict[str, tuple[str, float]] = {
            reading: (word, self._cost(count)) for reading, (word, count) in general.items()
        }
        # Of the hall's words sharing a sound, the heaviest (``weight``; then the first by code
        # point, the same in every process) takes it: 身份证, not a catalogue's odd 身分证.
        own: dict[str, tuple[float, str]] = {}
        for word in set(vocabulary):
            if len(word) >= 2 and _HANZI.fullmatch(word):
                reading, rank = word_pinyin(word), (-(weight(word) if weight else 0.0), word)
                if reading not in own or rank < own[reading]:
                    own[reading] = rank
        boost = self._cost(self.VOCABULARY_FREQ)
        for reading, (_, word) in own.items():
            # the hall's own word wins its sound over a general homophone
            current = table.get(reading)
            table[reading] = (word, boost if current is None else min(boost, current[1]))
        self.table = table
        self._max_key = max((len(k) for k in table), default=0)

    def _cost(self, count: float) -> float:
        return -math.log(max(count, 1.0) / self.total)

    def decode(self, letters: str, breaks: Collection[int] = ()) -> list[str] | None:
        """The cheapest words spelling ``letters`` (no spaces), or None if none can; a word
        crossing one of the ``breaks`` (offsets into ``letters``, see :func:`typed_breaks`)
        spans whole chunks."""
        n = len(letters)
        if not n:
            return None
        best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        for start, end in _spans(n, self._max_key, breaks):
            head = best[start]
            found = self.table.get(letters[start:end])
            if head is None or found is None:
                continue
            cost = head[0] + found[1]
            current = best[end]
            if current is None or cost < current[0]:
                best[end] = (cost, [*head[1], found[0]])
        last = best[n]
        return None if last is None else last[1]


def _spans(n: int, longest: int, breaks: Collection[int]) -> Iterator[tuple[int, int]]:
    """The (start, end) of every word a split of ``n`` letters may hold, by ascending end (the
    order a best-path search fills its table in): at most ``longest`` letters, and keeping to
    the typed ``breaks``: inside one chunk, or spanning whole chunks ("shiye baoxianjin":
    失业保险金; "tuiwu baodao": no 五保)."""
    edges = {0, n, *breaks}
    floor = 0  # the last break before ``end``
    for end in range(1, n + 1):
        if end - 1 in breaks:
            floor = end - 1
        for start in range(max(0, end - longest), end):
            if start >= floor or (start in edges and end in edges):
                yield start, end


def typed_breaks(chunks: Sequence[str]) -> frozenset[int]:
    """Where the citizen's spaces fall in the letters run together, when they part words
    ("tuiwu baodao": 退伍 报到, never 退 五保 到); none when every chunk is one syllable
    ("ge ren suo de shui": the spaces part syllables, not words)."""
    if len(chunks) < 2 or all(_syllables(chunk) == 1 for chunk in chunks):
        return frozenset()
    offsets, position = set(), 0
    for chunk in chunks[:-1]:
        position += len(chunk)
        offsets.add(position)
    return frozenset(offsets)


class PinyinIndex:
    """Toneless pinyin of vocabulary words (two or more hanzi) -> the word."""

    MAX_WINDOW = 6
    #: Two-character windows are read only between characters the sentence's segmentation
    #: leaves alone (``lone`` in :meth:`homophones`): one changed character is half the word,
    #: and a character of a word misfires (无车证明 is no typo of 扯证, 春天的诗 of 的士).
    MIN_WINDOW = 3

    def __init__(
        self,
        vocabulary: Iterable[str],
        *,
        weight: Callable[[str], float],
        decoder: PinyinDecoder | None = None,
    ) -> None:
        self.decoder = decoder
        found: dict[str, list[tuple[float, str]]] = {}
        for word in set(vocabulary):
            give_way()  # a rebuild beside requests lets the questions in flight go first
            if len(word) >= 2 and _HANZI.fullmatch(word):
                found.setdefault(word_pinyin(word), []).append((-weight(word), word))
        # Every word of a sound, the heaviest first; ties go by the word, so that every process
        # agrees whatever the order of the set handed in (string hashes are salted).
        self.candidates = {key: [w for _, w in sorted(words)] for key, words in found.items()}
        self.words = {key: words[0] for key, words in self.candidates.items()}
        self.known = {w for words in self.candidates.values() for w in words}
        self._max_key = max((len(k) for k in self.words), default=0)

    def letters(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Replace runs of Latin letters that spell vocabulary words; return text and changes.

        A lone syllable the sentence decoder read as jieba's commonest character is read again
        beside the question's other words (:class:`TitleContext`)."""
        runs: list[tuple[str, list[str] | None]] = []

        def decode(match: re.Match[str]) -> str:
            run = match.group(0)
            words = self._words(run)
            runs.append((run, words))
            return run if words is None else "".join(words)

        draft = _LETTERS.sub(decode, text)
        context = None if self.decoder is None else self.decoder.context
        if context is not None and any(w and any(len(x) == 1 for x in w) for _, w in runs):
            near = context.words_in(draft)
            runs = [
                (
                    run,
                    None
                    if words is None
                    else [context.pick(w, near) if len(w) == 1 else w for w in words],
                )
                for run, words in runs
            ]
        changes: list[tuple[str, str]] = []
        decoded = iter(runs)

        def replace(match: re.Match[str]) -> str:
            run, words = next(decoded)
            if words is None:
                return run
            hanzi = "".join(words)
            changes.append((run, hanzi))
            return hanzi

        return _LETTERS.sub(replace, text), changes

    def _words(self, run: str) -> list[str] | None:
        """The words a run of letters reads as, or None."""
        chunks = run.split()
        letters, breaks = "".join(chunks), typed_breaks(chunks)
        # the hall's words first, where they can, along the citizen's spaces if they can
        words = self._split(letters, breaks)
        if words is None and breaks:
            words = self._split(letters)
        if words is None and self.decoder is not None and _syllables(letters) >= 2:
            words = self.decoder.decode(letters, breaks)
            if words is None and breaks:
                words = self.decoder.decode(letters)
        return words

    def _split(self, letters: str, breaks: Collection[int] = ()) -> list[str] | None:
        """The fewest vocabulary words whose pinyin spells ``letters`` exactly, if any, keeping
        to the ``breaks`` as :meth:`PinyinDecoder.decode` does."""
        n = len(letters)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for start, end in _spans(n, self._max_key, breaks):
            head = best[start]
            word = self.words.get(letters[start:end])
            if head is not None and word is not None:
                candidate = [*head, word]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
        return best[n]

    def homophones(
        self,
        text: str,
        *,
        is_word: Callable[[str], bool],
        lone: Callable[[str], Collection[int]] | None = None,
    ) -> tuple[str, list[tuple[str, str]]]:
        """Replace hanzi windows that are no word but sound like a vocabulary word.

        ``lone`` gives the positions of a run of hanzi that its segmentation leaves as single
        content characters: a two-character window is read where both are (发漂 -> 发票,
        申零 -> 申领), never without it."""
        changes: list[tuple[str, str]] = []
        if not self.words:
            return text, changes
        out: list[str] = []
        last = 0
        for run in _HANZI.finditer(text):
            chars = run.group(0)
            sounds = [char_pinyin(c) for c in chars]
            alone = lone(chars) if lone is not None else ()
            i = 0
            while i < len(chars):
                replaced = False
                smallest = 2 if i in alone and i + 1 in alone else self.MIN_WINDOW
                for size in range(min(self.MAX_WINDOW, len(chars) - i), smallest - 1, -1):
                    window = chars[i : i + size]
                    if window in self.known or is_word(window):
                        continue
                    # the heaviest word of that sound one character away, not only the
                    # heaviest of the sound (驾驶症: not 驾使证, two away, but 驾驶证 or 驾驶正)
                    target = next(
                        (
                            word
                            for word in self.candidates.get("".join(sounds[i : i + size]), ())
                            if len(word) == size
                            and sum(a != b for a, b in zip(window, word, strict=True)) == 1
                        ),
                        None,
                    )
                    if target is not None and _breaks_a_word(chars, i, window, target, is_word):
                        target = None
                    if target is not None:
                        out.append(text[last : run.start() + i])
                        out.append(target)
                        last = run.start() + i + size
                        changes.append((window, target))
                        i += size
                        replaced = True
                        break
                if not replaced:
                    i += 1
        out.append(text[last:])
        return "".join(out), changes


def _breaks_a_word(
    chars: str, start: int, window: str, target: str, is_word: Callable[[str], bool]
) -> bool:
    """Whether the character a correction changes is part of a word reaching past the window:
    "生育津贴" is no typo of 生育金 plus 贴, since 津贴 is a word."""
    changed = start + next(k for k, (a, b) in enumerate(zip(window, target, strict=True)) if a != b)
    end = start + len(window)
    for left in (changed - 1, changed):  # the two-character words that hold the changed one
        right = left + 2
        outside = left < start or right > end
        if left >= 0 and right <= len(chars) and outside and is_word(chars[left:right]):
            return True
    return False


_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ao|an|ei|en|er|ia|ie|in|iu|ou|"
    r"ua|uo|ui|un|ue|ve|vn|a|e|i|o|u|v)"
)


def _syllables(letters: str) -> int:
    """How many pinyin syllables a run of letters reads as greedily (0 when it cannot be
    pinyin): "ban" is one, "shebaoka" three, "usb" none."""
    count, position = 0, 0
    while position < len(letters):
        match = _SYLLABLE.match(letters, position)
        if match is None:
            return 0
        position, count = match.end(), count + 1
    return count
