"""Accounts, passwords, rate limits, kiosk tokens and the audit trail, on temporary stores (both backends)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select

from data_layer import db, users
from data_layer.auth import Actor, PermissionDenied, has_role, require
from data_layer.models import AppUser, AuditLog, KioskToken, LoginAttempt
from tests.auth.conftest import PASSWORDS, SETUP, audit_count, url_of

pytestmark = pytest.mark.slow  # argon2id hashes every password on purpose (0.1-0.5 s each)

LIMIT = {"max_failures": 3, "window_minutes": 15}
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _login(engine: Engine, name: str, password: str, *, client: str = "10.0.0.1", at: datetime = T0,
           **limit: int) -> users.LoginResult:
    return users.authenticate(engine, username=name, password=password, client=client, now=at, **(LIMIT | limit))


def test_password_is_stored_as_an_argon2id_hash_only(accounts: Engine) -> None:
    with accounts.connect() as conn:
        stored = conn.execute(select(AppUser.password_hash).where(AppUser.username == "boss")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORDS["boss"] not in stored
    assert users.verify_password(stored, PASSWORDS["boss"])
    assert not users.verify_password(stored, PASSWORDS["boss"] + "x")


def test_names_are_case_insensitive_and_checked(engine: Engine) -> None:
    users.add_user(engine, username="  Zhang.San ", password="long-enough", role="editor", by=SETUP)
    assert users.get_user(engine, username="ZHANG.SAN") == users.UserRecord("zhang.san", "", "editor", True)
    with pytest.raises(users.UserError) as exists:
        users.add_user(engine, username="zhang.san", password="long-enough", role="viewer", by=SETUP)
    assert exists.value.code == "exists"
    for name, password, role, code in (("bad name", "long-enough", "viewer", "bad_username"),
                                       ("ok", "short", "viewer", "short_password"),
                                       ("ok", "long-enough", "root", "bad_role")):
        with pytest.raises(users.UserError) as refused:
            users.add_user(engine, username=name, password=password, role=role, by=SETUP)
        assert refused.value.code == code
    assert users.count_users(engine) == 1


def test_only_an_admin_may_manage_accounts(accounts: Engine) -> None:
    before = audit_count(accounts)
    for role in ("viewer", "editor"):
        someone = Actor(name="ed", role=role, via="app")
        with pytest.raises(PermissionDenied):
            users.add_user(accounts, username="new", password="long-enough", role="admin", by=someone)
        with pytest.raises(PermissionDenied):
            users.set_role(accounts, username="ed", role="admin", by=someone)
        with pytest.raises(PermissionDenied):
            users.create_kiosk_token(accounts, label="wall", by=someone)
    assert users.get_user(accounts, username="new") is None
    assert users.get_user(accounts, username="ed").role == "editor"  # type: ignore[union-attr]
    assert audit_count(accounts) == before


def test_roles_are_one_rule() -> None:
    assert [r for r in ("viewer", "editor", "admin") if has_role(r, "editor")] == ["editor", "admin"]
    require(Actor("a", "admin"), "editor")
    with pytest.raises(PermissionDenied):
        require(Actor("v", "viewer"), "editor")


def test_the_last_active_admin_cannot_be_disabled_or_demoted(accounts: Engine) -> None:
    for change in (lambda: users.set_active(accounts, username="boss", active=False, by=SETUP),
                   lambda: users.set_role(accounts, username="boss", role="editor", by=SETUP)):
        with pytest.raises(users.UserError) as refused:
            change()
        assert refused.value.code == "last_admin"
    assert users.get_user(accounts, username="boss") == users.UserRecord("boss", "王局", "admin", True)
    users.set_role(accounts, username="ed", role="admin", by=SETUP)
    users.set_active(accounts, username="boss", active=False, by=SETUP)  # another admin exists now
    assert not users.get_user(accounts, username="boss").is_active  # type: ignore[union-attr]


def test_every_account_change_leaves_one_audit_row_and_no_secret(accounts: Engine) -> None:
    """Each write path of users.py, performed once; the trail gains exactly one row per change."""
    start = audit_count(accounts)
    by = Actor("boss", "admin", "app")
    users.add_user(accounts, username="wu", password="First-pass-1", role="viewer", by=by)
    users.set_role(accounts, username="wu", role="editor", by=by)
    users.reset_password(accounts, username="wu", password="Second-pass-2", by=by)
    users.set_active(accounts, username="wu", active=False, by=by)
    users.set_active(accounts, username="wu", active=True, by=by)
    token_id, token = users.create_kiosk_token(accounts, label="三楼会议室", by=by)
    users.revoke_kiosk_token(accounts, token_id=token_id, by=by)
    actions = ["user_add", "user_role", "user_password", "user_disable", "user_enable", "kiosk_create", "kiosk_revoke"]
    assert audit_count(accounts) == start + len(actions)
    trail = users.audit_trail(accounts, user="boss")
    assert sorted(trail["action"]) == sorted(actions)
    assert set(trail["via"]) == {"app"}
    assert trail.loc[trail["action"] == "user_role", "old_value"].item() == json.dumps({"role": "viewer"})
    assert json.loads(trail.loc[trail["action"] == "user_role", "new_value"].item()) == {"role": "editor"}
    text = trail.to_string()
    for secret in ("First-pass-1", "Second-pass-2", token, "$argon2"):
        assert secret not in text
    # a change that changes nothing is no change: no row
    users.set_role(accounts, username="wu", role="editor", by=by)
    assert audit_count(accounts) == start + len(actions)


def test_sign_in_checks_the_password_and_the_account(accounts: Engine) -> None:
    ok = _login(accounts, "BOSS", PASSWORDS["boss"], max_failures=10)
    assert ok.outcome == "ok" and ok.user == users.UserRecord("boss", "王局", "admin", True)
    assert _login(accounts, "boss", "nope-nope", max_failures=10).outcome == "invalid"
    assert _login(accounts, "nobody", "whatever", max_failures=10).outcome == "invalid"
    users.set_active(accounts, username="vera", active=False, by=SETUP)
    assert _login(accounts, "vera", PASSWORDS["vera"], max_failures=10).outcome == "disabled"
    # a wrong password says nothing more about the account
    assert _login(accounts, "vera", "wrong-pass", max_failures=10).outcome == "invalid"
    with accounts.connect() as conn:
        last = conn.execute(select(AppUser.last_login_at).where(AppUser.username == "boss")).scalar_one()
    assert last == T0


def test_rate_limit_per_user_engages_after_the_set_number_of_failures(accounts: Engine) -> None:
    for minute in range(3):  # three failures from three different clients
        assert _login(accounts, "ed", "bad-guess", client=f"c{minute}", at=T0 + timedelta(minutes=minute)).outcome \
            == "invalid"
    locked = _login(accounts, "ed", PASSWORDS["ed"], client="c9", at=T0 + timedelta(minutes=5))
    assert locked.outcome == "locked"
    # the first failure (T0) leaves the 15-minute window at T0+15: 10 minutes after the try at T0+5
    assert locked.retry_after_seconds == 10 * 60
    assert _login(accounts, "ed", PASSWORDS["ed"], client="c9", at=T0 + timedelta(minutes=14)).outcome == "locked"
    assert _login(accounts, "ed", PASSWORDS["ed"], client="c9", at=T0 + timedelta(minutes=15)).outcome == "ok"
    # other accounts were never affected
    assert _login(accounts, "vera", PASSWORDS["vera"], client="c8", at=T0 + timedelta(minutes=5)).outcome == "ok"


def test_rate_limit_per_client_stops_guessing_across_names(accounts: Engine) -> None:
    for i, name in enumerate(("ed", "vera", "zhao")):
        _login(accounts, name, "guess-123", client="10.9.9.9", at=T0 + timedelta(seconds=i))
    assert _login(accounts, "boss", PASSWORDS["boss"], client="10.9.9.9", at=T0 + timedelta(minutes=1)).outcome \
        == "locked"
    assert _login(accounts, "boss", PASSWORDS["boss"], client="10.1.1.1", at=T0 + timedelta(minutes=1)).outcome == "ok"


def test_a_success_restarts_the_users_count(accounts: Engine) -> None:
    for minute in range(2):
        _login(accounts, "ed", "bad-guess", client=f"c{minute}", at=T0 + timedelta(minutes=minute))
    assert _login(accounts, "ed", PASSWORDS["ed"], client="c5", at=T0 + timedelta(minutes=2)).outcome == "ok"
    for minute in range(3, 5):
        _login(accounts, "ed", "bad-guess", client=f"c{minute}", at=T0 + timedelta(minutes=minute))
    assert _login(accounts, "ed", PASSWORDS["ed"], client="c6", at=T0 + timedelta(minutes=6)).outcome == "ok"


def test_the_rate_limit_holds_across_replicas(accounts: Engine) -> None:
    """Two app replicas are two engines on one store: failures seen by one lock the account for the other."""
    other = db.make_engine(url_of(accounts))
    try:
        for i in range(3):
            _login(accounts if i % 2 else other, "vera", "bad-guess", client=f"c{i}", at=T0 + timedelta(seconds=i))
        assert _login(other, "vera", PASSWORDS["vera"], client="c7", at=T0 + timedelta(minutes=1)).outcome == "locked"
    finally:
        other.dispose()


def test_a_name_that_is_no_account_is_kept_only_as_a_fingerprint(accounts: Engine) -> None:
    """People type their password into the name box: the attempt must not store what they typed."""
    _login(accounts, PASSWORDS["ed"], "whatever")
    with accounts.connect() as conn:
        names = list(conn.execute(select(LoginAttempt.username)).scalars())
    assert names == [users.attempt_key(PASSWORDS["ed"].lower(), known=False)]
    assert names[0].startswith("?") and PASSWORDS["ed"].lower() not in names[0]


def test_kiosk_tokens_are_stored_as_hashes_and_can_be_revoked(accounts: Engine) -> None:
    token_id, token = users.create_kiosk_token(accounts, label="  会议室大屏 ", by=SETUP)
    assert len(token) >= 40
    with accounts.connect() as conn:
        stored = conn.execute(select(KioskToken.token_hash, KioskToken.label)).one()
    assert token not in stored.token_hash and stored.label == "会议室大屏"
    assert users.kiosk_grant(accounts, token=token) == users.KioskGrant(token_id, "会议室大屏")
    assert users.kiosk_grant(accounts, token=token[:-1]) is None
    assert users.kiosk_grant(accounts, token="") is None
    users.revoke_kiosk_token(accounts, token_id=token_id, by=SETUP)
    assert users.kiosk_grant(accounts, token=token) is None
    with pytest.raises(users.UserError):
        users.create_kiosk_token(accounts, label="   ", by=SETUP)


def _audit_row(engine: Engine, at: datetime, **values: str) -> None:
    row = {"user_name": "li", "action": "plan_edit", "via": "app", "table_name": "plan_target", "row_key": "k",
           "old_value": None, "new_value": None} | values
    with engine.begin() as conn:
        conn.execute(insert(AuditLog).values(at=at, **row))


def test_audit_trail_filters_by_local_day_user_action_and_text(engine: Engine) -> None:
    # 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai (UTC+8)
    _audit_row(engine, datetime(2026, 3, 1, 16, 30, tzinfo=UTC), row_key="GZ/occupancy/2026",
               new_value='{"target_value": 85}')
    _audit_row(engine, datetime(2026, 3, 1, 15, 59, tzinfo=UTC), user_name="wang", action="import",
               table_name="building_month", via="cli", new_value='{"file": "十月.xlsx"}')
    _audit_row(engine, datetime(2026, 3, 5, 2, 0, tzinfo=UTC), action="label_correct", table_name="feedback",
               row_key="42", old_value='{"label": "neutral"}', new_value='{"label": "negative"}')
    march_2 = users.audit_trail(engine, start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert march_2["row_key"].tolist() == ["GZ/occupancy/2026"]
    assert march_2["at"].iloc[0] == datetime(2026, 3, 2, 0, 30)  # shown in local time, without a zone
    assert users.audit_trail(engine, start=date(2026, 3, 1), end=date(2026, 3, 1))["user_name"].tolist() == ["wang"]
    assert users.audit_trail(engine, start=date(2026, 3, 2), end=date(2026, 3, 2), tz="UTC").empty
    everything = users.audit_trail(engine)
    assert everything["action"].tolist() == ["label_correct", "plan_edit", "import"]  # newest first
    assert users.audit_trail(engine, user="wang")["action"].tolist() == ["import"]
    assert users.audit_trail(engine, via="cli")["user_name"].tolist() == ["wang"]
    assert users.audit_trail(engine, action="label_correct", table="feedback")["row_key"].tolist() == ["42"]
    assert users.audit_trail(engine, contains="NEGATIVE")["row_key"].tolist() == ["42"]
    assert users.audit_trail(engine, contains="十月")["user_name"].tolist() == ["wang"]
    assert users.audit_trail(engine, contains="%").empty  # a wildcard is text, not a pattern
    assert users.audit_choices(engine) == {"user_name": ["li", "wang"],
                                           "action": ["import", "label_correct", "plan_edit"],
                                           "table_name": ["building_month", "feedback", "plan_target"]}
