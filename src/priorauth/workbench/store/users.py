"""Users, their passwords (scrypt) and API tokens (only their sha256 is stored).

Password hashes read ``scrypt$n$r$p$salt_hex$hash_hex``; checking one reads its own
parameters, so raising the cost later leaves existing hashes valid. Every change is audited;
the audit never carries a password hash or a token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store import audit
from priorauth.workbench.store.errors import NotFoundError
from priorauth.workbench.store.models import Role, User

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_MAX_N = 2**20
"""The costliest hash :func:`check_password` accepts from the database (bounds memory use)."""
_MAXMEM = 64 * 1024 * 1024

# Checked against when the user does not exist, so that a wrong name costs as long as a
# wrong password (no timing oracle for user names).
_DUMMY_SALT = bytes(_SALT_BYTES)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length
    )


def hash_password(password: str) -> str:
    """A new ``scrypt$n$r$p$salt_hex$hash_hex`` for ``password`` (random salt)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, _HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(stored: str, password: str) -> bool:
    """Whether ``password`` gives ``stored`` (constant-time compare; malformed -> False)."""
    try:
        scheme, n_text, r_text, p_text, salt_hex, hash_hex = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
    except ValueError:
        return False
    if scheme != "scrypt" or not (1 < n <= _MAX_N) or r < 1 or p < 1 or not expected:
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(member.value for member in Role)
        raise InputError("users", "role", f"unknown role {role!r} (one of {known})") from None


def _by_name(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name)).one_or_none()


def _summary(user: User) -> dict[str, object]:
    return {"name": user.name, "role": user.role.value, "has_token": user.token_hash is not None}


def add_user(session: Session, name: str, role: str | Role, password: str, actor: str) -> User:
    """Create a user. Unknown role, empty name or password, or a taken name -> InputError."""
    if not name.strip():
        raise InputError("users", "name", "a user needs a name")
    if name != name.strip():
        raise InputError("users", "name", f"{name!r} has leading or trailing spaces")
    checked_role = _role(role)
    if not password:
        raise InputError("users", "password", "the password is empty")
    if _by_name(session, name) is not None:
        raise InputError("users", "name", f"user {name!r} already exists")
    user = User(name=name, role=checked_role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", "user", user.id, None, _summary(user))
    return user


def check_password(session: Session, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (unknown names take as long)."""
    user = _by_name(session, name)
    if user is None:
        dummy = _scrypt(password, _DUMMY_SALT, SCRYPT_N, SCRYPT_R, SCRYPT_P, _HASH_BYTES)
        hmac.compare_digest(dummy, dummy)
        return None
    return user if password_matches(user.password_hash, password) else None


def issue_token(session: Session, name: str, actor: str) -> str:
    """A new API token for ``name``; it replaces (invalidates) any earlier one."""
    user = _by_name(session, name)
    if user is None:
        raise NotFoundError(f"no user {name!r}")
    before = _summary(user)
    token = secrets.token_urlsafe(32)
    user.token_hash = token_digest(token)
    session.flush()
    audit.record(session, actor, "user.issue_token", "user", user.id, before, _summary(user))
    return token


def revoke_token(session: Session, name: str, actor: str) -> None:
    """Invalidate ``name``'s API token (log out everywhere)."""
    user = _by_name(session, name)
    if user is None:
        raise NotFoundError(f"no user {name!r}")
    before = _summary(user)
    user.token_hash = None
    session.flush()
    audit.record(session, actor, "user.revoke_token", "user", user.id, before, _summary(user))


def user_for_token(session: Session, token: str) -> User | None:
    """The user whose current token is ``token``, else None."""
    if not token:
        return None
    return session.scalars(select(User).where(User.token_hash == token_digest(token))).one_or_none()
