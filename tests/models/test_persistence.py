"""The persisted index: a self-describing folder whose vector cache spares re-encoding.

build -> save -> a new index loads the cache -> builds the same matters with 0 texts encoded and
answers alike; an edit encodes only the new text; a corrupt folder raises IndexCorrupt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hall.lexicons import LexiconSet, Normalizer
from hall.models import HashingEncoder, IndexCorrupt, IndexSettings, MatterIndex, catalogue_digest
from hall.store import Matter, MatterRecord
from tests.models.conftest import NOW, make_matter

QUERIES = ["驾照丢了", "gongjijin怎么取", "身分证过期了", "护照", "结婚", "低保怎么申请", "二胎"]


class RenamedEncoder(HashingEncoder):
    """The same vectors under another name: a different model, as far as the cache knows."""

    name = "hashing-renamed"


def new_index(normalizer: Normalizer, lexicons: LexiconSet, encoder: Any = None) -> MatterIndex:
    return MatterIndex(normalizer, encoder or HashingEncoder(), lexicons_digest=lexicons.digest())


def with_question(matter: Matter, question: str) -> Matter:
    record = MatterRecord.model_validate(
        {**matter.record.to_dict(), "questions": [*matter.record.questions, question]}
    )
    return Matter(record=record, created_at=NOW, updated_at=NOW)


@pytest.fixture
def saved(
    tmp_path: Path,
    normalizer: Normalizer,
    lexicons: LexiconSet,
    demo_matters: tuple[Matter, ...],
) -> tuple[MatterIndex, Path]:
    """An index of the demo catalogue, built and saved to a fresh folder."""
    index = new_index(normalizer, lexicons)
    index.build(demo_matters)
    folder = tmp_path / "index"
    index.save(folder)
    return index, folder


def test_a_reload_encodes_nothing_and_answers_alike(
    saved: tuple[MatterIndex, Path],
    normalizer: Normalizer,
    lexicons: LexiconSet,
    demo_matters: tuple[Matter, ...],
) -> None:
    original, folder = saved
    encoder = HashingEncoder()
    reloaded = new_index(normalizer, lexicons, encoder)
    manifest = reloaded.load_cache(folder)
    assert manifest is not None
    report = reloaded.build(demo_matters)
    assert (report.encoded, encoder.encoded) == (0, 0)
    assert (report.matters, report.units) == (83, manifest["units"])
    for query in QUERIES:
        assert reloaded.search(query, k=10) == original.search(query, k=10), query
    assert encoder.encoded == len(QUERIES)  # only the queries


def test_the_manifest_describes_the_index(
    saved: tuple[MatterIndex, Path], lexicons: LexiconSet, demo_matters: tuple[Matter, ...]
) -> None:
    index, folder = saved
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [stage["name"] for stage in manifest["stages"]] == [
        "normalizer",
        "keyword",
        "char",
        "fuzzy",
        "semantic",
        "fusion",
    ]
    assert [stage["type"] for stage in manifest["stages"]] == [
        "Normalizer",
        "KeywordScorer",
        "CharScorer",
        "FuzzyScorer",
        "SemanticScorer",
        "WeightedSum",
    ]
    assert manifest["encoder"] == "hashing"
    assert manifest["stages"][4]["settings"] == {
        "floor": 0.75,
        "encoder": "hashing",
        "input": "terms",
    }
    assert manifest["stages"][5]["settings"]["signals"] == index.weights
    assert manifest["catalogue_sha256"] == catalogue_digest(demo_matters)
    assert manifest["lexicons_sha256"] == lexicons.digest()
    assert len(manifest["lexicons_sha256"]) == len(manifest["catalogue_sha256"]) == 64
    assert manifest["matters"] == 83
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", manifest["vectors"]]
    # The vectors file is named by its content and holds one vector per distinct unit text.
    with np.load(folder / manifest["vectors"]) as data:
        assert data["vectors"].shape == (len(data["keys"]), 256)
        assert len(data["keys"]) <= manifest["units"]


def test_an_edit_encodes_only_the_new_text(
    saved: tuple[MatterIndex, Path],
    normalizer: Normalizer,
    lexicons: LexiconSet,
    demo_matters: tuple[Matter, ...],
) -> None:
    _, folder = saved
    edited = [
        with_question(m, "驾驶证被狗叼走了怎么补") if m.code == "HD-0402" else m
        for m in demo_matters
    ]
    encoder = HashingEncoder()
    index = new_index(normalizer, lexicons, encoder)
    before = index.load_cache(folder)
    assert before is not None
    report = index.build(edited)
    assert (report.encoded, encoder.encoded) == (1, 1)
    assert report.units == before["units"] + 1
    assert index.search("驾驶证被狗叼走了怎么补", k=1)[0].code == "HD-0402"

    index.save(folder)
    after = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert after["catalogue_sha256"] == catalogue_digest(edited) != before["catalogue_sha256"]
    assert after["vectors"] != before["vectors"]
    assert not (folder / before["vectors"]).exists()  # the old cache is gone


def test_a_save_without_changes_keeps_the_vectors_file(saved: tuple[MatterIndex, Path]) -> None:
    index, folder = saved
    name = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["vectors"]
    mtime = (folder / name).stat().st_mtime_ns
    index.save(folder)
    assert (folder / name).stat().st_mtime_ns == mtime


def test_another_encoder_ignores_the_cache(
    saved: tuple[MatterIndex, Path],
    normalizer: Normalizer,
    lexicons: LexiconSet,
    demo_matters: tuple[Matter, ...],
) -> None:
    _, folder = saved
    encoder = RenamedEncoder()
    index = new_index(normalizer, lexicons, encoder)
    assert index.load_cache(folder) is None
    report = index.build(demo_matters)
    assert report.encoded == encoder.encoded > 0
    assert report.encoded == len({u.text for u in index._units})


def test_a_missing_folder_is_no_cache(
    tmp_path: Path, normalizer: Normalizer, lexicons: LexiconSet
) -> None:
    assert new_index(normalizer, lexicons).load_cache(tmp_path / "nowhere") is None


# -- corrupt folders ---------------------------------------------------------------------------


def manifest_of(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def write_manifest(text: str) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        (folder / "manifest.json").write_text(text, encoding="utf-8")

    return corrupt


def edit_manifest(**changes: Any) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        manifest = {**manifest_of(folder), **changes}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    return corrupt


def write_vectors(blob: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        path = folder / manifest_of(folder)["vectors"]
        path.write_bytes(blob(path.read_bytes()))

    return corrupt


def save_vectors(**arrays: Any) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        with (folder / manifest_of(folder)["vectors"]).open("wb") as handle:
            np.savez(handle, **arrays)

    return corrupt


CORRUPTIONS = [
    pytest.param(write_manifest("{"), id="manifest-truncated-json"),
    pytest.param(write_manifest(""), id="manifest-empty"),
    pytest.param(write_manifest("[]"), id="manifest-a-list"),
    pytest.param(write_manifest("null"), id="manifest-null"),
    pytest.param(edit_manifest(vectors="vectors-missing.npz"), id="vectors-file-missing"),
    pytest.param(edit_manifest(vectors=7), id="vectors-not-a-name"),
    pytest.param(edit_manifest(vectors=None), id="vectors-null"),
    pytest.param(write_vectors(lambda data: data[: len(data) // 2]), id="npz-truncated"),
    pytest.param(write_vectors(lambda data: b""), id="npz-empty"),
    pytest.param(write_vectors(lambda data: b"not a numpy file" * 8), id="npz-garbage"),
    pytest.param(save_vectors(keys=np.array(["a", "b"])), id="npz-without-vectors"),
    pytest.param(
        save_vectors(keys=np.array(["a", "b"]), vectors=np.zeros((3, 4))), id="npz-length-mismatch"
    ),
    pytest.param(save_vectors(keys=np.array(["a"]), vectors=np.zeros(4)), id="npz-vectors-1d"),
]


@pytest.mark.parametrize("corrupt", CORRUPTIONS)
def test_a_corrupt_folder_raises_index_corrupt(
    saved: tuple[MatterIndex, Path],
    normalizer: Normalizer,
    lexicons: LexiconSet,
    corrupt: Callable[[Path], None],
) -> None:
    _, folder = saved
    corrupt(folder)
    index = new_index(normalizer, lexicons)
    with pytest.raises(IndexCorrupt, match=str(folder)):
        index.load_cache(folder)
    assert index._cache == {}  # nothing half-read


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"format": 99}, id="other-format"),
        pytest.param({"encoder": "e5"}, id="other-encoder"),
    ],
)
def test_a_manifest_of_another_format_or_encoder_is_ignored(
    saved: tuple[MatterIndex, Path],
    normalizer: Normalizer,
    lexicons: LexiconSet,
    change: dict[str, Any],
) -> None:
    _, folder = saved
    edit_manifest(**change)(folder)
    assert new_index(normalizer, lexicons).load_cache(folder) is None


# -- the catalogue digest ------------------------------------------------------------------------

BASE = {"title": "结婚登记", "aliases": ["领结婚证"], "questions": ["领证要带什么"]}

# (change to one matter, does the digest change?) -- only what the index reads counts
DIGEST_TABLE = [
    pytest.param({}, False, id="nothing"),
    pytest.param({"fee": "不收费"}, False, id="fee"),
    pytest.param({"materials": ["户口簿"]}, False, id="materials"),
    pytest.param({"title": "离婚登记"}, True, id="title"),
    pytest.param({"aliases": ["领证"]}, True, id="alias"),
    pytest.param({"questions": ["领证要带什么", "要预约吗"]}, True, id="question-added"),
    pytest.param({"keywords": ["婚姻"]}, True, id="keywords"),
    pytest.param({"parent": "婚姻登记"}, True, id="parent"),
    pytest.param({"department": "民政局"}, True, id="department"),
    pytest.param({"kind": "faq"}, True, id="kind"),
]


@pytest.mark.parametrize(("change", "changed"), DIGEST_TABLE)
def test_catalogue_digest_follows_the_searchable_fields(
    change: dict[str, Any], changed: bool
) -> None:
    other = make_matter("M2", "离婚登记")
    before = catalogue_digest([make_matter("M1", **BASE), other])
    after = catalogue_digest([other, make_matter("M1", **{**BASE, **change})])  # any order
    assert (after != before) is changed


# -- the built index, for the next process ----------------------------------------------------


def _built(
    tmp_path: Path, normalizer: Normalizer, lexicons: LexiconSet, matters: tuple[Matter, ...]
) -> Path:
    index = new_index(normalizer, lexicons)
    index.build(matters)
    folder = tmp_path / "index"
    index.save(folder, built_key=index.built_key(matters))
    return folder


def test_the_next_process_loads_the_built_index_whole(
    tmp_path: Path, normalizer: Normalizer, lexicons: LexiconSet, demo_matters: tuple[Matter, ...]
) -> None:
    folder = _built(tmp_path, normalizer, lexicons, demo_matters)
    original = new_index(normalizer, lexicons)
    original.build(demo_matters)
    encoder = HashingEncoder()
    loaded = new_index(normalizer, lexicons, encoder)
    loaded.load_cache(folder)
    report = loaded.load_built(folder, demo_matters)
    assert report is not None
    assert report.loaded
    assert (report.matters, report.encoded) == (len(demo_matters), 0)
    assert encoder.encoded == 0
    assert loaded.catalogue_digest == original.catalogue_digest
    for query in QUERIES:
        assert loaded.search(query, k=5) == original.search(query, k=5)
    assert loaded.similar("HD-0101") == original.similar("HD-0101")


def test_another_catalogue_lexicon_or_setting_builds_again(
    tmp_path: Path, normalizer: Normalizer, lexicons: LexiconSet, demo_matters: tuple[Matter, ...]
) -> None:
    folder = _built(tmp_path, normalizer, lexicons, demo_matters)
    edited = (with_question(demo_matters[0], "这个事项怎么预约"), *demo_matters[1:])
    variants = [
        (new_index(normalizer, lexicons), edited),
        (MatterIndex(normalizer, HashingEncoder(), lexicons_digest="other"), demo_matters),
        (
            MatterIndex(
                normalizer,
                HashingEncoder(),
                lexicons_digest=lexicons.digest(),
                settings=IndexSettings(home_region="广东省深圳市"),
            ),
            demo_matters,
        ),
    ]
    for index, matters in variants:
        index.load_cache(folder)
        assert index.load_built(folder, matters) is None


def test_a_corrupt_built_index_is_refused_and_removed(
    tmp_path: Path, normalizer: Normalizer, lexicons: LexiconSet, demo_matters: tuple[Matter, ...]
) -> None:
    folder = _built(tmp_path, normalizer, lexicons, demo_matters)
    (built,) = folder.glob("built-*.pickle")
    built.write_bytes(built.read_bytes()[:100])
    index = new_index(normalizer, lexicons)
    index.load_cache(folder)
    with pytest.raises(IndexCorrupt, match="built index"):
        index.load_built(folder, demo_matters)
    assert not built.exists()
