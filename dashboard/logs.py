"""Logging, configured in one place (`configure_logging`, called by the CLI), and the request id.

Every line of a request carries its id: the factory's request hooks set `request_id` (from a
sane incoming X-Request-ID, else a fresh one) and echo it in the response's X-Request-ID header;
`RequestIdFilter` copies it onto each record. Lines outside a request (the CLI, background
jobs) show "-". Log lines never carry owners' contact details (names, emails, phones,
addresses): log ids and kinds instead.
"""

from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="-")

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # a proxy's id is kept only if it is plainly an id
FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def new_request_id(incoming: str | None = None) -> str:
    """The id of a new request: the caller's X-Request-ID when it looks like one, else a new one."""
    return incoming if incoming and _INCOMING_ID.match(incoming) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def logging_config(level: str = "INFO") -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                                "filters": ["request_id"], "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
        # alembic narrates every migration step at INFO: init-db prints its own one-line summary
        "loggers": {"alembic": {"level": "WARNING"}},
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
