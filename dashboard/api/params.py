"""The query and path parameters of /api/v1 as pydantic models: they validate each request and
their JSON schemas are the parameters of the OpenAPI document (dashboard.api.openapi).

Query strings arrive as text; blank values count as absent (see `query_values`), unknown
parameters are ignored. A bad value answers 422 with one message per parameter
(dashboard.validation.field_errors).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from dashboard.incidents import canvass
from dashboard.incidents.schema import INCIDENT_NUMBER, column_length, timestamp_or_none
from dashboard.owners.reveal import CASE_NUMBER, REASON_MAX
from dashboard.validation import NO_CONTROL_CHARACTERS, Say, clean_text, model_error

DEFAULT_PAGE = 500            # docs/interfaces.md: limit default 500
DEFAULT_K, MAX_K = 10, 100    # docs/interfaces.md: nearest cameras, k default 10, 1 to 100
MAX_ID = 2**31 - 1            # incidents.id is a 32-bit integer column on PostgreSQL
HALF_EARTH_M = 20_037_509     # no point on Earth is farther away than this

_FLOAT = Say(number="must be a number {low} up to {hi} (got {num})",
             range="must be a number {low} up to {hi} (got {num})")


def query_values(args: Any) -> dict[str, str]:
    """The query string's values, stripped; blank ones dropped so that defaults apply."""
    return {name: value.strip() for name, value in args.items() if value.strip()}


def _since(value: Any) -> Any:
    # An unencoded "+01:00" arrives as " 01:00" (a + in a query string is a space): repair it.
    if isinstance(value, str):
        value = re.sub(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$", r"\1+\2", value)
    return timestamp_or_none(value)


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class IncidentListQuery(_Query):
    """GET /api/v1/incidents. `limit`'s maximum is the configured page size: see incident_list_query."""

    since: Annotated[datetime | None, Field(default=None, description="ISO-8601 with offset; incidents changed at "
                                                                      "or after it (all when absent)"),
                     BeforeValidator(_since)]
    after: Annotated[int | None, Field(default=None, ge=0, le=MAX_ID,
                                       description="with since: only incidents strictly after (since, this id); "
                                                   "set by `next`")]
    limit: Annotated[int, Field(default=DEFAULT_PAGE, ge=1, le=5000, description="page size")]

    @model_validator(mode="after")
    def _after_needs_since(self) -> IncidentListQuery:
        if self.after is not None and self.since is None:
            raise model_error("after", "needs since: pass both, as the next link does")
        return self


@lru_cache(maxsize=8)
def incident_list_query(max_page_size: int) -> type[IncidentListQuery]:
    """IncidentListQuery with `limit` bounded by the configured `incidents.max_page_size`."""
    limit = Annotated[int, Field(default=min(DEFAULT_PAGE, max_page_size), ge=1, le=max_page_size,
                                 description="page size")]
    return create_model("IncidentListQuery", __base__=IncidentListQuery, __doc__=IncidentListQuery.__doc__,
                        limit=(limit, min(DEFAULT_PAGE, max_page_size)))


class NearestQuery(_Query):
    """GET /api/v1/cameras/nearest."""

    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, description="latitude"), _FLOAT]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, description="longitude"), _FLOAT]
    k: Annotated[int, Field(default=DEFAULT_K, ge=1, le=MAX_K, description="how many cameras")]
    radius_m: Annotated[float | None, Field(default=None, gt=0, le=HALF_EARTH_M, allow_inf_nan=False,
                                            description="only cameras within this many metres"), _FLOAT]


class CanvassQuery(_Query):
    """GET /api/v1/incidents/{incident_number}/cameras."""

    radius_m: Annotated[float, Field(default=canvass.DEFAULT_RADIUS_M, gt=0, le=canvass.MAX_RADIUS_M,
                                     allow_inf_nan=False,
                                     description="cameras within this many metres of the incident"), _FLOAT]
    k: Annotated[int, Field(default=canvass.DEFAULT_K, ge=1, le=canvass.MAX_K,
                            description="at most this many cameras, after ranking")]


class CanvassExportQuery(CanvassQuery):
    """GET /api/v1/incidents/{incident_number}/canvass.csv. Whether case and reason are needed
    (with include_owner) is the canvass service's rule, checked after the permission check."""

    include_owner: Annotated[bool, Field(default=False, description="1: add the owner columns (needs case and "
                                                                    "reason)")]
    case: Annotated[str | None, Field(default=None, max_length=40, pattern=CASE_NUMBER.pattern,
                                      examples=["25-0280079"],
                                      description="Dallas case number; required with include_owner=1, recorded "
                                                  "in the audit event"),
                    Say(string_pattern_mismatch="use the Dallas format, two-digit year, dash, seven digits "
                                                "(e.g. 25-0280079)"),
                    BeforeValidator(clean_text)]
    reason: Annotated[str | None, Field(default=None, max_length=REASON_MAX, pattern=NO_CONTROL_CHARACTERS,
                                        description="why the owners' contacts are needed; required with "
                                                    "include_owner=1"),
                      BeforeValidator(clean_text)]
    category: Annotated[str | None, Field(default=None, max_length=60, pattern=NO_CONTROL_CHARACTERS,
                                          examples=["burglary"],
                                          description="offense category (purposes.offense_categories); required "
                                                      "with include_owner=1, recorded in the audit event"),
                        BeforeValidator(clean_text)]


class IncidentPath(BaseModel):
    """The {incident_number} of the canvass routes: the same rule as at entry."""

    incident_number: Annotated[str, Field(max_length=column_length("incident_number"), pattern=INCIDENT_NUMBER),
                               Say(string_pattern_mismatch="may hold only letters, digits and dashes "
                                                           "(got {shown})")]
