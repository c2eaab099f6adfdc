"""`connect-dallas` (also `python -m dashboard`): the operator's commands (docs/interfaces.md).

Every command loads and validates the configuration first; a bad setting or bad input ends
with one line naming the problem and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence

from dashboard.config import ConfigError, Settings, load_settings
from dashboard.db import Database
from dashboard.logs import configure_logging
from dashboard.vocabulary import ROLES

EXIT_USAGE = 2
EXIT_FAILED = 1


class CommandError(Exception):
    """A command could not do what was asked; the message is for the operator."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


# --- commands ------------------------------------------------------------------------------
def cmd_init_db(settings: Settings, args) -> None:
    from dashboard.migrate import upgrade

    revision = upgrade(Database(settings.database_url))
    print(f"database ready at revision {revision}: {_display_url(settings.database_url)}")


def cmd_seed_demo(settings: Settings, args) -> None:
    from sqlalchemy import func, select

    from dashboard.migrate import upgrade
    from dashboard.models import Camera
    from dashboard.tools.seed import DEMO_USERS, seed_demo

    db = Database(settings.database_url)
    upgrade(db)
    with db.session() as s:
        existing = s.scalar(select(func.count()).select_from(Camera)) or 0
    if args.if_empty and existing:
        print(f"the database already has {existing:,} cameras: not seeding (it is never wiped or re-seeded)")
    else:
        report = seed_demo(db, cameras=args.cameras, incidents=args.incidents, seed=args.seed,
                           demo_users=settings.is_demo, progress=lambda line: print(f"  {line}", flush=True))
        print(f"seeded {report.cameras:,} cameras at {report.sites:,} sites of {report.owners:,} owners, "
              f"{report.incidents:,} incidents")
    if settings.is_demo:
        print("\nDemo logins (demo mode only):")
        for username, role, _name, division, password in DEMO_USERS:
            where = f", {division}" if division else ""
            print(f"  {role:<11} username {username:<11} password {password}{where}")
    else:
        print("production mode: no demo users were created; add employees with `connect-dallas add-user`")


def cmd_add_user(settings: Settings, args) -> None:
    from auth.users import UserInputError, add_or_update_user

    password = None
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise CommandError("--password-stdin: standard input held no password")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.username} (empty: keep the current one): ") or None
    db = Database(settings.database_url)
    try:
        with db.session() as s:
            _, created = add_or_update_user(s, args.username, role=args.role, full_name=args.name,
                                            division=args.division, password=password)
    except UserInputError as exc:
        raise CommandError(str(exc)) from None
    print(f"{'added' if created else 'updated'} {args.username} ({args.role})")
    if args.totp:
        from auth.users import enroll_totp

        with db.session() as s:
            uri = enroll_totp(s, args.username)
        print(f"MFA secret (add it to an authenticator app; shown once): {uri}")


def cmd_disable_user(settings: Settings, args) -> None:
    from auth.users import UserInputError, disable_user

    db = Database(settings.database_url)
    try:
        with db.session() as s:
            disable_user(s, args.username)
    except UserInputError as exc:
        raise CommandError(str(exc)) from None
    print(f"disabled {args.username}: the account can no longer sign in; its audit history stays")


def cmd_import_cameras(settings: Settings, args) -> None:
    from dashboard.registry.importer import CLI_OPERATOR, import_cameras_csv

    db = Database(settings.database_url)
    report = import_cameras_csv(db, args.file, CLI_OPERATOR)
    for rejected in report.rejected:
        print(f"row {rejected.row}: rejected: {rejected.reason}")
    print(f"imported {report.imported} cameras, rejected {len(report.rejected)} rows")
    if report.imported == 0 and report.rejected:
        raise CommandError("no row could be imported")


def cmd_replay_cad(settings: Settings, args) -> None:
    from dashboard.incidents.replay import ReplayFormatError, replay_file

    db = Database(settings.database_url)
    try:
        replay_file(db, settings, args.file, speed=args.speed, out=print)
    except ReplayFormatError as exc:
        raise CommandError(str(exc)) from None


def cmd_verify_audit(settings: Settings, args) -> None:
    from dashboard.audit.chain import verify_chain

    db = Database(settings.database_url)
    with db.session() as s:
        report = verify_chain(s)
    if not report.ok:
        raise CommandError(f"audit chain broken at event {report.first_bad_id}: {report.problem} "
                           f"({report.checked} events before it verified)")
    print(f"audit chain intact: {report.checked} events verified")


