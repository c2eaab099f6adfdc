"""/demo/mail: the demo mailbox for signed-in admins (docs/interfaces.md "Demo").

GET /demo/mail        the newest messages first
GET /demo/mail/<id>   one message, its links to this server clickable

Outside demo mode, or with an SMTP host configured, the pages do not exist (404). The login
gate has already sent anonymous callers to /login; the role check is the service's.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from auth.permissions import PermissionDenied
from dashboard.demo import mailbox

bp = Blueprint("demo_mail", __name__, url_prefix="/demo/mail", template_folder="templates")


def _services():
    return current_app.extensions["connect_dallas"]


@bp.before_request
def _demo_only():
    if not _services().settings.demo_mailbox:
        abort(404)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # one-use links and owners' addresses
    return response


@bp.errorhandler(PermissionDenied)
def _forbidden(exc: PermissionDenied):
    return render_template("demo/forbidden.html", reason=str(exc)), 403


@bp.get("")
def inbox():
    with _services().db.session() as session:
        items = mailbox.messages(session, current_user)
        return render_template("demo/inbox.html", items=items)


@bp.get("/<int:message_id>")
def show(message_id: int):
    services = _services()
    with services.db.session() as session:
        item = mailbox.message(session, current_user, message_id)
        if item is None:
            abort(404)
        parts = mailbox.body_parts(item.body_text, services.settings.public_base_url)
        return render_template("demo/message.html", item=item, parts=parts)
