"""The CAD priority (1 = most urgent .. 4) of a call type, for sources that carry none (the
Police Incidents export, the CAD replay, the demo seed).

First matching rule wins. Calibrated on the live DPD Active Calls feed
(dashboard/data/Dallas_Police_Active_Calls.csv), whose rows carry both the call type and the
priority CAD gave it: anything in progress, violent or armed -> 1; "PSE/" calls are reports the
phone unit takes -> 4; disturbances, robbery, major accidents, suspicious persons -> 2; property
crime and minor accidents -> 3; anything else (abandoned property, routine investigation...) -> 4.

"41/" is DPD's in-progress prefix of a nature-of-call code ("41/11R - Burg Res in Progress",
"41/09V - UUMV in Progress"): every 41/ row of the live feed is priority 1, so the code alone
makes a call urgent even when its description is cut short before "IN PROGRESS".
"""

from __future__ import annotations

PRIORITY_RULES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("IN PROGRESS", "41/", "SHOOT", "STAB", "ARMED", "ASSIST OFFICER", "FREEWAY")),
    (4, ("PSE/",)),
    (2, ("DIST", "ROBBERY", "HOLD UP", "MAJOR ACCIDENT", "SUSPICIOUS", "INJURED", "ROAD RAGE",
         "HANG UP", "40/01", "REQUESTED BY FIRE")),
    (3, ("BURG", "UUMV", "THEFT", "MISCHIEF", "ACCIDENT", "ALARM", "BLOCKAGE", "40 - OTHER")),
)
LOWEST = 4


def priority_for_call(nature: str | None) -> int:
    """A deterministic CAD priority (1-4) for a call type such as "19 - SHOOTING"."""
    text = (nature or "").upper()
    for priority, needles in PRIORITY_RULES:
        if any(needle in text for needle in needles):
            return priority
    return LOWEST
