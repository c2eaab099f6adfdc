"""What `make run` (`connect-dallas serve` in demo mode) prints before serving: the demo logins,
where the demo mailbox is, the demo CAD token and a curl line that posts an incident, so a
newcomer can walk every path with nothing else installed."""

from __future__ import annotations

import json

from dashboard.config import Settings
from dashboard.tools.seed import DEMO_USERS

# Main St at Akard St, downtown: inside the city, with demo cameras around it
EXAMPLE_INCIDENT = {"incident_number": "26-DEMO001", "nature_of_call": "41/11R - Burg Res in Progress",
                    "priority": 1, "status": "Dispatched", "latitude": 32.7801, "longitude": -96.7990}


def demo_welcome(settings: Settings, url: str) -> str:
    lines = ["", "Demo mode: sign in at " + url + "/login with", ""]
    for username, role, _name, division, password in DEMO_USERS:
        where = f"  (lands on {division})" if division else ""
        lines.append(f"  {role:<11} {username:<11} {password}{where}")
    lines.append("")
    if settings.demo_mailbox:
        lines.append(f"Email goes to the demo mailbox (no SMTP server needed): {url}/demo/mail (sign in as admin)")
    else:
        lines.append(f"Email is sent over SMTP to {settings.smtp_host}:{settings.smtp_port}")
    lines.append(f"Camera owners register at {url}/register")
    if settings.api_tokens:
        token = settings.api_tokens[0]
        body = json.dumps(EXAMPLE_INCIDENT)
        lines += [f"Demo CAD token: {token}", "Post an incident (it appears on the dashboard's CAD board):",
                  f"  curl -s -X POST {url}/api/v1/incidents -H 'Authorization: Bearer {token}' "
                  f"-H 'Content-Type: application/json' -d '{body}'",
                  "Replay a real CAD export as if it were happening now:",
                  "  .venv/bin/connect-dallas replay-cad dashboard/data/Dallas_Police_Active_Calls.csv --now --speed 60"]
    lines.append("")
    return "\n".join(lines)
