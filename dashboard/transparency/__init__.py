"""Public accountability: the transparency report, the owner's access history, purposes.

Services (no Flask) live in report.py, activity.py, registry_counts.py, owner_history.py and
options.py; views.py is the thin public blueprint.
"""
