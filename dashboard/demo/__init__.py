"""The demo's own parts: the demo mailbox, where email is kept in `env: demo` when no SMTP host
is configured (mailbox.py is the service, views.py the admins' /demo/mail pages)."""
