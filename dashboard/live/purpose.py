"""The stated purpose of a live view: an open CAD incident, or a case number with an offense
category and a reason. `Purpose.parse` turns what a form or JSON body sent into one, or refuses
with a sentence naming the field; `check_holds` asks whether it still holds (renewals, relay)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.incidents.live_board import is_cleared
from dashboard.models import Incident
from dashboard.owners.reveal import CASE_NUMBER, REASON_MAX, REASON_MIN

from .policy import LiveRefused
from .settings import LiveSettings

CHOOSE = "State a purpose: an open CAD incident, or a case number with an offense category and a reason."


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bad(message: str) -> LiveRefused:
    return LiveRefused(message, code="bad_purpose", status=422)


@dataclass(frozen=True)
class Purpose:
    kind: str                              # incident | case
    incident_number: str | None = None
    case_number: str | None = None
    offense_category: str | None = None
    reason: str | None = None

    @classmethod
    def incident(cls, incident_number: str) -> Purpose:
        return cls("incident", incident_number=incident_number)

    @classmethod
    def case(cls, case_number: str, offense_category: str, reason: str) -> Purpose:
        return cls("case", case_number=case_number, offense_category=offense_category, reason=reason)

    @classmethod
    def parse(cls, data: Any, settings: LiveSettings) -> Purpose:
        """From a dict such as {"kind": "case", "case_number": ..., "offense_category": ..., "reason": ...}."""
        if not isinstance(data, dict):
            raise _bad(CHOOSE)
        kind = _text(data.get("kind"))
        if kind == "incident":
            number = _text(data.get("incident_number"))
            if not number or len(number) > 40:
                raise _bad("Incident: choose an open CAD incident.")
            return cls.incident(number)
        if kind == "case":
            case = _text(data.get("case_number"))
            if not CASE_NUMBER.fullmatch(case):
                raise _bad("Case number: use the Dallas format, two-digit year, dash, seven digits "
                           "(e.g. 25-0280079).")
            category = _text(data.get("offense_category"))
            if category not in settings.offense_categories:
                raise _bad("Offense category: choose one of " + ", ".join(settings.offense_categories) + ".")
            reason = _text(data.get("reason"))
            if len(reason) < REASON_MIN:
                raise _bad(f"Reason: state why you need to watch this camera (at least {REASON_MIN} characters).")
            if len(reason) > REASON_MAX:
                raise _bad(f"Reason: at most {REASON_MAX} characters.")
            return cls.case(case, category, reason)
        raise _bad(CHOOSE)

    def check_holds(self, session: Session) -> None:
        """A case purpose holds for the grant's life; an incident purpose while the call is open."""
        if self.kind != "incident":
            return
        incident = session.scalar(select(Incident).where(Incident.incident_number == self.incident_number))
        if incident is None:
            raise _bad(f"Incident {self.incident_number} is not in CAD.")
        if is_cleared(incident.status):
            raise LiveRefused(f"Incident {self.incident_number} is cleared: choose an open incident or a case.",
                              code="incident_cleared")

    def audit_fields(self) -> dict:
        return {"purpose": self.kind, "incident_number": self.incident_number,
                "offense_category": self.offense_category}
