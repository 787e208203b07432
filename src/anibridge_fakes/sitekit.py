"""What every fake catalogue site shares: the moved-domain and challenge faults, HTML escaping, embed lookup.

Site faults (on top of the generic latency / status / hang of `anibridge_fakes.http`):
- `moved_to`: the old base answers every path (except the ones a site exempts, e.g. Megakino's mirrors.txt)
  with `301` to the same path on the new base — what moved catalogue domains do.
- `challenge`: the site's own bot wall (DDoS-Guard, Cloudflare, Turnstile, Megakino cookie stub).
- `layout_changed`: pages keep their content but use markup the parsers do not know.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import urlencode

from anibridge_fakes.http import App, Request, Response

EmbedUrl = Callable[[str, str, str], str]
"""`(provider, video_id, kind) -> embed URL` — `HosterFarm.embed_url`."""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title>{head}</head>\n<body>\n{body}\n</body></html>\n"
    )


class SiteApp(App):
    """An App whose `dispatch` first applies the moved-domain fault and the site's challenge page."""

    moved_exempt: tuple[str, ...] = ()
    layout_renames: tuple[tuple[str, str], ...] = ()  # (old, new) markup substitutions for `layout_changed`

    def dispatch(self, request: Request) -> Response:
        faults = self.faults
        if faults.moved_to and faults.applies(request.path) and request.path not in self.moved_exempt:
            self.hits.append(request.path)
            query = f"?{urlencode(request.query)}" if request.query else ""
            return Response.redirect(faults.moved_to.rstrip("/") + request.path + query, status=301)
        if faults.challenge and faults.applies(request.path):
            answer = self.challenge_page(request)
            if answer is not None:
                self.hits.append(request.path)
                return answer
        response = super().dispatch(request)
        if faults.layout_changed and faults.applies(request.path) and response.content_type.startswith("text/html"):
            if isinstance(response.body, bytes):
                text = response.body.decode()
                for old, new in self.layout_renames:
                    text = text.replace(old, new)
                response.body = text.encode()
                response.headers.pop("Content-Length", None)
        return response

    def challenge_page(self, request: Request) -> Response | None:
        """The site's bot wall for this request, or None to answer normally."""
        return None
