"""`anibridge search` and `anibridge resolve`: the catalogue use cases from a terminal (also handy against fakes)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from anibridge.delivery.cli.remote import add_command_options
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.ports.errors import PortError

if TYPE_CHECKING:  # imported by `anibridge --help`, which must not load pydantic
    from anibridge.settings import Settings

Command = Callable[[argparse.Namespace, "Settings"], int]


def register(sub: Any, commands: dict[str, Command]) -> None:
    """Add the subcommands to the `anibridge` parser (`sub` is argparse's subparsers action)."""
    search = sub.add_parser("search", help="rank catalogue titles matching QUERY across the enabled sites")
    search.add_argument("query", help="title, alternative title, or a Megakino post URL")
    search.add_argument("--site", help="restrict to one site (aniworld.to, s.to, megakino)")
    search.add_argument("--limit", type=int, default=10, help="maximum number of matches (default 10)")
    search.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_command_options(search)
    commands["search"] = _search

    resolve = sub.add_parser("resolve", help="list an episode's languages and hosters and resolve a direct URL")
    resolve.add_argument("site", help="aniworld.to, s.to or megakino")
    resolve.add_argument("slug")
    resolve.add_argument("season", type=int, help="0 = AniWorld /filme or a Megakino film")
    resolve.add_argument("episode", type=int)
    resolve.add_argument("--language", help="German Dub, German Sub, English Sub, English Dub (default: first offered)")
    resolve.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands["resolve"] = _resolve


def run_with_container(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    from anibridge.wiring.container import create_container

    container = create_container(settings)

    async def main() -> int:
        try:
            return await work(container)
        finally:
            await container.http_client().aclose()
            gate = container.gate_browser()  # the optional browser of the redirect gate (None: off)
            if gate is not None:
                await gate.aclose()

    return asyncio.run(main())


def _site(raw: str | None) -> Site | None:
    return None if raw is None else Site.parse(raw)


def _search(args: argparse.Namespace, settings: Settings) -> int:
    try:
        site = _site(args.site)
    except ValueError as ex:
        print(f"anibridge: {ex}", file=sys.stderr)
        return 2

    remote = _remote_search(args, settings, site)
    if remote is not None:
        return remote

    async def work(container: Any) -> int:
        from anibridge.delivery.catalog.search_api import match_json

        matches = await container.title_lookup().search(args.query, site=site, limit=max(1, args.limit))
        reach = container.site_reachability()
        asked = [site] if site is not None else list(container.catalogs())
        down = [s for s in asked if reach.down(s)]
        for s in down:  # "no match" would be a lie when a site was not searched
            print(f"{s.value} unreachable: {reach.cause(s)}", file=sys.stderr)
        if not matches and down and len(down) == len(asked):
            if args.json:
                print("[]")
            return 1
        return _print_matches(args, [match_json(m) for m in matches])

    return run_with_container(settings, work)


def _remote_search(args: argparse.Namespace, settings: Settings, site: Site | None) -> int | None:
    """Ask the running server (its title indexes are warm); None when the command should work locally."""
    from anibridge.delivery.cli.remote import Remote, RemoteError, choose_server

    server = choose_server(args, settings)
    if server is None:
        return None
    params: dict[str, str | int] = {"q": args.query, "limit": max(1, min(args.limit, 100))}
    if site is not None:
        params["site"] = site.value
    try:
        with Remote(server, settings) as remote:
            matches = remote.json("GET", "/catalog/search", params=params)
    except RemoteError as ex:
        print(f"anibridge search: {ex}", file=sys.stderr)
        return 1
    return _print_matches(args, matches)


def _print_matches(args: argparse.Namespace, matches: list[dict[str, Any]]) -> int:
    if args.json:
        print(json.dumps(matches, ensure_ascii=False, indent=2))
    elif not matches:
        print(f"no match for {args.query!r}")
    else:
        for m in matches:
            print(f"{m['score']:6.2f}  {m['site']:<12} {m['slug']:<40} {m['title']}  [{m['source']}]")
    return 0 if matches else 1


def _resolve(args: argparse.Namespace, settings: Settings) -> int:
    try:
        site = Site.parse(args.site)
        wanted = Language.parse(args.language) if args.language else None
    except ValueError as ex:
        print(f"anibridge: {ex}", file=sys.stderr)
        return 2

    async def work(container: Any) -> int:
        catalogs = container.catalogs()
        catalog = catalogs.get(site)
        if catalog is None:
            print(f"anibridge: site {site.value} is not enabled (CATALOG_SITES)", file=sys.stderr)
            return 2
        out: dict[str, Any] = {"site": site.value, "slug": args.slug, "season": args.season, "episode": args.episode}
        try:
            detail = await catalog.episode(args.slug, args.season, args.episode)
        except PortError as ex:
            return _fail(args, out, f"{type(ex).__name__}: {ex}")
        out["languages"] = [lang.value for lang in detail.languages]
        out["hosters"] = [{"provider": h.provider, "language": h.language.value, "url": h.url} for h in detail.hosters]
        language = wanted or (detail.languages[0] if detail.languages else None)
        if language is None:
            return _fail(args, out, "the episode offers no language")
        out["language"] = language.value
        finder = container.stream_finder()
        ref = EpisodeRef(site, args.slug, args.season, args.episode, language)
        try:
            stream = await finder.find(ref)
        except PortError as ex:
            return _fail(args, out, f"{type(ex).__name__}: {ex}")
        out["resolved"] = {"provider": stream.provider, "url": stream.url, "headers": dict(stream.headers),
                           "hls": stream.is_hls}
        _print(args, out)
        return 0

    return run_with_container(settings, work)


def _fail(args: argparse.Namespace, out: dict[str, Any], error: str) -> int:
    out["error"] = error
    _print(args, out)
    return 1


def _print(args: argparse.Namespace, out: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(f"{out['site']} {out['slug']} S{out['season']:02d}E{out['episode']:02d}")
    if "languages" in out:
        print(f"  languages: {', '.join(out['languages']) or '-'}")
        for h in out.get("hosters", []):
            print(f"  hoster:    {h['provider']:<11} {h['language']:<12} {h['url']}")
    if "resolved" in out:
        r = out["resolved"]
        print(f"  resolved:  {r['provider']} ({out['language']}) → {r['url']}")
    if "error" in out:
        print(f"  error:     {out['error']}")
