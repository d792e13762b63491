"""The engine's commands: hall ask, hall eval, hall lexicon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hall.cli import app
from hall.settings import Settings

runner = CliRunner()


@pytest.fixture
def demo(env_settings: Settings) -> Settings:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    return env_settings


def test_ask_shows_decision_and_why(demo: Settings) -> None:
    result = runner.invoke(app, ["ask", "驾照丢了怎么办"])
    assert result.exit_code == 0, result.output
    assert "决定: answer" in result.output
    assert "HD-0402" in result.output
    assert "synonym: 驾照→机动车驾驶证" in result.output


def test_eval_prints_the_measures(demo: Settings, tmp_path: Path) -> None:
    rows = [
        {"query": "驾照丢了怎么办", "expected": ["HD-0402"]},
        {"query": "你好", "expected": []},
    ]
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = runner.invoke(app, ["eval", str(path)])
    assert result.exit_code == 0, result.output
    assert "top-1 100.0%" in result.output
    assert "declined 100.0%" in result.output
    assert "p50" in result.output


def test_eval_names_a_bad_line(demo: Settings, tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text('{"query": "护照", "expected": []}\nnot json\n', "utf-8")
    result = runner.invoke(app, ["eval", str(path)])
    assert result.exit_code == 1
    assert "line 2" in result.output


def test_lexicon_export_import_round_trip(demo: Settings, tmp_path: Path) -> None:
    path = tmp_path / "particles.txt"
    assert runner.invoke(app, ["lexicon", "export", "particles", str(path)]).exit_code == 0
    words = path.read_text("utf-8").split()
    assert "吗" in words
    path.write_text("\n".join([*words, "哒哒哒"]) + "\n", "utf-8")
    result = runner.invoke(app, ["lexicon", "import", "particles", str(path), "--by", "admin"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["lexicon", "export", "nope", "x.txt"], 2, id="unknown-bank"),
        pytest.param(["lexicon", "import", "synonyms", "x.txt", "-f", "nope"], 2, id="bad-format"),
        pytest.param(["lexicon", "import", "synonyms", "missing.txt"], 1, id="missing-file"),
    ],
)
def test_lexicon_errors(demo: Settings, args: list[str], code: int) -> None:
    assert runner.invoke(app, args).exit_code == code


def test_chat_talks_in_the_terminal(demo: Settings) -> None:
    result = runner.invoke(app, ["chat"], input="生育登记\n2\n\n")
    assert result.exit_code == 0, result.output
    assert "小政" in result.output  # the welcome names the guide
    assert "为您" in result.output or "生育登记" in result.output
    assert "[2] 申请材料" in result.output  # the element buttons are numbered
    assert "「生育登记」的申请材料" in result.output  # "2" pressed the second button


def test_chat_saves_each_replys_audio(
    demo: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hall.guide import Speaker

    probe = Speaker(tmp_path / "probe").start()
    if not probe.available:
        pytest.skip(f"no speech engine here: {probe.reason}")
    monkeypatch.setenv("HALL_SPEECH_ENABLED", "true")
    result = runner.invoke(app, ["chat", "--speak", str(tmp_path / "audio")], input="生育登记\n\n")
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "audio").glob("*.wav"))
    assert [f.name for f in files] == ["001.wav", "002.wav"]
    assert all(f.stat().st_size > 10_000 for f in files)
