"""README's configuration table is exactly the one generated from the Settings model."""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge.settings import Settings, env_name
from anibridge.settings_doc import END, START, main, replace_block, settings_table

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_table_matches_the_settings_model() -> None:
    text = README.read_text(encoding="utf-8")
    assert replace_block(text) == text, "README is stale: run `python -m anibridge.settings_doc --write README.md`"


def test_table_lists_every_variable_once() -> None:
    rows = [line for line in settings_table().splitlines() if line.startswith("| `")]
    names = [row.split("`")[1] for row in rows]
    assert names == [env_name(n) for n in Settings.model_fields]
    port = next(r for r in rows if r.startswith("| `ANIBRIDGE_PORT`"))
    assert "| `8000` |" in port
    assert next(r for r in rows if r.startswith("| `INDEXER_API_KEY`")).split("|")[2].strip() == "*(empty)*"


def test_write_replaces_only_the_marked_block(tmp_path: Path) -> None:
    doc = tmp_path / "README.md"
    doc.write_text(f"intro\n{START}\nold table\n{END}\noutro\n", encoding="utf-8")
    assert main(["--write", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith(f"{END}\noutro\n") and "old table" not in text
    with pytest.raises(ValueError, match="markers"):
        replace_block("no markers here")
