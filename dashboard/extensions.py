"""The Flask extension objects, created once and bound to an app by create_app's register_extensions
(the application-factory pattern: importing this module binds nothing)."""

from __future__ import annotations

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from the app's RATELIMIT_STORAGE_URI (registration.rate_limit_storage); no limit
# applies unless a blueprint or view asks for one.
limiter = Limiter(get_remote_address, default_limits=[], headers_enabled=False)
# Data responses (Dash's layout and callbacks, the API, scripts, the reference layers) go out with
# brotli or gzip. HTML pages do not: they carry CSRF tokens beside reflected input (BREACH).
compress = Compress()
COMPRESS_CONFIG = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 4,   # brotli's fast levels: within a few % of level 11 on JSON, far cheaper
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 1024,
    "COMPRESS_STREAMS": False,  # streamed responses (live video, exports) go out as they are made
    "COMPRESS_MIMETYPES": ["application/json", "application/geo+json", "application/javascript",
                           "text/javascript", "text/css", "text/csv", "image/svg+xml"],
}
