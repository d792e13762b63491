"""The request inside a long story: :func:`request_clause`.

A citizen who tells a story ("我老家在外省，今年来广安打工租了房子，孩子还要在这边上学，听说要先办
个居住证，请问去哪里办") puts the need in one clause and the circumstances around it. The engine
retrieves the whole question and this clause and fuses the two (``HALL_CLAUSE_WEIGHT``), so the
story still counts (a negation in it, "不是本地户口", stays with the question) but the clause that
asks weighs more than its share of the words.

The clause is the one with the most request cues (an action asked for counts double; the later
one wins a tie, since citizens end on the question), with the clauses before it joined on until it
names a topic: "请问在哪办" alone names nothing. Pure: text in, text out.
"""

from __future__ import annotations

import re

__all__ = ["LONG_QUESTION", "request_clause"]

#: Questions longer than this are read clause by clause ("about 25 characters", issue 13).
LONG_QUESTION = 25


def _words(text: str) -> list[str]:
    return text.split()


_CLAUSE = re.compile(r"[，,。；;！!？?、\s]+")
#: An action asked for: counts double.
_STRONG = _words(
    "办理 办 申请 申领 领取 挂失 注销 登记 备案 报销 开具 要带 上户口 落户 报名 补办 换领 迁移 转移"
)
#: Words that often ask, but also tell.
_WEAK = _words(
    "领 换 补 报 迁 转 交 缴 取 查 怎么 如何 怎样 咋 去哪 在哪 哪里 "
    "需要 材料 能不能 能否 可以 吗 想 打算 准备"
)
_CUES = {**dict.fromkeys(_WEAK, 1), **dict.fromkeys(_STRONG, 2)}
#: Words that name no topic: a clause of only these and cues needs the clause before it.
_FILLER = _words(
    "请问 问一下 一下 地方 怎么弄 怎么搞 什么 这边 那边 第一次 听说 现在 "
    "我 先 再 要 去 在 的 了 呢 啊 个"
)
_GENERIC = re.compile("|".join(sorted({*_CUES, *_FILLER}, key=len, reverse=True)))
#: A clause needs this many characters left, once cues and filler are out, to name a topic.
_TOPIC_CHARS = 3


def _weight(clause: str) -> int:
    return sum(weight for cue, weight in _CUES.items() if cue in clause)


def request_clause(question: str, *, longer_than: int = LONG_QUESTION) -> str | None:
    """The clause of a long question that carries its request, or ``None``.

    ``None`` when the question is not longer than ``longer_than`` characters, has a single
    clause, no clause asks anything, or the request is the whole question.
    """
    text = question.strip()
    if len(text) <= longer_than:
        return None
    parts = [part for part in _CLAUSE.split(text) if part]
    if len(parts) < 2:
        return None
    weights = [_weight(part) for part in parts]
    best = max(range(len(parts)), key=lambda i: (weights[i], i))
    if weights[best] == 0:
        return None
    clause, i = parts[best], best
    while i > 0 and len(_GENERIC.sub("", clause)) < _TOPIC_CHARS:
        i -= 1
        clause = parts[i] + clause
    return None if i == 0 and best == len(parts) - 1 else clause
