"""The address search's answer (#search-result): the site flown to, and the other matches.

Every hit is shown by its hundred-block label; Dash renders text as text, so nothing typed can
become markup. Hits are duck-typed (dashboard.registry.search.SiteHit)."""

from __future__ import annotations

from dash import html

from .empty_state import clear_button

MAX_HITS = 8


def describe(hit) -> str:
    cameras = f"{hit.cameras} camera{'s' if hit.cameras != 1 else ''}"
    division = f" · {hit.division.title()}" if hit.division else ""
    return f"{hit.label} · {cameras}{division}"


def render_hits(query: str, hits: list) -> list:
    if not hits:
        return [html.Div([f"No registered camera site matches “{query.strip()[:100]}”. ", clear_button("search")],
                         className="cd-empty", id="search-empty")]
    first, rest = hits[0], hits[1:]
    children = [html.Div(["Showing ", html.Strong(describe(first))], id="search-first", role="status")]
    if rest:
        children.append(html.Div(f"{len(hits)} sites match; pick one:" if len(hits) < MAX_HITS
                                 else f"The first {MAX_HITS} matching sites; pick one:"))
        children.append(html.Ul(className="cd-search-hits", children=[
            html.Li(html.Button(describe(h), id={"type": "search-hit", "index": h.site_id}, n_clicks=0,
                                className="cd-link"))
            for h in hits]))
    return children


def search_message(text: str) -> list:
    return [html.Div(text, className="cd-empty", id="search-message")]
