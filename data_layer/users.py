"""Accounts, sign-in with rate limits, kiosk tokens, and reading the audit trail.

- Passwords are hashed with argon2id (argon2-cffi's defaults); the clear text is never stored or logged.
- Failed sign-ins are rows of login_attempt, so the per-user and per-client limits hold across app replicas that
  share one store. A name that is no account is recorded only as a short fingerprint: people type their password
  into the user-name box, and that must not land in the table or the log.
- Kiosk tokens are random 256-bit strings; only their SHA-256 is stored (a fast hash is enough for a random
  secret, and it lets the token be looked up by its hash).
- Every change records an audit row in the same transaction, through `data_layer.audit.record`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, text, update
from sqlalchemy.orm import Mapped
from sqlmodel import col

from data_layer import audit
from data_layer.auth import ROLES, Actor, require
from data_layer.db import inserted_id
from data_layer.models import AppUser, AuditLog, District, KioskToken, LoginAttempt

log = logging.getLogger(__name__)

_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory parameters
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # hashing cost grows with length; nobody types more
_USERNAME = re.compile(r"^[\w.@-]{1,80}$")  # \w is Unicode: pinyin, Chinese or an e-mail address all fit
_KEEP_ATTEMPTS = timedelta(days=30)  # sign-in history kept for an admin's questions, then pruned


class UserError(ValueError):
    """A refused account change; `code` names the reason (translated by the page as auth.error.<code>)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class UserRecord:
    """An account as the app may see it: never the hash."""

    username: str
    display_name: str
    role: str
    is_active: bool
    districts: tuple[str, ...] = ()  # the districts an editor may import for; () = every district

    @property
    def scope(self) -> frozenset[str] | None:
        """The import scope to hand to data_layer.imports.Options: None when unscoped."""
        return frozenset(self.districts) if self.districts else None


@dataclass(frozen=True)
class LoginResult:
    """`outcome` is ok, invalid (unknown name or wrong password), disabled, or locked (rate limit)."""

    outcome: str
    user: UserRecord | None = None
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class KioskGrant:
    token_id: int
    label: str


# ---------------------------------------------------------------------------------------------- passwords


