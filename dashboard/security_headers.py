"""The security headers of every response, set in one place (docs/security.md "Headers").

One after_request hook, registered by the factory, replaces the five hooks that each set a few
headers for their own blueprint. Every response gets:
- Content-Security-Policy: scripts only from this server, plus the SHA-256 hashes of the inline
  scripts Dash writes into its index page (`Dash.csp_hashes()`, filled in by create_app); no
  inline script anywhere else, no eval, no plugins, no <base>, no framing, forms post only here.
  Map tiles come from the configured tile server, so its origin joins img-src.
- X-Content-Type-Options: nosniff; X-Frame-Options: DENY (frame-ancestors for older browsers).
- Referrer-Policy: same-origin on the dashboard (its pages need same-origin referrers, README
  "The first screen"), no-referrer on the owners' pages and the live relay, whose URLs carry
  emailed or granted tokens that must not leak to another site.
- Strict-Transport-Security in production (never in demo mode, which serves plain http on a laptop).
Views may still set Cache-Control for their own responses: caching is theirs to decide.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

# Pages whose URLs carry tokens (emailed answer links, live-grant relays): no Referer at all.
TOKEN_URL_PREFIXES = ("/register", "/live/")
HSTS = "max-age=31536000; includeSubDomains"
SCRIPT_HASHES = "csp_script_hashes"  # server.extensions key: Dash's inline-script hashes


def tile_source(tile_url: str) -> str | None:
    """The CSP source for a Leaflet tile URL template: https://{s}.tile.x.org/... -> https://*.tile.x.org."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "tiles-subdomain"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # a relative URL: tiles served by this server ('self')
    host = parts.netloc.replace("tiles-subdomain", "*")
    return f"{parts.scheme}://{host}" if "{" not in host else f"{parts.scheme}:"


def content_security_policy(script_hashes: list[str], tile_url: str) -> str:
    tiles = tile_source(tile_url)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],  # already quoted: "'sha256-...'"
        # Dash's components (react-select, Plotly, Leaflet) insert <style> elements at run time;
        # CSS cannot run script, and scripts stay locked down (docs/security.md)
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *([tiles] if tiles else [])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],  # live video plays from MediaSource blob: URLs
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(response):
    settings = current_app.config["SETTINGS"]
    hashes = current_app.extensions.get(SCRIPT_HASHES, [])
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(hashes, settings.tile_url)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer" if request.path.startswith(TOKEN_URL_PREFIXES) else "same-origin"
    if not settings.is_demo:
        headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(server: Flask) -> None:
    server.after_request(security_headers)
