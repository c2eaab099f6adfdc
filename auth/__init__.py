"""Authentication and authorization: permissions and users (Flask-free), the login gate and views.

Deliberately empty: `from auth.permissions import require` must not load Flask. The web wiring
(session cookies, the user loader, the gate) lives in auth/setup.py and is bound by the factory.
"""
