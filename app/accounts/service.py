"""Accounts: creating and inviting them, passwords (checking, changing, resetting) and sessions."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, begin_write_transaction, saved_id
from app.errors import DomainError
from app.i18n import _
from app.mail import OutgoingMail, render_mail
from app.outbox.service import queue_mail
from app.security import (
    UNKNOWN_USER_HASH,
    RevocableLink,
    TokenExpired,
    TokenInvalid,
    hash_password,
    verify_password,
)
from app.site import Site, SiteUrls

MIN_PASSWORD_LENGTH = 10
INVITATION_DAYS = 7
RESET_HOURS = 2

# Both links carry a digest of the account's password hash: setting a password changes the hash, so a
# link works once, and a reset link dies as soon as the password changes by any other way.
INVITATION_LINK = RevocableLink(purpose="account-invitation", id_key="u", label="invitation")
RESET_LINK = RevocableLink(purpose="password-reset", id_key="u", label="reset")


class AccountError(DomainError):
    pass


class LinkRefused(DomainError):
    status_code = 404


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(db: DbSession, email: str) -> User | None:
    return db.exec(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def all_users(db: DbSession) -> list[User]:
    return list(db.exec(select(User).order_by(col(User.email))).all())


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must be at least 10 characters long."), field="password")


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("Enter a valid email address."), field="email")
    return email


def create_user(db: DbSession, email: str, password: str, *, name: str = "", is_admin: bool = False) -> User:
    """An email is one account; a password shorter than 10 characters is refused."""
    email = _check_email(email)
    _check_password(password)
    if user_by_email(db, email) is not None:
        raise AccountError(_("An account with this email already exists."), field="email")
    user = User(email=email, name=name, password_hash=hash_password(password), is_admin=is_admin)
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


def set_password(db: DbSession, user: User, password: str, *, is_admin: bool | None = None) -> User:
    """A new password ends every session of the account (the command line's reset, too)."""
    _check_password(password)
    user.password_hash = hash_password(password)
    user.session_generation += 1
    if is_admin is not None:
        user.is_admin = is_admin
    db.add(user)
    db.commit()
    return user


def login_candidate(db: DbSession, email: str) -> User | None:
    """The active account with this email, loaded so the password can be checked with the database let go."""
    user = user_by_email(db, email)
    return user if user is not None and user.is_active else None


def password_matches(user: User | None, password: str) -> bool:
    """Checks the password; unknown emails and invited accounts take as long as wrong passwords."""
    if user is None or not user.has_password:
        verify_password(UNKNOWN_USER_HASH, password)
        return False
    return verify_password(user.password_hash, password)


def end_all_sessions(db: DbSession, user: User) -> None:
    """Logging out ends the session on every device: cookies copied before stop working."""
    user.session_generation += 1
    db.add(user)
    db.commit()


def change_password(db: DbSession, user: User, current: str, new: str) -> User:
    """Changing a password needs the current one, and ends every other session of the account."""
    if not password_matches(user, current):
        raise AccountError(_("The current password is not right."), field="current_password")
    _check_password(new)
    if current == new:
        raise AccountError(_("Choose a password different from the current one."), field="password")
    return set_password(db, user, new)


# --- Invitations and password resets by email --------------------------------------------------------


@dataclass(frozen=True)
class AccountLinks:
    """Builds the addresses sent by email from the site's base URL and secret key."""

    urls: SiteUrls
    secret_key: str

    @classmethod
    def of(cls, site: Site) -> "AccountLinks":
        return cls(site.urls, site.secret_key)

    def invitation_url(self, user: User) -> str:
        token = INVITATION_LINK.sign(self.secret_key, saved_id(user), user.password_hash)
        return self.urls.url("invitation_page", token=token)

    def reset_url(self, user: User) -> str:
        token = RESET_LINK.sign(self.secret_key, saved_id(user), user.password_hash)
        return self.urls.url("password_reset_link_page", token=token)


def invitation_mail(user: User, url: str, invited_by: User) -> OutgoingMail:
    context = {"invited_by": invited_by.name or invited_by.email, "url": url, "days": INVITATION_DAYS}
    return render_mail("accounts/invitation.txt", context, to=user.email, event_id=None)


def invite_organiser(db: DbSession, email: str, name: str, invited_by: User, *, links: AccountLinks) -> User:
    """An administrator invites an organiser: the account exists at once, the password comes from the link."""
    email = _check_email(email)
    begin_write_transaction(db)
    existing = user_by_email(db, email)
    if existing is not None and existing.has_password:
        db.rollback()
        raise AccountError(_("An account with this email already exists."), field="email")
    user = existing or User(email=email, name=name.strip(), password_hash="")
    db.add(user)
    db.flush()
    queue_mail(db, invitation_mail(user, links.invitation_url(user), invited_by))
    db.commit()
    return user


def reset_mail(user: User, url: str) -> OutgoingMail:
    return render_mail(
        "accounts/password_reset.txt", {"url": url, "hours": RESET_HOURS}, to=user.email, event_id=None
    )


def request_password_reset(db: DbSession, email: str, *, links: AccountLinks) -> None:
    """A reset link goes to active accounts with a password; the answer is the same for any email."""
    begin_write_transaction(db)
    user = login_candidate(db, email)
    if user is None or not user.has_password:
        db.rollback()
        return
    queue_mail(db, reset_mail(user, links.reset_url(user)))
    db.commit()


def _user_of_link(db: DbSession, link: RevocableLink, secret_key: str, token: str, max_age: int) -> User:
    try:
        user_id, digest = link.read(secret_key, token, max_age)
    except TokenExpired as error:
        raise LinkRefused(_("This link has expired; ask for a new one.")) from error
    except TokenInvalid as error:
        raise LinkRefused(_("This link is not valid. Open the whole link from the email.")) from error
    user = db.get(User, user_id)
    if user is None or not user.is_active or not link.matches(user.password_hash, digest):
        raise LinkRefused(_("This link was already used or is no longer valid; ask for a new one."))
    return user


def invited_user(db: DbSession, secret_key: str, token: str) -> User:
    """The invited account a link opens, until its password is set or the invitation expires."""
    return _user_of_link(db, INVITATION_LINK, secret_key, token, INVITATION_DAYS * 24 * 3600)


def reset_user(db: DbSession, secret_key: str, token: str) -> User:
    """The account a reset link opens, until the password changes or the link expires."""
    return _user_of_link(db, RESET_LINK, secret_key, token, RESET_HOURS * 3600)


def set_password_by_link(db: DbSession, user: User, password: str, confirmation: str) -> User:
    """Following an invitation or reset link sets the password; the link then stops working."""
    _check_password(password)
    if password != confirmation:
        raise AccountError(_("The two passwords are not the same."), field="confirmation")
    return set_password(db, user, password)


def set_active(db: DbSession, user: User, active: bool, *, by: User) -> User:
    """A deactivated account cannot log in and its sessions end; admins cannot deactivate themselves."""
    if user.id == by.id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.session_generation += 1
    db.add(user)
    db.commit()
    return user
