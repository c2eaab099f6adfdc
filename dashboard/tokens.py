"""Link tokens for the links emailed to owners (confirm, manage, footage answers).

The link carries a random token; the database stores only its SHA-256, so a copy of the
database opens no owner's page.
"""

from __future__ import annotations

import hashlib
import secrets


def digest(token: str) -> str:
    """The stored form of a token (also used to look a presented token up)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint() -> tuple[str, str]:
    """A new token and its digest: the first goes into the link, the second into the database."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)
