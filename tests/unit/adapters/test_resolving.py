"""What the system resolver's answer tells `anibridge check`: a CUII CNAME is a block, a failure is a verdict."""

from __future__ import annotations

from anibridge.adapters.resolving import dns_block_advice, parse_pairs, system_lookup


def test_a_cname_to_the_cuii_notice_is_a_block() -> None:
    verdict = system_lookup("serienstream.to", lambda host: ("notice.cuii.info", [host], ["81.0.0.1"]))
    assert verdict.cuii_blocked and verdict.addresses == ("81.0.0.1",)
    honest = system_lookup("serienstream.to", lambda host: (host, [], ["186.2.175.5"]))
    assert not honest.cuii_blocked


def test_a_lookup_failure_is_reported_not_raised() -> None:
    def nxdomain(host: str) -> tuple[str, list[str], list[str]]:
        raise OSError(-2, "Name or service not known")

    verdict = system_lookup("s.to", nxdomain)
    assert not verdict.cuii_blocked and "Name or service not known" in verdict.error


def test_advice_names_the_settings() -> None:
    text = dns_block_advice("serienstream.to")
    assert "DOH_URL=" in text and "SITE_ADDRESSES=serienstream.to=" in text


def test_pairs_ignore_malformed_items_and_lowercase_hosts() -> None:
    assert parse_pairs(["SerienStream.to.=1.2.3.4", "novalue=", "=x", "junk"]) == {"serienstream.to": "1.2.3.4"}