@cache
def _dummy_hash() -> str:
    """Verified against when the name is no account, so an unknown name costs as long as a wrong password."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def normalise_username(name: str) -> str:
    return name.strip().lower()


def hash_password(password: str) -> str:
    _check_password(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("short_password", f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError("long_password", f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


def _check_username(username: str) -> None:
    if not _USERNAME.match(username):
        raise UserError("bad_username", "a user name is 1-80 letters, digits, '.', '_', '-' or '@'")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError("bad_role", f"role must be one of {', '.join(ROLES)}")


# ---------------------------------------------------------------------------------------------- accounts


def _record(row: object) -> UserRecord:
    return UserRecord(row.username, row.display_name, row.role, bool(row.is_active),  # type: ignore[attr-defined]
                      parse_districts(getattr(row, "districts", "")))


def parse_districts(text: object) -> tuple[str, ...]:
    """'440106,440105' -> ('440105', '440106'); blank -> () (unscoped)."""
    if not text:
        return ()
    return tuple(sorted({part.strip() for part in str(text).replace("，", ",").split(",") if part.strip()}))


def _fetch(conn: Connection, username: str) -> Row[Any] | None:
    return conn.execute(select(AppUser).where(col(AppUser.username) == username)).first()


def _fetch_or_fail(conn: Connection, username: str) -> Row[Any]:
    row = _fetch(conn, username)
    if row is None:
        raise UserError("unknown_user", f"no account named {username!r}")
    return row


def _active_admins(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(AppUser)
                            .where(col(AppUser.role) == "admin", col(AppUser.is_active).is_(True))).scalar_one())


def get_user(engine: Engine, *, username: str) -> UserRecord | None:
    """The account, active or not, or None."""
    with engine.connect() as conn:
        row = _fetch(conn, normalise_username(username))
    return None if row is None else _record(row)


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(AppUser)).scalar_one())


def list_users(engine: Engine) -> pd.DataFrame:
    """Every account without its hash, admins first, then by name."""
    columns = [col(AppUser.username), col(AppUser.display_name), col(AppUser.role), col(AppUser.districts),
               col(AppUser.is_active),
               col(AppUser.created_at), col(AppUser.last_login_at)]
    order = {role: rank for rank, role in enumerate(reversed(ROLES))}
    with engine.connect() as conn:
        result = conn.execute(select(*columns).order_by(col(AppUser.username)))
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        return frame
    frame["is_active"] = frame["is_active"].astype(bool)
    return frame.sort_values(["role", "username"], key=lambda s: s.map(order) if s.name == "role" else s,
                             kind="stable").reset_index(drop=True)


def add_user(engine: Engine, *, username: str, password: str, role: str, by: Actor,
             display_name: str = "") -> UserRecord:
    """Create an account. Only an admin may (the command line acts as one: it has the store in hand)."""
    require(by, "admin")
    username = normalise_username(username)
    _check_username(username)
    _check_role(role)
    password_hash = hash_password(password)
    display_name = display_name.strip()[:120]
    with engine.begin() as conn:
        if _fetch(conn, username) is not None:
            raise UserError("exists", f"an account named {username!r} exists already")
        conn.execute(insert(AppUser).values(username=username, display_name=display_name, role=role,
                                            password_hash=password_hash, is_active=True, created_at=_now()))
        audit.record(conn, user=by.name, action="user_add", table="app_user", key=username, via=by.via,
                     new={"username": username, "display_name": display_name, "role": role, "is_active": True})
    log.info("account %s added with role %s by %s (%s)", username, role, by.name, by.via)
    return UserRecord(username, display_name, role, True)


def set_role(engine: Engine, *, username: str, role: str, by: Actor) -> None:
    require(by, "admin")
    username = normalise_username(username)
    _check_role(role)
    with engine.begin() as conn:
        row = _fetch_or_fail(conn, username)
        old = row.role
        if old == role:
            return
        conn.execute(update(AppUser).where(col(AppUser.username) == username).values(role=role))
        if old == "admin" and _active_admins(conn) == 0:
            raise UserError("last_admin", "the last active admin cannot lose the role")  # rolls back
        audit.record(conn, user=by.name, action="user_role", table="app_user", key=username, via=by.via,
                     old={"role": old}, new={"role": role})
    log.info("account %s role %s -> %s by %s (%s)", username, old, role, by.name, by.via)


def set_districts(engine: Engine, *, username: str, districts: list[str] | tuple[str, ...], by: Actor) -> None:
    """Limit an editor's imports to these district codes (empty: every district, as editors had before). Codes
    the store does not know are refused, so a typo cannot lock an editor out unseen."""
    require(by, "admin")
    username = normalise_username(username)
    wanted = parse_districts(",".join(districts))
    with engine.begin() as conn:
        known = set(conn.execute(select(col(District.code))).scalars())
        unknown = [code for code in wanted if code not in known]
        if unknown:
            raise UserError("unknown_district", f"no district with code {', '.join(unknown)}")
        row = _fetch_or_fail(conn, username)
        old = parse_districts(row.districts)
        if old == wanted:
            return
        conn.execute(update(AppUser).where(col(AppUser.username) == username).values(districts=",".join(wanted)))
        audit.record(conn, user=by.name, action="user_districts", table="app_user", key=username, via=by.via,
                     old={"districts": list(old)}, new={"districts": list(wanted)})
    log.info("account %s district scope %s -> %s by %s (%s)", username, old, wanted, by.name, by.via)


def reset_password(engine: Engine, *, username: str, password: str, by: Actor) -> None:
    """Set a new password. The audit row says that it changed, never what to."""
    require(by, "admin")
    username = normalise_username(username)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        _fetch_or_fail(conn, username)
        conn.execute(update(AppUser).where(col(AppUser.username) == username).values(password_hash=password_hash))
        audit.record(conn, user=by.name, action="user_password", table="app_user", key=username, via=by.via,
                     new={"password": "changed"})
    log.info("password of %s reset by %s (%s)", username, by.name, by.via)


def set_active(engine: Engine, *, username: str, active: bool, by: Actor) -> None:
    """Disable (or re-enable) an account. A disabled account cannot sign in; its history stays."""
    require(by, "admin")
    username = normalise_username(username)
    with engine.begin() as conn:
        row = _fetch_or_fail(conn, username)
        old = bool(row.is_active)
        if old == active:
            return
        conn.execute(update(AppUser).where(col(AppUser.username) == username).values(is_active=active))
        if not active and row.role == "admin" and _active_admins(conn) == 0:
            raise UserError("last_admin", "the last active admin cannot be disabled")
        audit.record(conn, user=by.name, action="user_enable" if active else "user_disable", table="app_user",
                     key=username, via=by.via, old={"is_active": old}, new={"is_active": active})
    log.info("account %s %s by %s (%s)", username, "enabled" if active else "disabled", by.name, by.via)


def user_for_identity(engine: Engine, *, identity: str) -> UserRecord | None:
    """The active account whose user name is this identity-provider identity (e-mail or preferred user name),
    used when sign-in goes through an OIDC provider and roles stay here."""
    record = get_user(engine, username=identity)
    return record if record is not None and record.is_active else None


# ---------------------------------------------------------------------------------------------- sign-in


def _now() -> datetime:
    return datetime.now(UTC)


def attempt_key(username: str, *, known: bool) -> str:
    """What login_attempt and the log record for a typed name: the name when it is an account, else a short
    fingerprint (the box may hold a mistyped password; 32 bits single out no password but still group retries)."""
    if known:
        return username
    return "?" + hashlib.sha256(username.encode()).hexdigest()[:8]


def _failures(conn: Connection, column: Mapped[str], value: str, since: datetime, mine: int) -> list[tuple[datetime,
                                                                                                           str]]:
    """(time, user key) of the failed sign-ins matching `column == value` after `since`, other than attempt
    `mine`. An attempt under way counts as a failure until its password checks out (see authenticate)."""
    statement = (select(col(LoginAttempt.at), col(LoginAttempt.username))
                 .where(column == value, col(LoginAttempt.success).is_(False), col(LoginAttempt.at) > since,
                        col(LoginAttempt.id) != mine)
                 .order_by(col(LoginAttempt.at)))
    return [(row[0], row[1]) for row in conn.execute(statement)]


def _last_success(conn: Connection, username: str, client: str | None = None) -> datetime | None:
    statement = select(func.max(col(LoginAttempt.at))).where(col(LoginAttempt.username) == username,
                                                        col(LoginAttempt.success).is_(True))
    if client is not None:
        statement = statement.where(col(LoginAttempt.client) == client)
    return conn.execute(statement).scalar()


def _retry_after(failures: list[datetime], *, max_failures: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `max_failures` failures remain inside the window (0 when that is already so)."""
    if max_failures <= 0 or len(failures) < max_failures:  # 0 switches the limit off
        return 0
    frees_at = _as_utc(failures[len(failures) - max_failures]) + window
    return max(1, int((frees_at - now).total_seconds() + 0.999))


