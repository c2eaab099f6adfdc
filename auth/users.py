"""The user store: authorized employees live in the database only.

Authentication, lockout and their audit events happen here, in one transaction each, so
the web login, the CLI and tests share exactly the same rules. Lockout counters are in the
database (not process memory) so every worker on every host sees the same count.
"""

from __future__ import annotations

import hmac
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from dashboard.audit import chain as audit
from dashboard.models import User, utcnow
from dashboard.vocabulary import DIVISIONS, ROLES

from .demo_accounts import is_published_demo_login
from .passwords import hash_password, password_problem, verify_password


class UserInputError(ValueError):
    """Bad input for a user change; the message is meant for the operator."""


@dataclass(frozen=True)
class SessionUser:
    """What a request knows about its signed-in employee: no password hash, no ORM object.
    It answers Flask-Login's user protocol (is_authenticated, is_active, is_anonymous, get_id)
    without importing Flask-Login, so services and the CLI can use it."""

    id: int
    username: str
    full_name: str
    role: str
    division: str | None
    active: bool = True
    session_epoch: int = 0

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_active(self) -> bool:
        return self.active

    @classmethod
    def from_model(cls, user: User) -> SessionUser:
        return cls(user.id, user.username, user.full_name, user.role, user.division, user.active,
                   user.session_epoch or 0)


@dataclass(frozen=True)
class LoginResult:
    user: SessionUser | None
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def load_active_user(session: Session, user_id: str | int) -> SessionUser | None:
    """The signed-in user behind a session cookie. A lockout is not checked here: it stops new
    sign-ins, it does not end a session that is already open (otherwise five wrong passwords
    typed by anyone would sign the real user out). Disabling a user does end their sessions."""
    try:
        user = session.get(User, int(user_id))
    except (TypeError, ValueError, OverflowError):
        return None
    if user is None or not user.active:
        return None
    return SessionUser.from_model(user)


SESSION_USER_TTL_S = 5.0  # how stale a cached session user may be (auth/gate.RELAY_PREFIXES only)


class _RecentUsers:
    """Session users loaded in the last SESSION_USER_TTL_S, per database, for requests that come
    many a second (the live relay). Any change to a User row made in this process (logout,
    disable, role change, password reset: they all bump the row) empties it at once; a change
    made by another process is seen within the TTL."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_db: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.generation = 0

    def changed(self, *_args) -> None:
        with self._lock:
            self.generation += 1
            self._by_db.clear()

    def get(self, db: object, user_id: str, load: Callable[[], SessionUser | None]) -> SessionUser | None:
        now = time.monotonic()
        with self._lock:
            hit = self._by_db.get(db, {}).get(user_id)
            generation = self.generation
        if hit is not None and now - hit[0] <= SESSION_USER_TTL_S:
            return hit[1]
        user = load()
        with self._lock:
            if self.generation == generation:  # not changed while we loaded
                users = self._by_db.setdefault(db, {})
                if len(users) > 10_000:
                    users.clear()
                users[user_id] = (now, user)
        return user


RECENT_USERS = _RecentUsers()
event.listen(User, "after_update", RECENT_USERS.changed)
event.listen(User, "after_delete", RECENT_USERS.changed)


def recent_active_user(db, user_id: str | int) -> SessionUser | None:
    """`load_active_user` through the short-lived cache (`db`: a dashboard.db.Database)."""
    def load() -> SessionUser | None:
        with db.session() as s:
            return load_active_user(s, user_id)

    return RECENT_USERS.get(db, str(user_id), load)


def end_user_sessions(session: Session, user_id: int) -> None:
    """Invalidate every session cookie issued to this user so far."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_epoch = (user.session_epoch or 0) + 1


def _is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _not_locked(now: datetime):
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def _otp_step(user: User, otp: str | None, now: datetime) -> int | None:
    """The time-step of a valid one-time code (the current one or its neighbours, as pyotp's
    valid_window=1 allows), if it is newer than the last code this user signed in with."""
    if not user.totp_secret or not otp:
        return None
    code = otp.strip().replace(" ", "")
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for offset in (-1, 0, 1):
        step = current + offset
        if hmac.compare_digest(totp.generate_otp(step), code) and step > (user.totp_last_step or -1):
            return step
    return None


def _count_failure(session: Session, user: User, now: datetime, lockout_threshold: int,
                   lockout_minutes: float) -> tuple[int | None, bool]:
    """Count one failed attempt atomically -> (attempt number, whether this attempt locked the account).
    One UPDATE ... RETURNING, so thirty parallel attempts count to thirty instead of each writing
    1, and a conditional lock so exactly one of them locks (and audits the lockout). None: the
    account was locked by a concurrent attempt in the meantime."""
    attempt = session.execute(
        update(User).where(User.id == user.id, _not_locked(now))
        .values(failed_attempts=func.coalesce(User.failed_attempts, 0) + 1)
        .returning(User.failed_attempts).execution_options(synchronize_session=False)).scalar()
    if attempt is None:
        return None, False
    if attempt < lockout_threshold:
        return attempt, False
    locked = session.execute(
        update(User).where(User.id == user.id, _not_locked(now), User.failed_attempts >= lockout_threshold)
        .values(locked_until=now + timedelta(minutes=lockout_minutes), failed_attempts=0)
        .returning(User.locked_until).execution_options(synchronize_session=False)).scalar()
    return attempt, locked is not None


