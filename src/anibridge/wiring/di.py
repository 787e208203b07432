"""dependency-injector, imported without the optional integrations it would load for nothing.

On import it loads pydantic (only to read its version, for `Configuration.from_pydantic`) and PyYAML (for
`Configuration.from_yaml`) whenever they are installed: about 9 MB resident for a server that uses neither.
Both are hidden while it is imported, so those two features report themselves unavailable; nothing here uses
them. Settings import pydantic themselves when they need it (settings_fields.py), and that import is unaffected.

The hiding holds only on the thread that imports dependency-injector: the finder sits in the process-wide
`sys.meta_path`, and another thread importing pydantic at that moment (a worker thread of an embedding program)
must get it. The thread is the test because dependency-injector is compiled (Cython): its modules run no Python
frame, so "who asked" cannot be read off the stack without leaning on importlib's private frame locals, and
holding the global import lock instead would stall every other thread's imports and relies on a private API.
On that thread nothing else is imported inside the block, so each refused import is one dependency-injector made.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

_UNUSED_INTEGRATIONS = ("pydantic_settings", "pydantic", "yaml")


class _Refuse(importlib.abc.MetaPathFinder):
    """Answers `import name` for the listed top-level names with ModuleNotFoundError, as if not installed, on the
    one thread that made it; every other thread's import goes on to the next finder."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.thread = threading.get_ident()

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname.partition(".")[0] in self.names and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{fullname} is hidden while dependency-injector loads", name=fullname)
        return None  # not one of ours: the next finder looks


@contextmanager
def _hidden(names: tuple[str, ...]) -> Iterator[None]:
    """`import name` on this thread fails inside the block unless the module is loaded already (then it stays as
    it is); other threads import as always."""
    refuse = _Refuse(tuple(name for name in names if name not in sys.modules))
    sys.meta_path.insert(0, refuse)
    try:
        yield
    finally:
        sys.meta_path.remove(refuse)


with _hidden(_UNUSED_INTEGRATIONS):
    from dependency_injector import containers, providers

__all__ = ["containers", "providers"]