def _spraying_retry_after(failures: list[tuple[datetime, str]], key: str, *, max_accounts: int, window: timedelta,
                          now: datetime) -> int:
    """Seconds until this client may try one more account: it has failed on `max_accounts` other accounts
    inside the window (trying one password on many accounts). Retrying an account already tried is not new."""
    latest: dict[str, datetime] = {}
    for at, user in failures:
        latest[user] = max(latest.get(user, at), at)
    if max_accounts <= 0 or key in latest:
        return 0
    return _retry_after(sorted(latest.values()), max_failures=max_accounts, window=window, now=now)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# Serialises the reservation step of sign-ins on PostgreSQL (any constant works; it names this use).
_SIGN_IN_LOCK = 727_001


def _reserve(conn: Connection, key: str, client: str, now: datetime) -> int:
    """Record the attempt first, as a failure, and return its id. On SQLite this INSERT takes the store's write
    lock, on PostgreSQL an advisory lock is taken before it: either way no two reservations interleave, so the
    counts that follow see every attempt before this one and the limits cannot be beaten by sending many
    passwords at once (check-then-insert would let each of them see the same old count)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SIGN_IN_LOCK})
    statement = insert(LoginAttempt).values(username=key, client=client, at=now, success=False)
    return inserted_id(conn.execute(statement))


def _wait(conn: Connection, *, key: str, known: bool, client: str, mine: int, limits: tuple[int, int, timedelta],
          now: datetime) -> int:
    """Seconds before this attempt may be checked (0: check it now). Per account: failures since its last success
    within the window. Per client: failures within the window, and the number of accounts tried (spraying); an
    account that has signed in from this client before is exempt from the client's limits, so that a client
    address shared by many people (one proxy, one NAT) cannot be used to lock them all out."""
    max_failures, max_accounts, window = limits
    since = now - window
    last_ok = _last_success(conn, key) if known else None
    since_user = max(since, _as_utc(last_ok)) if last_ok else since
    wait = _retry_after([at for at, _ in _failures(conn, col(LoginAttempt.username), key, since_user, mine)],
                        max_failures=max_failures, window=window, now=now)
    if not client or (known and _last_success(conn, key, client) is not None):
        return wait
    by_client = _failures(conn, col(LoginAttempt.client), client, since, mine)
    return max(wait, _retry_after([at for at, _ in by_client], max_failures=max_failures, window=window, now=now),
               _spraying_retry_after(by_client, key, max_accounts=max_accounts, window=window, now=now))


def authenticate(engine: Engine, *, username: str, password: str, client: str, max_failures: int,
                 window_minutes: int, max_accounts_per_client: int = 3, now: datetime | None = None) -> LoginResult:
    """Check a sign-in under the rate limits (see _wait): refused without looking at the password when a limit
    is reached. The attempt is reserved before the password is checked, so concurrent attempts count each other."""
    now = now or _now()
    window = timedelta(minutes=window_minutes)
    name = normalise_username(username)[:200]
    client = client[:80]
    with engine.connect() as conn:  # read before the write below: a SQLite reader may not upgrade to a writer
        row = _fetch(conn, name) if name else None
    key = attempt_key(name, known=row is not None)
    with engine.begin() as conn:
        mine = _reserve(conn, key, client, now)
        wait = _wait(conn, key=key, known=row is not None, client=client, mine=mine, now=now,
                     limits=(max_failures, max_accounts_per_client, window))
        if wait:
            conn.execute(delete(LoginAttempt).where(col(LoginAttempt.id) == mine))  # a refused try is not a guess
    if wait:
        log.warning("sign-in refused (rate limit) user=%s client=%s retry_after=%ss", key, client, wait)
        return LoginResult("locked", retry_after_seconds=wait)
    ok = verify_password(row.password_hash if row is not None else _dummy_hash(), password)
    outcome = "invalid" if row is None or not ok else ("ok" if row.is_active else "disabled")
    if row is None or outcome != "ok":
        log.warning("sign-in failed user=%s client=%s reason=%s", key, client, outcome)
        return LoginResult(outcome)
    values: dict[str, object] = {"last_login_at": now}
    if _HASHER.check_needs_rehash(row.password_hash):
        values["password_hash"] = _HASHER.hash(password)
    with engine.begin() as conn:
        conn.execute(update(LoginAttempt).where(col(LoginAttempt.id) == mine).values(success=True))
        conn.execute(update(AppUser).where(col(AppUser.username) == name).values(**values))
        conn.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < now - _KEEP_ATTEMPTS))
    log.info("sign-in ok user=%s client=%s", key, client)
    return LoginResult("ok", user=_record(row))


# ---------------------------------------------------------------------------------------------- kiosk tokens


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_kiosk_token(engine: Engine, *, label: str, by: Actor) -> tuple[int, str]:
    """A new read-only link token. Returns (id, token): the token is shown once and cannot be read back."""
    require(by, "admin")
    label = label.strip()[:120]
    if not label:
        raise UserError("empty_label", "a kiosk link needs a label (where the screen stands)")
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        result = conn.execute(insert(KioskToken).values(label=label, token_hash=_token_hash(token), created_by=by.name,
                                                        created_at=_now()))
        token_id = inserted_id(result)
        audit.record(conn, user=by.name, action="kiosk_create", table="kiosk_token", key=str(token_id), via=by.via,
                     new={"label": label})
    log.info("kiosk link %s (%s) created by %s (%s)", token_id, label, by.name, by.via)
    return int(token_id), token


def kiosk_grant(engine: Engine, *, token: str) -> KioskGrant | None:
    """The unrevoked kiosk link this token opens, or None."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(col(KioskToken.id), col(KioskToken.label)).where(
            col(KioskToken.token_hash) == _token_hash(token), col(KioskToken.revoked_at).is_(None))).first()
    return None if row is None else KioskGrant(int(row.id), row.label)


