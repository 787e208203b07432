"""`anibridge serve --host/--port` override the environment and reject bad ports like the settings do."""

from __future__ import annotations

import pytest

from anibridge.delivery.cli.main import build_parser


def test_serve_flags_parse_and_default_to_the_environment() -> None:
    parser, _ = build_parser()
    assert parser.parse_args(["serve"]).port is None
    args = parser.parse_args(["serve", "--host", "127.0.0.1", "--port", "9123"])
    assert (args.host, args.port) == ("127.0.0.1", 9123)


@pytest.mark.parametrize("bad", ["abc", "0", "70000"])
def test_bad_port_flag_is_a_usage_error(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser, _ = build_parser()
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["serve", "--port", bad])
    assert exit_.value.code == 2
    assert "--port" in capsys.readouterr().err
