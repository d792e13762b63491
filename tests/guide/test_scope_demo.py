"""Where the guide's scope ends, with the real encoder over the demo catalogue (marked slow).

The questions are ours, written for this table: none is an example of the shipped bank
``out_of_scope`` nor of the calibration or benchmark sets.
"""

from __future__ import annotations

import pytest

from hall.guide import Decision, Engine, Reason
from hall.lexicons import Bank, Entry, add_entries, remove_entries

pytestmark = pytest.mark.slow

OUT = [
    "中通快递几点来取件",
    "招行信用卡额度太低了",
    "洗碗机哪个牌子好",
    "猫砂盆多久清理一次",
    "手机壳在哪买",
    "这个快递寄到国外要多久",
]
#: Sharing a matter's words (护照, 结婚) but nearer a question the hall does not answer.
NEAR_A_MATTER = ["护照的照片哪里拍得好看", "结婚请客去哪家酒楼好"]
IN = [
    "驾照丢了",
    "公积金怎么取",
    "父母退休了养老金怎么领",
    "医保卡能给家人买药吗",
    "公积金贷款买房划算吗",
]


@pytest.mark.parametrize("query", OUT)
def test_out_of_scope_is_declined(demo_engine: Engine, query: str) -> None:
    assert demo_engine.ask(query).decision is Decision.NONE


@pytest.mark.parametrize("query", NEAR_A_MATTER)
def test_near_a_matter_but_out_of_scope(demo_engine: Engine, query: str) -> None:
    answer = demo_engine.ask(query)
    assert (answer.decision, answer.reason) == (Decision.NONE, Reason.OUT_OF_SCOPE)
    assert answer.scope is not None
    assert answer.scope.example


@pytest.mark.parametrize("query", IN)
def test_in_scope_is_not_declined(demo_engine: Engine, query: str) -> None:
    assert demo_engine.ask(query).decision is not Decision.NONE


def test_an_example_taught_at_run_time_declines_its_neighbours(demo_engine: Engine) -> None:
    """The back office's "teach: out of scope" adds questions to the bank; their neighbours are
    declined from the next snapshot on."""
    question = "快递把护照弄丢了谁来赔"
    assert demo_engine.ask(question).decision is Decision.ANSWER  # 护照 on its own
    taught = [Entry("快递弄丢了东西谁来赔偿"), Entry("寄的东西被快递公司弄丢了怎么索赔")]
    add_entries(demo_engine.store, Bank.OUT_OF_SCOPE, taught, by="admin")
    try:
        demo_engine.refresh()
        answer = demo_engine.ask(question)
        assert (answer.decision, answer.reason) == (Decision.NONE, Reason.OUT_OF_SCOPE)
        assert demo_engine.ask("护照过期了怎么换").decision is Decision.ANSWER
    finally:
        remove_entries(demo_engine.store, Bank.OUT_OF_SCOPE, taught, by="admin")
        demo_engine.refresh()
