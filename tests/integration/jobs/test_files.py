"""LocalFileStore against a temp directory: atomic writes, unique renames, confinement."""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge.adapters.files import LocalFileStore, load_instance_id


def test_write_text_atomic_leaves_no_temp_and_overwrites(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    path = store.write_text_atomic("a b [STRM].strm", "http://x/1\n")
    store.write_text_atomic("a b [STRM].strm", "http://x/2\n")
    assert path.read_text() == "http://x/2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a b [STRM].strm"]


def test_rename_unique_numbers_collisions(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    names = []
    for n in range(3):
        src = tmp_path / f".job{n}.VOE.mp4"
        src.write_bytes(b"x" * (n + 1))
        names.append(store.rename_unique(src, "Show.S01E01.1080p.WEB.H264-GRP.mp4").name)
    assert names == ["Show.S01E01.1080p.WEB.H264-GRP.mp4", "Show.S01E01.1080p.WEB.H264-GRP.2.mp4",
                     "Show.S01E01.1080p.WEB.H264-GRP.3.mp4"]
    assert (tmp_path / names[2]).read_bytes() == b"xxx"
    assert not list(tmp_path.glob(".job*"))


def test_rename_into_a_sub_directory_creates_it_and_stays_confined(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    src = tmp_path / ".job.VOE.mp4"
    src.write_bytes(b"x")
    moved = store.rename_unique(src, "E01.mp4", "tv/Show")
    assert moved == tmp_path / "tv" / "Show" / "E01.mp4" and moved.read_bytes() == b"x"
    again = tmp_path / ".job2.VOE.mp4"
    again.write_bytes(b"y")
    assert store.rename_unique(again, "E01.mp4", "tv/Show").name == "E01.2.mp4"
    assert store.size(moved) == 1 and store.size(tmp_path / "missing.mp4") is None
    with pytest.raises(ValueError):
        store.rename_unique(moved, "x.mp4", "../outside")


def test_rename_to_itself_is_a_noop(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    src = tmp_path / "x.mp4"
    src.write_bytes(b"1")
    assert store.rename_unique(src, "x.mp4") == src.resolve()


@pytest.mark.parametrize("bad", ["../evil.txt", "/etc/passwd", "sub/../../x"])
def test_paths_outside_the_root_are_refused(tmp_path: Path, bad: str) -> None:
    store = LocalFileStore(tmp_path / "dl")
    with pytest.raises(ValueError):
        store.write_text_atomic(bad, "x")
    with pytest.raises(ValueError):
        store.delete(Path(bad) if bad.startswith("/") else tmp_path / "dl" / bad)


def test_rename_refuses_path_separators_in_target(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    src = tmp_path / "x.mp4"
    src.write_bytes(b"1")
    with pytest.raises(ValueError):
        store.rename_unique(src, "../x.mp4")


def test_delete_and_partials(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    for name in [".j1.VOE.mp4.part", ".j1.VOE.mp4.ytdl", ".j10.VOE.mp4.part", "other.mp4"]:
        (tmp_path / name).write_bytes(b"1")
    assert [p.name for p in store.partials(".j1.VOE")] == [".j1.VOE.mp4.part", ".j1.VOE.mp4.ytdl"]
    assert store.delete(tmp_path / "other.mp4") is True
    assert store.delete(tmp_path / "other.mp4") is False
    assert store.delete(tmp_path) is False


def test_instance_id_is_stable(tmp_path: Path) -> None:
    first = load_instance_id(tmp_path)
    assert load_instance_id(tmp_path) == first and len(first) == 12
