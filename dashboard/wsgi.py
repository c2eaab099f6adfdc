"""The WSGI application for any WSGI server: `gunicorn 'dashboard.wsgi:app'` (docs/deployment.md).

The configuration comes from the environment (`CONNECT_DALLAS_CONFIG`, `DATABASE_URL`,
`SECRET_KEY`, ...), as for every command. A web process runs no background job: run
`connect-dallas worker` beside the servers.
"""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.logs import configure_logging

configure_logging()
app = create_app().server
