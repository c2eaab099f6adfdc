"""The links emailed to owners (confirm, manage, reconfirm): their tokens and their addresses.

The token is minted by dashboard.tokens: the link carries it, the database stores only its
digest. Every link is built here from `public_base_url`, never from anything a visitor sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import tokens
from dashboard.config import Settings
from dashboard.models.registration import RegistrationToken

TOKEN_MAX = 200  # a presented token longer than this is not one of ours: no lookup


def issue(s: Session, purpose: str, expires_at: datetime, *, registration_id: int | None = None,
          owner_id: int | None = None) -> str:
    """Store a new token's digest; return the token for the link."""
    token, digest = tokens.mint()
    s.add(RegistrationToken(token_hash=digest, purpose=purpose, expires_at=expires_at,
                            registration_id=registration_id, owner_id=owner_id))
    return token


def find_valid(s: Session, token: str, purpose: str, now: datetime, *,
               single_use: bool = True) -> RegistrationToken | None:
    """The stored token a presented one stands for, if it is unexpired (and unused)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    stored = s.scalar(select(RegistrationToken).where(RegistrationToken.token_hash == tokens.digest(token),
                                                      RegistrationToken.purpose == purpose))
    if stored is None or stored.expires_at <= now or (single_use and stored.used_at is not None):
        return None
    return stored


def is_open(db, token: str, purpose: str, now: datetime) -> bool:
    """Read-only: would this link still act? (The page a link opens asks before acting, because
    mail scanners fetch links; only the owner's button press uses the token.)"""
    with db.session() as s:
        return find_valid(s, token, purpose, now) is not None


def portal_link(settings: Settings, path: str, lang: str | None = None) -> str:
    """A portal link for an email; it carries the owner's language, so the page it opens speaks
    the language the owner registered in, whatever their browser prefers."""
    suffix = f"?lang={lang}" if lang else ""
    return f"{settings.public_base_url}/register/{path}{suffix}"