def _accept(session: Session, user: User, now: datetime, otp_step: int | None) -> bool:
    """Record a successful sign-in, unless a concurrent attempt locked the account or used the
    same one-time code first (conditional UPDATE: the database decides, not a stale read)."""
    conditions = [User.id == user.id, _not_locked(now)]
    values: dict = {"failed_attempts": 0, "locked_until": None, "last_login_at": now}
    if otp_step is not None:
        conditions.append(or_(User.totp_last_step.is_(None), User.totp_last_step < otp_step))
        values["totp_last_step"] = otp_step
    done = session.execute(update(User).where(*conditions).values(**values).returning(User.id)
                           .execution_options(synchronize_session=False)).scalar()
    return done is not None


def authenticate(session: Session, username: str, password: str, *, client_addr: str | None,
                 lockout_threshold: int, lockout_minutes: float, mfa: bool = False,
                 otp: str | None = None, allow_demo_logins: bool = True) -> LoginResult:
    """Check a login and write its audit event. The caller shows one message for every
    failure, whether the user is unknown, disabled, locked or the password is wrong.
    `allow_demo_logins=False` (every mode but demo) refuses the published demo logins."""
    now = utcnow()
    # no account name holds a control character (and PostgreSQL cannot even compare a NUL): such a
    # name is an unknown user, answered and audited like any other, with the characters made visible
    printable = bool(username) and username.isprintable()
    user = find_user(session, username) if printable else None
    password_ok = verify_password(user.password_hash if user else None, password)  # always hashes once
    typed = "".join(ch if ch.isprintable() else "\ufffd" for ch in (username or "")[:80])
    if user is None:
        audit.record(session, "login_failed", username=typed, client_addr=client_addr,
                     outcome="denied", detail={"why": "unknown user"})
        return LoginResult(None)

    def refuse(why: str, **extra) -> None:
        audit.record(session, "login_failed", user_id=user.id, username=user.username, client_addr=client_addr,
                     outcome="denied", detail={"why": why, **extra})

    if not user.active:
        refuse("disabled")
        return LoginResult(None)
    if _is_locked(user, now):
        refuse("locked")
        return LoginResult(None, locked=True)
    if password_ok and not allow_demo_logins and is_published_demo_login(user.username, password):
        refuse("published demo login outside demo mode")  # not counted: the password was right
        return LoginResult(None)
    otp_step = _otp_step(user, otp, now) if mfa and password_ok else None
    if mfa and password_ok and otp_step is None:
        password_ok = False  # counted as a failed attempt, same message: no oracle for the password
    if not password_ok:
        attempt, locked_now = _count_failure(session, user, now, lockout_threshold, lockout_minutes)
        if attempt is None:
            refuse("locked")
            return LoginResult(None, locked=True)
        refuse("bad password or code", attempt=attempt)
        if locked_now:
            audit.record(session, "lockout", user_id=user.id, username=user.username, client_addr=client_addr,
                         outcome="locked", detail={"until": (now + timedelta(minutes=lockout_minutes)).isoformat()})
            return LoginResult(None, locked=True)
        return LoginResult(None)
    if not _accept(session, user, now, otp_step):
        refuse("locked, or the one-time code was already used")
        return LoginResult(None)
    audit.record(session, "login", user_id=user.id, username=user.username, client_addr=client_addr)
    session.refresh(user)
    return LoginResult(SessionUser.from_model(user))


def add_or_update_user(session: Session, username: str, *, role: str, full_name: str,
                       division: str | None = None, password: str | None = None,
                       actor: str = "cli", require_strong_password: bool = True) -> tuple[User, bool]:
    """Create or update an authorized employee. Returns (user, created)."""
    username = username.strip()
    if not username or len(username) > 80 or not all(c.isalnum() or c in "._-@" for c in username):
        raise UserInputError("the username must be 1-80 letters, digits or . _ - @")
    if role not in ROLES:
        raise UserInputError(f"the role must be one of {', '.join(ROLES)} (got {role!r})")
    if not full_name or not full_name.strip():
        raise UserInputError("the full name must not be empty")
    if division is not None:
        division = division.strip().upper()
        if division not in DIVISIONS:
            raise UserInputError(f"the division must be one of {', '.join(DIVISIONS)} (got {division!r})")
    if password is not None and require_strong_password and (problem := password_problem(password)):
        raise UserInputError(problem)
    user = find_user(session, username)
    created = user is None
    if created:
        user = User(username=username, full_name=full_name.strip(), role=role, division=division, active=True,
                    failed_attempts=0)
        session.add(user)
    else:
        user.full_name, user.role, user.division, user.active = full_name.strip(), role, division, True
    if password is not None:
        user.password_hash = hash_password(password)
        user.failed_attempts = 0
        user.locked_until = None
    session.flush()
    audit.record(session, "user_created" if created else "user_updated", username=actor,
                 object_type="user", object_id=user.username, detail={"role": role, "division": division})
    return user, created


def enroll_totp(session: Session, username: str, issuer: str = "CONNECT DALLAS Ops", actor: str = "cli") -> str:
    """Give the user a new TOTP secret; returns the otpauth:// URI for an authenticator app."""
    user = find_user(session, username)
    if user is None:
        raise UserInputError(f"no user named {username!r}")
    user.totp_secret = pyotp.random_base32()
    audit.record(session, "mfa_enrolled", username=actor, object_type="user", object_id=user.username)
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)


def disable_user(session: Session, username: str, actor: str = "cli") -> User:
    user = find_user(session, username)
    if user is None:
        raise UserInputError(f"no user named {username!r}")
    user.active = False
    user.session_epoch = (user.session_epoch or 0) + 1  # open sessions end at their next request
    audit.record(session, "user_disabled", username=actor, object_type="user", object_id=user.username)
    return user
