"""The request clause of a long story, pinned by a table: question → the clause searched too."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.guide.clauses import LONG_QUESTION, request_clause

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
