"""The request clause of a long story, pinned by a table: question → the clause searched too.

The reader is built from the shipped bank ``request_cues``; the last tests teach it other words.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.guide.clauses import LONG_QUESTION, ClauseReader
from hall.lexicons import Bank, shipped_entries

READER = ClauseReader.build((e.term, e.value) for e in shipped_entries(Bank.REQUEST_CUES))


def request_clause(question: str) -> str | None:
    return READER.request_clause(question)


TABLE = [
    # The request ends the story.
    (
        "我老家在外省，今年来广安打工租了房子，孩子还要在这边上学，听说要先办个居住证，请问去哪里办",
        "听说要先办个居住证请问去哪里办",
    ),
    # An action asked for outweighs a question about materials.
    (
        "媳妇上个月生了老二，出生证已经拿到了，现在想去派出所给孩子上户口，要带什么",
        "现在想去派出所给孩子上户口",
    ),
    # Two actions in one clause beat the clauses that only tell.
    (
        "昨天坐公交的时候钱包被偷了，里面有身份证和社保卡，社保卡里还有钱，怕被别人刷，想先去挂失再补办",
        "怕被别人刷想先去挂失再补办",
    ),
    # A clause that names no topic ("请问在哪办") takes the clause before it.
    (
        "我们车间昨天有个工人操作机器把手弄伤了，老板让我去社保那边先备个案，请问在哪办",
        "老板让我去社保那边先备个案请问在哪办",
    ),
    # The negation stays in the whole question; the clause asks.
    (
        "我不是本地户口，在这边工作了三年多了，想问问能不能在这边办理居住证",
        "想问问能不能在这边办理居住证",
    ),
    # Short: read whole.
    ("身份证丢了怎么补办", None),
    ("我不是本地户口，能不能办居住证", None),
    # One clause, however long.
    ("我今年刚满十八岁暑假想去学开车考个小型汽车的驾照请问第一次申领驾驶证怎么弄", None),
    # No clause asks anything.
    ("我不是本地户口，在这边买了房子，孩子明年上小学，今天天气很好，心情不错，谢谢你", None),
    # The request needs every clause before it: that is the whole question.
    ("我们家那个在外地上大学的孩子，户口", None),
    ("请问请问请问请问请问请问请问请问，在哪办", None),
]


@pytest.mark.parametrize(("question", "clause"), TABLE)
def test_request_clause(question: str, clause: str | None) -> None:
    assert request_clause(question) == clause


@given(st.text(max_size=80))
def test_the_clause_is_shorter_than_the_question_and_made_of_it(question: str) -> None:
    clause = request_clause(question)
    if clause is None:
        return
    assert len(question.strip()) > LONG_QUESTION
    assert len(clause) < len(question)
    assert set(clause) <= set(question)


OURS = "我们公司在这边经营了五年多，去年法人变了，今年业务扩大了，听说营业执照得重新弄一下"


def test_a_cue_the_admin_teaches_marks_the_clause() -> None:
    """No shipped cue asks in this story ("弄一下" is not one): it is read whole. Taught as an
    action, the clause that holds it is searched too."""
    assert request_clause(OURS) is None
    taught = ClauseReader.build(
        [*((e.term, e.value) for e in shipped_entries(Bank.REQUEST_CUES)), ("action", "弄一下")]
    )
    assert taught.request_clause(OURS) == "听说营业执照得重新弄一下"


CUE_TABLE = [
    # (entries, question, clause)
    ([], TABLE[0][0], None),  # an emptied bank: every question is read whole
    ([("filler", "请问"), ("filler", "办")], TABLE[0][0], None),  # fillers alone ask nothing
    # An action counts double: the clause with one action beats the clause with one cue.
    (
        [("action", "补办"), ("cue", "怎么")],
        "我的驾驶证不见了想要补办一下，另外问一下护照怎么样了",
        "我的驾驶证不见了想要补办一下",
    ),
    # A word under two kinds counts for the larger, so the same table as an action.
    (
        [("cue", "补办"), ("action", "补办"), ("cue", "怎么")],
        "我的驾驶证不见了想要补办一下，另外问一下护照怎么样了",
        "我的驾驶证不见了想要补办一下",
    ),
    # As a plain cue it ties with "怎么": the later clause wins.
    (
        [("cue", "补办"), ("cue", "怎么")],
        "我的驾驶证不见了想要补办一下，另外问一下护照怎么样了",
        "另外问一下护照怎么样了",
    ),
    # Words are matched as written, not as patterns.
    ([("action", "a.b")], "我们家里面的情况比较复杂一些，想问问axb的事情怎么弄", None),
]


@pytest.mark.parametrize(("entries", "question", "clause"), CUE_TABLE)
def test_the_reader_follows_its_bank(
    entries: list[tuple[str, str]], question: str, clause: str | None
) -> None:
    assert ClauseReader.build(entries).request_clause(question) == clause
