"""Hexagonal import rules (DESIGN.md): imports point inward; the domain loads no I/O library."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PKG = SRC / "anibridge"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports_of(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """Absolute module names imported anywhere in the file (also under TYPE_CHECKING and in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = ".".join(path.relative_to(SRC).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def files(sub: str) -> list[Path]:
    return sorted((PKG / sub).rglob("*.py"))


def violations(sub: str, allowed: Callable[[str], bool]) -> list[str]:
    out = []
    for path in files(sub):
        for line, name in imports_of(path):
            if not allowed(name):
                out.append(f"{path.relative_to(SRC)}:{line} imports {name}")
    return out


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_domain_imports_only_stdlib_rapidfuzz_domain_ports() -> None:
    assert files("domain"), "domain package not found"

    def ok(name: str) -> bool:
        return (name.split(".")[0] in STDLIB or _under(name, "rapidfuzz", "anibridge.domain", "anibridge.ports"))

    assert violations("domain", ok) == []


def test_ports_never_import_outer_layers() -> None:
    bad = ("anibridge.adapters", "anibridge.delivery", "anibridge.wiring.container", "anibridge.settings")
    assert violations("ports", lambda n: not _under(n, *bad)) == []


def test_adapters_never_import_delivery() -> None:
    assert violations("adapters", lambda n: not _under(n, "anibridge.delivery", "anibridge.wiring.container")) == []


def test_checker_resolves_relative_and_nested_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\nimport httpx\nfrom ..adapters import x\nfrom . import naming\n"
        "if TYPE_CHECKING:\n    from anibridge.delivery.app import y\ndef f():\n    import lxml.etree\n"
    )
    names = [n for _, n in imports_of(probe, package="anibridge.domain")]
    assert names == ["typing", "httpx", "anibridge.adapters", "anibridge.domain", "anibridge.delivery.app",
                     "lxml.etree"]


@pytest.mark.slow
def test_importing_domain_loads_no_io_library() -> None:
    heavy = ["falcon", "sqlalchemy", "httpx", "yt_dlp", "lxml", "pydantic", "uvicorn", "dependency_injector"]
    code = (
        "import sys, anibridge.domain, anibridge.domain.catalog.titles, anibridge.domain.strm.urls\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    env_path = str(SRC)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == ""
