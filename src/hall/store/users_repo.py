"""Back-office accounts, their API tokens and browser sessions, and pending uploads.

The store keeps only what it is given: argon2 hashes of passwords and SHA-256 digests of tokens
and session cookies (``hall.admin`` makes and checks them). Account changes are audited like
every other change; a password never appears in the audit, only that it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hall.store.audit_repo import record_audit
from hall.store.errors import UploadNotFound, UserExists, UserNotFound
from hall.store.tables import AdminSessionRow, ApiTokenRow, UploadRow, UserRow, utcnow

__all__ = [
    "TokenInfo",
    "Upload",
    "User",
    "create_admin_session",
    "create_token",
    "create_user",
    "delete_admin_session",
    "delete_upload",
    "find_admin_session",
    "find_token",
    "get_upload",
    "get_user",
    "list_tokens",
    "list_users",
    "note_login_failure",
    "note_login_success",
    "purge_admin_sessions",
    "purge_uploads",
    "revoke_token",
    "save_upload",
    "update_user",
]


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    password_hash: str = field(repr=False, default="")

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def public(self) -> dict[str, Any]:
        """The account as the audit and the API show it: never the hash."""
        return {"name": self.name, "role": self.role, "disabled": self.disabled}


@dataclass(frozen=True)
class TokenInfo:
    id: int
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def _user(row: UserRow) -> User:
    return User(
        row.id,
        row.name,
        row.role,
        row.disabled,
        row.failed_logins,
        row.locked_until,
        row.last_login_at,
        row.created_at,
        row.password_hash,
    )


def _row(session: Session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise UserNotFound(name)
    return row


def create_user(session: Session, name: str, role: str, password_hash: str, *, by: str) -> User:
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise UserExists(name)
    now = utcnow()
    row = UserRow(
        name=name,
        role=role,
        password_hash=password_hash,
        disabled=False,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    user = _user(row)
    record_audit(
        session,
        actor=by,
        action="create",
        target_type="user",
        target_id=name,
        summary=f"{name} ({role})",
        after=user.public(),
    )
    return user


def get_user(session: Session, name: str) -> User | None:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    return None if row is None else _user(row)


def list_users(session: Session) -> list[User]:
    return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def update_user(
    session: Session,
    name: str,
    *,
    by: str,
    role: str | None = None,
    disabled: bool | None = None,
    password_hash: str | None = None,
) -> User:
    """Change an account's role, disable or enable it, or set its password (which also lifts a
    lock). Disabling ends its sessions and revokes its tokens."""
    row = _row(session, name)
    before = _user(row).public()
    if role is not None:
        row.role = role
    if disabled is not None:
        row.disabled = disabled
        if disabled:
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.user_id == row.id))
            session.execute(
                update(ApiTokenRow).where(ApiTokenRow.user_id == row.id).values(revoked=True)
            )
    if password_hash is not None:
        row.password_hash = password_hash
        row.failed_logins = 0
        row.locked_until = None
        # A new password signs every browser out.
        session.execute(delete(AdminSessionRow).where(AdminSessionRow.user_id == row.id))
    row.updated_at = utcnow()
    session.flush()
    after = _user(row).public()
    if before != after or password_hash is not None:
        changes = [k for k in after if before[k] != after[k]]
        if password_hash is not None:
            changes.append("password")
        record_audit(
            session,
            actor=by,
            action="update",
            target_type="user",
            target_id=name,
            summary=f"{name}: {', '.join(changes)}",
            before=before,
            after={**after, "password_changed": password_hash is not None},
        )
    return _user(row)


def note_login_failure(session: Session, user_id: int, *, limit: int, lock_for: timedelta) -> User:
    """Count a failed sign-in; the ``limit``-th in a row locks the account for ``lock_for``."""
    row = session.get(UserRow, user_id)
    if row is None:
        raise UserNotFound(str(user_id))
    row.failed_logins += 1
    if row.failed_logins >= limit:
        row.locked_until = utcnow() + lock_for
        row.failed_logins = 0
    session.flush()
    return _user(row)


def note_login_success(session: Session, user_id: int) -> None:
    session.execute(
        update(UserRow)
        .where(UserRow.id == user_id)
        .values(failed_logins=0, locked_until=None, last_login_at=utcnow())
    )


# -- API tokens ----------------------------------------------------------------------------------


def create_token(session: Session, name: str, digest: str, hint: str, *, by: str) -> TokenInfo:
    row = _row(session, name)
    token = ApiTokenRow(user_id=row.id, digest=digest, hint=hint, created_at=utcnow())
    session.add(token)
    session.flush()
    record_audit(
        session,
        actor=by,
        action="create_token",
        target_type="user",
        target_id=name,
        summary=f"{name}: token {hint}…",
        after={"token": hint},
    )
    return TokenInfo(token.id, hint, token.created_at, None, False)


def find_token(session: Session, digest: str) -> User | None:
    """The enabled account a live token belongs to; marks the token as used."""
    found = session.execute(
        select(ApiTokenRow, UserRow)
        .join(UserRow)
        .where(ApiTokenRow.digest == digest, ApiTokenRow.revoked.is_(False))
    ).first()
    if found is None:
        return None
    token, user = found
    if user.disabled:
        return None
    token.last_used_at = utcnow()
    return _user(user)


def list_tokens(session: Session, name: str) -> list[TokenInfo]:
    row = _row(session, name)
    tokens = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.user_id == row.id).order_by(ApiTokenRow.id)
    )
    return [TokenInfo(t.id, t.hint, t.created_at, t.last_used_at, t.revoked) for t in tokens]


def revoke_token(session: Session, name: str, token_id: int, *, by: str) -> bool:
    row = _row(session, name)
    token = session.get(ApiTokenRow, token_id)
    if token is None or token.user_id != row.id or token.revoked:
        return False
    token.revoked = True
    record_audit(
        session,
        actor=by,
        action="revoke_token",
        target_type="user",
        target_id=name,
        summary=f"{name}: token {token.hint}…",
        before={"token": token.hint},
    )
    return True


# -- browser sessions ----------------------------------------------------------------------------


def create_admin_session(
    session: Session, digest: str, user_id: int, csrf: str, *, ttl: timedelta
) -> None:
    now = utcnow()
    session.add(
        AdminSessionRow(
            digest=digest, user_id=user_id, csrf=csrf, created_at=now, expires_at=now + ttl
        )
    )
    session.flush()


def find_admin_session(session: Session, digest: str, *, ttl: timedelta) -> tuple[User, str] | None:
    """The enabled account of a live session and its CSRF token; each use extends the session
    (by ``ttl`` from now, written at most once a minute)."""
    now = utcnow()
    found = session.execute(
        select(AdminSessionRow, UserRow)
        .join(UserRow)
        .where(AdminSessionRow.digest == digest, AdminSessionRow.expires_at > now)
    ).first()
    if found is None:
        return None
    row, user = found
    if user.disabled:
        return None
    if row.expires_at < now + ttl - timedelta(minutes=1):
        row.expires_at = now + ttl
    return _user(user), row.csrf


def delete_admin_session(session: Session, digest: str) -> None:
    session.execute(delete(AdminSessionRow).where(AdminSessionRow.digest == digest))


def purge_admin_sessions(session: Session) -> int:
    result = session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at <= utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- uploads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    id: str
    filename: str
    format: str
    options: dict[str, Any]
    content: bytes = field(repr=False)
    created_by: str
    created_at: datetime


def save_upload(
    session: Session,
    upload_id: str,
    *,
    filename: str,
    fmt: str,
    options: dict[str, Any],
    content: bytes,
    by: str,
    ttl: timedelta,
) -> None:
    now = utcnow()
    session.add(
        UploadRow(
            id=upload_id,
            filename=filename[:255],
            format=fmt,
            options=options,
            content=content,
            created_by=by,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()


def get_upload(session: Session, upload_id: str) -> Upload:
    row = session.get(UploadRow, upload_id[:64])
    if row is None or row.expires_at <= utcnow():
        raise UploadNotFound(upload_id)
    return Upload(
        row.id,
        row.filename,
        row.format,
        dict(row.options),
        row.content,
        row.created_by,
        row.created_at,
    )


def delete_upload(session: Session, upload_id: str) -> None:
    session.execute(delete(UploadRow).where(UploadRow.id == upload_id))


def purge_uploads(session: Session) -> int:
    result = session.execute(delete(UploadRow).where(UploadRow.expires_at <= utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
