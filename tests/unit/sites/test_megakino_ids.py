"""IMDb/TMDB ids from a Megakino post when it links them (most posts do not: then no ids, never a guess)."""

from __future__ import annotations

from lxml import html

from anibridge.adapters.sites.megakino_pages import external_ids


def test_ids_from_links_in_the_post() -> None:
    doc = html.fromstring(
        '<article><a href="https://www.imdb.com/title/tt15239678/">IMDb</a>'
        '<a href="https://www.themoviedb.org/movie/693134-dune-part-two">TMDB</a></article>')
    assert external_ids(doc) == ("tt15239678", 693134)


def test_a_post_without_links_has_no_ids() -> None:
    doc = html.fromstring('<article><div class="pmovie__subrating pmovie__subrating--kp">7.2</div>'
                          '<a href="https://www.imdb.com/chart/top">chart</a></article>')
    assert external_ids(doc) == (None, None)
