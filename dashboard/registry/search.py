"""The dashboard's search box: a place or a camera number -> registered camera sites.

What is searchable, and what is not:
  * a site's street address (`camera_sites.address`), case-insensitively, as a substring;
  * a camera number, "#123" or "123" -> the site of active camera 123.

Owner names, contact persons, emails and phone numbers are never searched, for any role.
Even roles that may reveal an owner (detectives, supervisors, admins) search only places:
otherwise the box would answer "does Jane Doe have a camera, and where?" without a case
number and without an audit record. The owner reveal (dashboard.owners) is the one audited
path to owner details. This module never joins `owners` at all.

Precision (docs/precision.md): a role that may not see owner details (`reveal_owner`) searches
at hundred-block precision: "2012 ross ave" and "2000 ross ave" both find every site in the 2000
block of Ross Ave, so a typed house number never confirms that one house has a camera, and the
hit's position is rounded to BLOCK_DECIMALS (about 110 m, a city block). Roles that may reveal
owners match the street address as typed and get the site's position.

Only sites with at least one ACTIVE camera are found (pending, rejected and withdrawn
registrations are not on the map, so they are not in the search either). A hit is labelled
with the hundred-block form of the address (`block_of`), never the exact house number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dashboard.geo.address import block_of, split_block
from dashboard.models import Camera, CameraSite
from dashboard.validation import CONTROL_CHARACTER

MIN_QUERY = 2
MAX_QUERY = 100
MAX_LIMIT = 50
BLOCK_DECIMALS = 3     # ~110 m of latitude: the hundred block, not the house
BLOCK_CANDIDATES = 2000  # sites on one street read to find a block's (a street has far fewer)
_CAMERA_NUMBER = re.compile(r"^#?\s*(\d{1,18})$")
_SPACES = re.compile(r"\s+")
_ESCAPE = "\\"


class SearchQueryError(ValueError):
    """The query cannot be searched; str(exc) is a friendly message for the user."""


@dataclass(frozen=True)
class SiteHit:
    site_id: int
    label: str          # "1200 block of Elm St": never the house number
    latitude: float
    longitude: float
    cameras: int        # active cameras at the site
    division: str | None


def normalise(text: str) -> str:
    """Lower case, whitespace collapsed: the form both sides of the LIKE are compared in."""
    return _SPACES.sub(" ", text).strip().lower()


def check_query(query: str | None) -> str:
    """The normalised query, or SearchQueryError with a message fit to show the user."""
    if query is not None and not isinstance(query, str):  # a crafted callback payload
        raise SearchQueryError("Type a street address or a camera number (#123).")
    text = normalise(query or "")
    if CONTROL_CHARACTER.search(text):  # PostgreSQL cannot compare a NUL, and no address holds one
        raise SearchQueryError("Remove the control characters from the search.")
    if len(text) < MIN_QUERY:
        raise SearchQueryError(f"Type at least {MIN_QUERY} characters: a street address or a camera number (#123).")
    if len(text) > MAX_QUERY:
        raise SearchQueryError(f"That is too long to search (at most {MAX_QUERY} characters).")
    return text


def like_escape(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally (with ESCAPE '\\')."""
    return text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")


def _label(address: str | None, site_id: int) -> str:
    return block_of(address) or f"Camera site {site_id} (no street address)"


def _blurred(hit: SiteHit) -> SiteHit:
    return SiteHit(hit.site_id, hit.label, round(hit.latitude, BLOCK_DECIMALS), round(hit.longitude, BLOCK_DECIMALS),
                   hit.cameras, hit.division)


def _hits(session: Session, where, order_by, limit: int) -> list[SiteHit]:
    active = func.count(Camera.id).label("active")
    rows = session.execute(
        select(CameraSite.id, CameraSite.address, CameraSite.latitude, CameraSite.longitude, CameraSite.division,
               active)
        .join(Camera, Camera.site_id == CameraSite.id)
        .where(Camera.status == "active", where)
        .group_by(CameraSite.id, CameraSite.address, CameraSite.latitude, CameraSite.longitude,
                  CameraSite.division)
        .order_by(*order_by)
        .limit(limit)
    ).all()
    return [SiteHit(site_id=r.id, label=_label(r.address, r.id), latitude=r.latitude, longitude=r.longitude,
                    cameras=int(r.active), division=r.division) for r in rows]


def search_sites(session: Session, query: str | None, limit: int = 10, *, precise: bool = False) -> list[SiteHit]:
    """Sites with an active camera matching `query` (see the module docstring); at most `limit`.
    `precise` only for a role that may reveal owners: otherwise hundred-block matching and
    positions. Raises SearchQueryError for a query shorter than 2 or longer than 100 characters.
    """
    hits = _search(session, query, limit, precise)
    return hits if precise else [_blurred(h) for h in hits]


def _block_matches(session: Session, text: str, limit: int) -> list[SiteHit] | None:
    """A query that starts with a house number, matched by its hundred block; None otherwise."""
    block, street = split_block(text)
    if block is None or not street:
        return None
    address = func.lower(CameraSite.address)
    candidates = _hits(session, address.like(f"%{like_escape(street)}%", escape=_ESCAPE),
                       (CameraSite.address, CameraSite.id), BLOCK_CANDIDATES)
    wanted = f"{block} block of {street}"
    return [h for h in candidates if normalise(h.label).startswith(wanted)][:limit]


def _search(session: Session, query: str | None, limit: int, precise: bool) -> list[SiteHit]:
    text = check_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    hits: list[SiteHit] = []
    number = _CAMERA_NUMBER.match(text)
    if number:
        camera_id = int(number.group(1))
        site_of_camera = (select(Camera.site_id)
                          .where(Camera.id == camera_id, Camera.status == "active").scalar_subquery())
        hits = _hits(session, CameraSite.id == site_of_camera, (CameraSite.id,), 1)
        if text.startswith("#") or not precise:
            return hits  # "#123" is a camera number; a bare house number would confirm a house
    by_block = None if precise else _block_matches(session, text, limit)
    if by_block is not None:
        seen = {h.site_id for h in hits}
        return (hits + [h for h in by_block if h.site_id not in seen])[:limit]
    pattern = like_escape(text)
    address = func.lower(CameraSite.address)
    starts = case((address.like(pattern + "%", escape=_ESCAPE), 0), else_=1)
    seen = {h.site_id for h in hits}
    more = _hits(session, address.like(f"%{pattern}%", escape=_ESCAPE),
                 (starts, CameraSite.address, CameraSite.id), limit + len(seen))
    hits += [h for h in more if h.site_id not in seen]
    return hits[:limit]


def site_hit(session: Session, site_id: int, *, precise: bool = False) -> SiteHit | None:
    """One site as a hit (a click on a listed result), or None if it has no active camera now."""
    hits = _hits(session, CameraSite.id == int(site_id), (CameraSite.id,), 1)
    return (hits[0] if precise else _blurred(hits[0])) if hits else None


__all__ = ["SiteHit", "SearchQueryError", "search_sites", "site_hit", "check_query", "like_escape", "normalise"]
