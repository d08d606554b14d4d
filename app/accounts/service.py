from sqlalchemy import func
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.i18n import _
from app.security import UNKNOWN_USER_HASH, hash_password, verify_password


class AccountError(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(db: DbSession, email: str) -> User | None:
    return db.exec(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def create_user(db: DbSession, email: str, password: str, *, name: str = "", is_admin: bool = False) -> User:
    """An email is one account; a password shorter than 10 characters is refused."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("Enter a valid email address."))
    if len(password) < 10:
        raise AccountError(_("The password must be at least 10 characters long."))
    if user_by_email(db, email) is not None:
        raise AccountError(_("An account with this email already exists."))
    user = User(email=email, name=name, password_hash=hash_password(password), is_admin=is_admin)
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


def set_password(db: DbSession, user: User, password: str, *, is_admin: bool | None = None) -> User:
    if len(password) < 10:
        raise AccountError(_("The password must be at least 10 characters long."))
    user.password_hash = hash_password(password)
    if is_admin is not None:
        user.is_admin = is_admin
    db.add(user)
    db.commit()
    return user


def authenticate(db: DbSession, email: str, password: str) -> User | None:
    """The user whose email and password match, or None; unknown emails take as long as wrong passwords."""
    user = user_by_email(db, email)
    if user is None or not user.is_active:
        verify_password(UNKNOWN_USER_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None
