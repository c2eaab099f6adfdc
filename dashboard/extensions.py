"""The Flask extension objects, created once and bound to an app by create_app's register_extensions
(the application-factory pattern: importing this module binds nothing)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from the app's RATELIMIT_STORAGE_URI (registration.rate_limit_storage); no limit
# applies unless a blueprint or view asks for one.
limiter = Limiter(get_remote_address, default_limits=[], headers_enabled=False)
