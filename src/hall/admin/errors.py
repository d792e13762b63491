"""Errors of the back office.

AdminError
├── NotAuthenticated   no valid session cookie or bearer token
├── BadCredentials     a sign-in with an unknown name, a wrong password or a disabled account
├── AccountLocked      too many failed sign-ins in a row; says until when
├── Forbidden          the account's role is below what the action needs
├── CsrfRefused        a form or call made with the session cookie without its CSRF token
└── AdminInvalid       a value refused (a user name, a weak password, a bank's text …);
                       names the field
"""

from __future__ import annotations

from datetime import datetime

from hall.errors import HallError

__all__ = [
    "AccountLocked",
    "AdminError",
    "AdminInvalid",
    "BadCredentials",
    "CsrfRefused",
    "Forbidden",
    "NotAuthenticated",
]


class AdminError(HallError):
    """Base of every back-office error."""


class NotAuthenticated(AdminError):
    pass


class BadCredentials(AdminError):
    def __init__(self) -> None:
        # The same words whatever was wrong: the message must not tell which names exist.
        super().__init__("用户名或密码错误")


class AccountLocked(AdminError):
    def __init__(self, until: datetime) -> None:
        super().__init__("登录失败次数过多，账户已临时锁定，请稍后再试")
        self.until = until


class Forbidden(AdminError):
    pass


class CsrfRefused(AdminError):
    pass


class AdminInvalid(AdminError, ValueError):
    pass
