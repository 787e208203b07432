"""Hiding pydantic and PyYAML from dependency-injector changes nothing for imports on other threads."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from anibridge.wiring.di import _hidden

NAME = "anibridge_hiding_probe"


@pytest.fixture
def probe_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An installed module nobody has imported yet (a stand-in for pydantic)."""
    (tmp_path / f"{NAME}.py").write_text("ANSWER = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield NAME
    sys.modules.pop(NAME, None)


def test_the_hidden_name_is_refused_only_on_the_importing_thread(probe_module: str) -> None:
    imported: list[object] = []
    failed: list[BaseException] = []

    def other_thread() -> None:
        try:
            imported.append(__import__(probe_module).ANSWER)
        except BaseException as ex:  # noqa: BLE001 - handed to the test's thread
            failed.append(ex)

    with _hidden((probe_module,)):
        with pytest.raises(ModuleNotFoundError, match="hidden while dependency-injector loads"):
            __import__(probe_module)
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join(10)  # inside the block: the refusal is in force the whole time the thread imports
    assert failed == [] and imported == [42]
