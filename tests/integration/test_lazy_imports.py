"""An idle SQLite server holds no library it has not used yet (issue 16: idle RSS).

Builds what `anibridge serve` builds (settings, migrations, container, ASGI app, uvicorn) in a fresh interpreter
and lists which of the libraries that only a first search, a first dashboard page, PostgreSQL, an error in the
settings or the demo need are loaded. Then answers one Torznab caps request, which must load lxml: proof that
the list is read from the same process that would have had them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
LAZY = ["lxml", "yt_dlp", "psycopg", "sqlalchemy.dialects.postgresql", "anibridge_fakes", "pydantic", "yaml",
        "jinja2", "rapidfuzz", "Cryptodome"]

PROBE = """
import json, sys
from anibridge.settings import load_settings
from anibridge.delivery.cli.serve import run_migrations
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container
import uvicorn, uvicorn.config, uvicorn.server
lazy = {lazy!r}
settings = load_settings()
run_migrations(settings)
app = build_falcon_app(create_container(settings))
idle = [name for name in lazy if name in sys.modules]
import falcon.testing
caps = falcon.testing.TestClient(app).simulate_get("/torznab/api", params={{"t": "caps"}})
print(json.dumps({{"idle": idle, "caps": caps.status_code, "lxml_after_caps": "lxml" in sys.modules}}))
"""


@pytest.mark.slow
def test_idle_sqlite_server_loads_none_of_the_lazy_libraries(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "LOG_LEVEL": "warning"}
    out = subprocess.run([sys.executable, "-c", PROBE.format(lazy=LAZY)], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["idle"] == []
    assert seen["caps"] == 200 and seen["lxml_after_caps"] is True


@pytest.mark.slow
def test_a_bad_setting_still_gets_the_pydantic_message(tmp_path: Path) -> None:
    """The quick path steps aside for a bad value: pydantic is loaded then, and its wording reaches the user."""
    code = ("from anibridge.settings import SettingsError, load_settings\n"
            "try:\n    load_settings({'ANIBRIDGE_PORT': 'abc'})\nexcept SettingsError as ex:\n    print(ex)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert out.stdout.startswith("invalid ANIBRIDGE_PORT='abc': Input should be a valid integer")
