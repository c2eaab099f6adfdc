"""Figures that steer the program, for supervisors and admins (issue 14, item 4). Services only
(no Flask, no Dash): each takes a session or a registry snapshot and returns pandas frames a
page, a chart or a CSV export can show. The /analytics page is built on them later."""