def list_kiosk_tokens(engine: Engine) -> pd.DataFrame:
    columns = [col(KioskToken.id), col(KioskToken.label), col(KioskToken.created_by), col(KioskToken.created_at),
               col(KioskToken.revoked_at)]
    with engine.connect() as conn:
        result = conn.execute(select(*columns).order_by(col(KioskToken.id).desc()))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def revoke_kiosk_token(engine: Engine, *, token_id: int, by: Actor) -> None:
    require(by, "admin")
    at = _now()
    with engine.begin() as conn:
        row = conn.execute(select(col(KioskToken.label),
                                  col(KioskToken.revoked_at)).where(col(KioskToken.id) == token_id)).first()
        if row is None:
            raise UserError("unknown_kiosk", f"no kiosk link {token_id}")
        if row.revoked_at is not None:
            return
        conn.execute(update(KioskToken).where(col(KioskToken.id) == token_id).values(revoked_at=at))
        audit.record(conn, user=by.name, action="kiosk_revoke", table="kiosk_token", key=str(token_id), via=by.via,
                     old={"label": row.label, "revoked_at": None}, new={"label": row.label, "revoked_at": at})
    log.info("kiosk link %s revoked by %s (%s)", token_id, by.name, by.via)


# ---------------------------------------------------------------------------------------------- audit trail