def cmd_registry_maintenance(settings: Settings, args) -> None:
    from dashboard.owners.maintenance import run_maintenance

    result = run_maintenance(Database(settings.database_url), settings)
    print(f"expired unconfirmed registrations: {result['expired_unconfirmed']}, "
          f"reconfirmation asked: {result['reconfirm_asked']}, deactivated: {result['deactivated']}")


def cmd_send_mail(settings: Settings, args) -> None:
    from dashboard.jobs.mail import deliver_due
    from dashboard.services import Services

    services = Services.build(settings)
    report = deliver_due(services.db, services.smtp)
    print(f"sent {report.sent}, failed {report.failed} (will retry), still queued {report.remaining}")


def cmd_serve(settings: Settings, args) -> None:
    from waitress import serve

    from dashboard.app import create_app
    from dashboard.jobs.mail import OutboxWorker

    host = args.host or settings.host
    port = args.port or settings.port
    app = create_app(settings)
    services = app.server.extensions["connect_dallas"]
    from dashboard.footage import FootageSweeper
    from dashboard.jobs.periodic import PeriodicTask
    from dashboard.owners.maintenance import run_maintenance

    OutboxWorker(services.db, services.smtp, settings.mail_interval_seconds).start()
    FootageSweeper(services.db, settings).start()  # sent/expired/reminders, clip retention for footage requests
    PeriodicTask("registry-maintenance", lambda: run_maintenance(services.db, settings), 3600).start()
    from dashboard.cases import apply_due_closes  # closes whose undo window has passed

    PeriodicTask("case-closer", lambda: apply_due_closes(services.db, settings), 60).start()
    services.registry.warm()  # the first dashboard should not wait for a large registry to load
    print(f"CONNECT DALLAS Ops serving on http://{host}:{port}  (Ctrl+C stops)", flush=True)
    serve(app.server, host=host, port=port, threads=16, ident="connect-dallas", channel_timeout=60)


def _display_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


# --- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="connect-dallas", description="CONNECT DALLAS Ops operator commands")
    p.add_argument("--config", help="config file (default: $CONNECT_DALLAS_CONFIG or config.yaml)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(func=fn)
        return sp

    add("init-db", cmd_init_db, "create or migrate the schema to the newest revision (safe to run again)")
    sp = add("seed-demo", cmd_seed_demo, "deterministic synthetic registry, demo incidents and demo users")
    sp.add_argument("--cameras", type=_positive, default=20000, help="cameras to create (default 20000)")
    sp.add_argument("--incidents", type=_positive, default=200, help="demo incidents from the real 2024 sample")
    sp.add_argument("--seed", type=int, default=7, help="random seed (same seed, same registry)")
    sp.add_argument("--if-empty", action="store_true", help="do nothing when the database already has cameras")
    sp = add("add-user", cmd_add_user, "add or update an authorized employee")
    sp.add_argument("username")
    sp.add_argument("--role", required=True, choices=ROLES)
    sp.add_argument("--name", required=True, help='full name, e.g. "Dana Reyes"')
    sp.add_argument("--division", help="home division, e.g. CENTRAL")
    sp.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    sp.add_argument("--totp", action="store_true", help="enrol (or re-enrol) the user for one-time codes (MFA)")
    sp = add("disable-user", cmd_disable_user, "the account can no longer sign in; its audit history stays")
    sp.add_argument("username")
    sp = add("import-cameras", cmd_import_cameras, "bulk registration from a CSV (columns in the README)")
    sp.add_argument("file")
    sp = add("replay-cad", cmd_replay_cad, "feed a Police Active Calls or Police Incidents export through the API path")
    sp.add_argument("file")
    sp.add_argument("--speed", type=_speed, default=None,
                    help="replay the file's own timing X times faster (default: as fast as possible)")
    add("registry-maintenance", cmd_registry_maintenance,
        "expire unconfirmed registrations, ask yearly reconfirmation, deactivate the unanswered (run hourly)")
    add("send-mail", cmd_send_mail, "send queued email now (the server's outbox also does this every few seconds)")
    add("verify-audit", cmd_verify_audit, "recompute the audit hash chain and report the first tampered event")
    from dashboard.live import simulator  # live video's own command (dashboard/live/simulator.py)

    simulator.add_arguments(add("simulate-cameras", lambda settings, args: simulator.run(args), simulator.HELP))
    sp = add("serve", cmd_serve, "the web server (waitress)")
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        settings = load_settings(args.config)
        args.func(settings, args)
    except ConfigError as exc:
        print(f"connect-dallas: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"connect-dallas {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except FileNotFoundError as exc:
        print(f"connect-dallas {args.command}: file not found: {exc.filename}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
