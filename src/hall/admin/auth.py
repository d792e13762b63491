"""Accounts, roles, sign-in, API tokens and browser sessions of the back office.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile); only the hash is stored and a hash made with older parameters is upgraded at the next
sign-in. There is no default account and no default password: the first admin is made with
``hall users add NAME --role admin --password-stdin``.

A browser signs in with a name and a password and gets a random session cookie; scripts send
``Authorization: Bearer TOKEN`` with a token ``hall users token NAME`` printed once. Of both, the
store keeps only a SHA-256 digest, so a copy of the database opens no door. Five failed sign-ins
in a row lock an account for fifteen minutes (settings), whatever the password of the sixth.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hall.admin.errors import AccountLocked, AdminInvalid, BadCredentials, Forbidden
from hall.settings import Settings
from hall.store import (
    Store,
    TokenInfo,
    User,
    create_admin_session,
    create_token,
    create_user,
    delete_admin_session,
    find_admin_session,
    find_token,
    get_user,
    note_login_failure,
    note_login_success,
    update_user,
)
from hall.store.tables import utcnow

__all__ = [
    "RESERVED_NAMES",
    "TOKEN_PREFIX",
    "Accounts",
    "Role",
    "SignedIn",
    "check_password",
    "check_user_name",
    "hash_password",
    "verify_password",
]

log = logging.getLogger("hall.admin")

TOKEN_PREFIX = "hall_"
#: Actors the audit log uses for changes made outside any account.
RESERVED_NAMES = frozenset({"cli", "system", "anonymous", "admin-api"})
_NAME = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.@\u4e00-\u9fff-]{1,63}$")
PASSWORD_MIN = 10
PASSWORD_MAX = 256


class Role(StrEnum):
    """What an account may do; each role may do everything of the roles below it."""

    VIEWER = "viewer"  # read everything, change nothing
    EDITOR = "editor"  # catalogue, questions, lexicons, persona, hall information
    ADMIN = "admin"  # everything, users included

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(r.value for r in cls)
            raise AdminInvalid(f"role: {value!r} is not one of {valid}") from None


_RANKS = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown, so both cases take as long."""
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_user_name(name: str) -> str:
    name = name.strip()
    if name.lower() in RESERVED_NAMES:
        raise AdminInvalid(f"name: {name!r} is reserved for the audit log")
    if not _NAME.match(name):
        raise AdminInvalid(
            "name: 2-64 letters, digits, hanzi or _ . @ -, starting with a letter, digit or hanzi"
        )
    return name


def check_password(password: str, *, name: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise AdminInvalid(f"password: at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise AdminInvalid(f"password: at most {PASSWORD_MAX} characters")
    if password.strip().lower() == name.lower():
        raise AdminInvalid("password: must not be the user name")
    return password


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """Who makes a request, how, and (for a browser) the CSRF token its forms must carry."""

    user: User
    via: str  # "session" | "token"
    csrf: str | None = None

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    def require(self, needed: Role) -> None:
        if not self.role.allows(needed):
            raise Forbidden(f"this needs the role {needed.value}; {self.name} is {self.role}")

    def check_csrf(self, token: str | None) -> bool:
        """A browser's unsafe request must carry its session's CSRF token; a bearer call has
        no ambient credentials to abuse and needs none."""
        if self.via != "session":
            return True
        return bool(token) and self.csrf is not None and hmac.compare_digest(self.csrf, token or "")


class Accounts:
    """The account operations the CLI, the API and the pages share."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.admin_session_minutes)

    # -- accounts --------------------------------------------------------------------------

    def add(self, name: str, role: str, password: str, *, by: str) -> User:
        name = check_user_name(name)
        parsed = Role.parse(role)
        check_password(password, name=name)
        with self.store.session() as session:
            return create_user(session, name, parsed.value, hash_password(password), by=by)

    def change(
        self,
        name: str,
        *,
        by: str,
        role: str | None = None,
        disabled: bool | None = None,
        password: str | None = None,
    ) -> User:
        hashed = None
        if password is not None:
            hashed = hash_password(check_password(password, name=name))
        with self.store.session() as session:
            return update_user(
                session,
                name,
                by=by,
                role=Role.parse(role).value if role is not None else None,
                disabled=disabled,
                password_hash=hashed,
            )

    def issue_token(self, name: str, *, by: str) -> tuple[str, TokenInfo]:
        """A new API token for the account: returned once, only its digest is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.session() as session:
            info = create_token(session, name, _digest(token), token[:12], by=by)
        return token, info

    # -- signing in ------------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> User:
        """The account if the password is right; BadCredentials or AccountLocked otherwise."""
        with self.store.session() as session:
            user = get_user(session, name.strip()) if name.strip() else None
            if user is None:
                verify_password(_dummy_hash(), password)
                raise BadCredentials
            now = utcnow()
            if user.locked(now):
                assert user.locked_until is not None
                raise AccountLocked(user.locked_until)
            if user.disabled or not verify_password(user.password_hash, password):
                if user.disabled:
                    raise BadCredentials
                after = note_login_failure(
                    session,
                    user.id,
                    limit=self.settings.login_max_failures,
                    lock_for=timedelta(minutes=self.settings.login_lock_minutes),
                )
                if after.locked(now):
                    log.warning("account %r locked after repeated failed sign-ins", user.name)
                # The failure count must be kept although the sign-in fails.
                session.commit()
                raise BadCredentials
            note_login_success(session, user.id)
            if _hasher().check_needs_rehash(user.password_hash):
                update_user(session, user.name, by="system", password_hash=hash_password(password))
            return user

    def start_session(self, user: User) -> tuple[str, str]:
        """A new browser session: (cookie value, CSRF token)."""
        cookie = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.store.session() as session:
            create_admin_session(session, _digest(cookie), user.id, csrf, ttl=self.session_ttl)
        return cookie, csrf

    def end_session(self, cookie: str) -> None:
        with self.store.session() as session:
            delete_admin_session(session, _digest(cookie))

    def from_cookie(self, cookie: str) -> SignedIn | None:
        if not cookie or len(cookie) > 200:
            return None
        with self.store.session() as session:
            found = find_admin_session(session, _digest(cookie), ttl=self.session_ttl)
        if found is None:
            return None
        user, csrf = found
        return SignedIn(user, "session", csrf)

    def from_token(self, token: str) -> SignedIn | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        with self.store.session() as session:
            user = find_token(session, _digest(token))
        return None if user is None else SignedIn(user, "token")