AUDIT_COLUMNS = ("id", "at", "user_name", "action", "via", "table_name", "row_key", "old_value", "new_value")


def audit_trail(engine: Engine, *, start: date | None = None, end: date | None = None, user: str | None = None,
                action: str | None = None, table: str | None = None, via: str | None = None,
                contains: str | None = None, tz: str = "Asia/Shanghai", limit: int = 10_000) -> pd.DataFrame:
    """Audit rows, newest first. `start`/`end` are inclusive calendar days in `tz`; `contains` looks (without
    case) in the key and the old and new values. `at` comes back as naive local time in `tz` (spreadsheets
    cannot hold time zones)."""
    zone = ZoneInfo(tz)
    statement = select(*(getattr(AuditLog, c) for c in AUDIT_COLUMNS))
    if start is not None:
        statement = statement.where(col(AuditLog.at) >= datetime.combine(start, time.min, zone))
    if end is not None:
        statement = statement.where(col(AuditLog.at) < datetime.combine(end + timedelta(days=1), time.min, zone))
    for column, value in ((col(AuditLog.user_name), user), (col(AuditLog.action), action), (col(AuditLog.table_name),
                                                                                            table),
                          (col(AuditLog.via), via)):
        if value:
            statement = statement.where(column == value)
    if contains:
        term = contains.strip().lower()
        statement = statement.where(
            func.lower(col(AuditLog.row_key)).contains(term, autoescape=True)
            | func.lower(func.coalesce(col(AuditLog.old_value), "")).contains(term, autoescape=True)
            | func.lower(func.coalesce(col(AuditLog.new_value), "")).contains(term, autoescape=True))
    statement = statement.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)
    with engine.connect() as conn:
        result = conn.execute(statement)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if not frame.empty:
        frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.tz_convert(zone).dt.tz_localize(None)
    return frame


def audit_choices(engine: Engine) -> dict[str, list[str]]:
    """The distinct users, actions and tables in the trail, for the filter boxes."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for name, column in (("user_name", col(AuditLog.user_name)), ("action", col(AuditLog.action)),
                             ("table_name", col(AuditLog.table_name))):
            out[name] = sorted(conn.execute(select(column).distinct()).scalars())
    return out
