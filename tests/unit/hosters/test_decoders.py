"""The hosters' obfuscations, step by step, against hand-built inputs and the fakes' encoders."""

from __future__ import annotations

import base64
import codecs
import json

import pytest

from anibridge.adapters.hosters.base import redirect_candidate
from anibridge.adapters.hosters.decoders import unpack_js, voe_config_from_html, voe_decode
from anibridge.adapters.hosters.filemoon import best_source, decrypt_playback
from anibridge.adapters.hosters.streamtape import robotlink
from anibridge_fakes.hosters.filemoon import encrypt_playback, pack
from anibridge_fakes.hosters.voe import encode_config

CONFIG = {"source": "https://cdn-x.edgeon-bandwidth.com/engine/hls2-c/01/1/abc_,n,l,.urlset/master.m3u8?t=a&s=1&e=14400"}


def test_voe_six_steps_by_hand() -> None:
    # Build the encoding manually, one step at a time, so the decoder is checked against the spec, not the fake.
    step1 = base64.b64encode(json.dumps(CONFIG).encode()).decode()  # JSON -> base64
    step2 = step1[::-1]  # reverse
    step3 = "".join(chr(ord(c) + 3) for c in step2)  # shift +3
    step4 = base64.b64encode(step3.encode("latin-1")).decode()  # base64
    step5 = step4[:5] + "@$" + step4[5:9] + "^^" + step4[9:20] + "#&" + step4[20:]  # junk tokens
    step6 = codecs.encode(step5, "rot13")  # ROT13
    assert voe_decode(step6) == CONFIG


def test_voe_page_forms() -> None:
    enc = encode_config(CONFIG)
    assert voe_config_from_html(f'<script type="application/json">["{enc}"]</script>') == CONFIG
    assert voe_config_from_html(f"<script type='application/json'>\"{enc}\"</script>") == CONFIG  # older bare string
    legacy = base64.b64encode(b"https://delivery.example/master.m3u8").decode()
    assert voe_config_from_html(f"var sources = {{'hls': '{legacy}', 'video_height': 1080}};") == {
        "source": "https://delivery.example/master.m3u8"
    }
    assert voe_config_from_html("<html><body>Maintenance</body></html>") is None
    assert voe_config_from_html('<script type="application/json">["!!not-base64!!"]</script>') is None


def test_voe_redirect_candidate_prefers_embed_on_other_host() -> None:
    html = (
        "<link href='https://fonts.googleapis.com/css?family=x'><script src='https://voe.sx/js/a.js'></script>"
        "<a href='https://voe.sx/about'>x</a><script>window.location.href = 'https://mirror-123.example/e/abc';</script>"
    )
    assert redirect_candidate(html, "https://voe.sx/e/abc") == "https://mirror-123.example/e/abc"
    assert redirect_candidate("<p>nothing</p>", "https://voe.sx/e/abc") is None


@pytest.mark.parametrize("radix", [10, 36, 62])
def test_packed_js_roundtrip(radix: int) -> None:
    source = 'jwplayer("vplayer").setup({sources:[{file:"https://be2.example/hls2/01/abc/master.m3u8?t=X_y&s=17"}],image:"x.jpg"});'
    assert unpack_js(f"<script>{pack(source, radix)}</script>") == [source]


def test_unpack_handcrafted_packer_output() -> None:
    # The packer's dictionary form: 0=file, 1=https, 2=m3u8; empty dictionary slots keep the word itself.
    packed = "eval(function(p,a,c,k,e,d){return p}('{0:\"1://x.example/a.2\",3:\\'q\\'}',36,4,'file|https|m3u8|'.split('|'),0,{}))"
    assert unpack_js(packed) == ['{file:"https://x.example/a.m3u8",3:\'q\'}']
    assert unpack_js("<script>var a = 1;</script>") == []


def test_byse_playback_decrypts_and_picks_highest() -> None:
    plain = {"sources": [{"url": "https://a/720.m3u8", "height": 720}, {"url": "https://a/1080.m3u8", "height": 1080}]}
    playback = encrypt_playback(plain, "abc")
    data = decrypt_playback(playback)
    assert data == plain and best_source(data) == "https://a/1080.m3u8"
    tampered = {**playback, "payload": str(playback["payload"])[:-4] + "AAAA"}
    with pytest.raises(ValueError):
        decrypt_playback(tampered)
    fallback = {**playback, "iv": None, "iv2": playback["iv"], "payload2": playback["payload"]}
    assert decrypt_playback(fallback) == plain
    assert best_source({"file": "https://b/v.mp4"}) == "https://b/v.mp4"
    assert best_source({"nothing": 1}) is None


def test_streamtape_robotlink_concatenation() -> None:
    expr = "'//streamtape.com/get_video?id=abc&expires=1&ip=X&token=ab' + ('xyzcdef').substring(1).substring(2)"
    assert robotlink(expr) == "//streamtape.com/get_video?id=abc&expires=1&ip=X&token=abcdef"
    assert robotlink("'//h/get_video?id=1' + ''") == "//h/get_video?id=1"
