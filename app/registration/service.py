"""What attendees do: register, change their answers and sessions, switch mode, cancel, delete their data.

Each action is one transaction that starts by locking the event (app.events.locks.lock_event), so seat counts
hold under a rush of registrations across processes; emails go out after the commit. The reads at the
end serve the attendee's own pages (the manage link) and personal calendar feed.
"""

import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db import DbSession, begin_write_transaction, commit_in_one_round_trip, reserve_ids, saved_id, utcnow
from app.errors import DomainError
from app.events.locks import lock_event
from app.events.models import AttendanceMode, Event, Visibility
from app.i18n import _, current_locale, known_language
from app.outbox.models import OutgoingMessage
from app.outbox.service import queue_mail, queue_mail_spec
from app.programme.models import Session
from app.registration import (
    attendee_programme,
    capacity,
    confirmations,
    invitations,
    notifications,
    waiting_list,
)
from app.registration.attendee_programme import (  # noqa: F401 - the attendee's pages read them here
    AttendeeSession,
    StreamLink,
    attendee_sessions,
    stream_links,
)
from app.registration.links import Links
from app.registration.models import (
    ACTIVE_STATUSES,
    ATTENDANCE_CHOICE_LABELS,
    ATTENDANCE_CHOICE_PHRASES,
    ERASED_EMAIL_DOMAIN,
    SEAT_HOLDING_STATUSES,
    Answer,
    AttendanceChoice,
    ChoiceStatus,
    Invitation,
    Question,
    QuestionKind,
    Registration,
    RegistrationForm,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.notifications import ChosenSeat, local_moment
from app.registration.queries import questions_of, registration_form_of
from app.registration.waiting_list import Promotions
from app.security import TokenInvalid, read_token

MAX_ANSWER_LENGTH = 2000


class RegistrationClosed(DomainError):
    status_code = 409


class NoSeatLeft(DomainError):
    status_code = 409


class RegistrationInactive(DomainError):
    status_code = 409


@dataclass(frozen=True)
class Applicant:
    """What a person submitted on the registration form."""

    name: str
    email: str
    affiliation: str = ""
    country: str = ""
    mode: AttendanceChoice | None = None  # implied by the event unless it is hybrid
    consent: bool = False
    answers: Mapping[int, Sequence[str]] = field(default_factory=dict)  # question id → values given
    session_ids: Sequence[int] = ()
    invitation: str | None = None  # the token of the invitation link
    time_zone: str = ""  # the browser's, when its script told it


@dataclass(frozen=True)
class AttendeeChanges:
    """What an attendee may change through their manage link (not their email: it is who they are)."""

    name: str
    affiliation: str
    country: str
    answers: Mapping[int, Sequence[str]]
    session_ids: Sequence[int]
    time_zone: str = ""


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: Registration
    is_new: bool  # False: the address was already registered, and nothing changed


@dataclass(frozen=True)
class RegistrationWindow:
    is_open: bool
    message: str  # why not, in the attendee's words


# Rules -------------------------------------------------------------------------------------------


def registration_window(form: RegistrationForm | None, event: Event, now: datetime) -> RegistrationWindow:
    """Registration is open when the organisers opened it, between its opening and closing dates; without a
    closing date it closes when the event ends."""
    if form is None or not form.is_open:
        return RegistrationWindow(False, _("Registration for this event is not open."))
    if form.opens_at is not None and now < form.opens_at:
        return RegistrationWindow(
            False, _("Registration opens on {moment}.").format(moment=local_moment(form.opens_at, event))
        )
    closes_at = closing_moment(form, event)
    if now >= closes_at:
        return RegistrationWindow(
            False, _("Registration closed on {moment}.").format(moment=local_moment(closes_at, event))
        )
    return RegistrationWindow(True, "")


def closing_moment(form: RegistrationForm, event: Event) -> datetime:
    """Registration closes on the organisers' closing date, or else when the event ends (the end of its
    last day, in its own zone)."""
    if form.closes_at is not None:
        return form.closes_at
    day_after = datetime.combine(event.end_date + timedelta(days=1), time(), tzinfo=ZoneInfo(event.timezone))
    return day_after.astimezone(UTC)


def allowed_modes(event: Event) -> list[AttendanceChoice]:
    if event.attendance_mode == AttendanceMode.hybrid:
        return [AttendanceChoice.in_person, AttendanceChoice.online]
    return [AttendanceChoice(event.attendance_mode.value)]


def _checked_mode(event: Event, mode: AttendanceChoice | None) -> AttendanceChoice:
    modes = allowed_modes(event)
    if mode is None and len(modes) == 1:
        return modes[0]
    if mode is None:
        raise DomainError(_("Choose whether you attend in person or online."), field="mode")
    if mode not in modes:
        raise DomainError(
            _("This event is attended {mode} only.").format(
                mode=_(ATTENDANCE_CHOICE_LABELS[modes[0]]).lower()
            ),
            field="mode",
        )
    return mode


def checked_answers(questions: list[Question], answers: Mapping[int, Sequence[str]]) -> dict[int, str]:
    """The answers to store, one per question; a required question left empty is refused."""
    checked: dict[int, str] = {}
    for question in questions:
        name = f"question_{question.id}"
        values = [value.strip() for value in answers.get(question.id or 0, ()) if value.strip()]
        if question.kind == QuestionKind.checkbox:
            values = ["yes"] if values else []
        elif question.kind == QuestionKind.text:
            values = values[-1:]
            if values and len(values[0]) > MAX_ANSWER_LENGTH:
                raise DomainError(_("This is too long."), field=name)
        else:
            if any(value not in question.option_list for value in values):
                raise DomainError(_("Choose one of the options."), field=name)
            if question.kind == QuestionKind.single_choice and len(values) > 1:
                raise DomainError(_("Choose only one option."), field=name)
        if question.is_required and not values:
            raise DomainError(_("This field is required."), field=name)
        checked[question.id or 0] = "\n".join(values)
    return checked


def _checked_sessions(
    db: DbSession, event: Event, session_ids: Sequence[int], *, fresh: bool = False
) -> list[Session]:
    if not session_ids:
        return []
    offered = {session.id: session for session in capacity.choice_sessions(db, event, fresh=fresh)}
    if any(session_id not in offered for session_id in session_ids):
        raise DomainError(_("Choose among the sessions offered."), field="sessions")
    chosen = sorted((offered[session_id] for session_id in set(session_ids)), key=lambda s: s.start_at)
    for earlier, later in zip(chosen, chosen[1:], strict=False):
        if later.start_at < earlier.end_at:
            raise DomainError(
                _("{first} and {second} take place at the same time; choose one of them.").format(
                    first=earlier.title, second=later.title
                ),
                field="sessions",
            )
    return chosen


_ACTIVE_REGISTRATION = (
    select(Registration)
    .where(
        Registration.event_id == bindparam("event_id"),
        Registration.email == bindparam("email"),
        col(Registration.status).in_(ACTIVE_STATUSES),
    )
    # Read again under the event's lock, a registration read before it must show what changed meanwhile.
    .execution_options(populate_existing=True)
)


def _active_registration(db: DbSession, event: Event, email: str) -> Registration | None:
    return db.exec(_ACTIVE_REGISTRATION, params={"event_id": event.id, "email": email}).first()


def signed_invitation_id(secret_key: str, token: str | None) -> int | None:
    """The invitation id a link carries if its signature is ours, whether or not it can still be used."""
    if not token:
        return None
    try:
        payload: Any = read_token(
            secret_key, invitations.INVITATION_PURPOSE, token, invitations.TOKEN_MAX_AGE_SECONDS
        )
    except TokenInvalid:
        return None
    invitation_id = payload.get("invitation") if isinstance(payload, dict) else None
    return invitation_id if isinstance(invitation_id, int) else None


def _checked_invitation(
    db: DbSession, event: Event, token: str | None, secret_key: str, now: datetime, email: str
) -> Invitation:
    if not token:
        raise DomainError(
            _("This event is by invitation only. Open the invitation link you received by email."),
            field="invitation",
        )
    return invitations.invitation_from_token(db, event, secret_key, token, now, email=email)


def _new_choice_status(
    db: DbSession, session: Session, holds_seat: bool, mode: AttendanceChoice
) -> ChoiceStatus:
    if holds_seat and capacity.session_has_free_seat(db, session, mode):
        return ChoiceStatus.confirmed
    return ChoiceStatus.waiting


def _new_choice_statuses(
    db: DbSession, sessions: Sequence[Session], holds_seat: bool, mode: AttendanceChoice
) -> list[ChoiceStatus]:
    """`_new_choice_status` of each session, their seats counted in one statement."""
    counted = [
        s for s in sessions if holds_seat and mode == AttendanceChoice.in_person and s.seat_limit is not None
    ]
    taken = capacity.session_seats_taken(db, [saved_id(session) for session in counted])
    return [
        ChoiceStatus.confirmed
        if holds_seat
        and (
            mode == AttendanceChoice.online
            or session.seat_limit is None
            or taken.get(saved_id(session), 0) < session.seat_limit
        )
        else ChoiceStatus.waiting
        for session in sessions
    ]


def _seats(db: DbSession, registration: Registration) -> list[ChosenSeat]:
    return [ChosenSeat(session, status) for session, status in capacity.chosen_seats(db, registration)]


def _already_registered(
    db: DbSession, event: Event, registration: Registration, links: Links
) -> RegistrationOutcome:
    db.rollback()  # nothing changes but the message, which is saved even when a refusal follows
    begin_write_transaction(db)
    queue_mail(
        db, notifications.already_registered_mail(event, registration, links, _seats(db, registration))
    )
    db.commit()
    return RegistrationOutcome(registration, is_new=False)


# Actions -----------------------------------------------------------------------------------------

Params = ParamSpec("Params")
Result = TypeVar("Result")


def _rolls_back_on_refusal(
    action: Callable[Concatenate[DbSession, Params], Result],
) -> Callable[Concatenate[DbSession, Params], Result]:
    # A refused action must not keep the event locked (SQLite: the whole database) until the handle closes.
    @functools.wraps(action)
    def wrapper(db: DbSession, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return action(db, *args, **kwargs)
        except Exception:
            db.rollback()
            raise

    return wrapper


@_rolls_back_on_refusal
def register_attendee(
    db: DbSession, event: Event, applicant: Applicant, *, now: datetime, links: Links
) -> RegistrationOutcome:
    """Registers a person once per event: an address already registered gets its manage link again by email
    and nothing changes; when the mode is full, the person joins its waiting list if the form has one."""
    # Every registration of the event waits for its lock in turn, so what does not count seats is read and
    # checked before it (in the same order as the refusals were always given).
    early_form = registration_form_of(db, event)
    _check_window(early_form, event, now)
    mode = _checked_mode(event, applicant.mode)
    if not applicant.consent:
        raise DomainError(_("Tick this box to agree, or we cannot register you."), field="consent")
    answers = checked_answers(questions_of(db, event), applicant.answers)
    _checked_sessions(db, event, applicant.session_ids)
    email = applicant.email.strip().lower()
    existing = _active_registration(db, event, email)
    # PostgreSQL: the ids of the registration and its confirmation, taken before the lock, so that under
    # it both inserts and the commit take one round trip.
    reserved = reserve_ids(db, Registration, OutgoingMessage)

    form, seats = capacity.locked_form_and_mode_seats(db, event, early_form, mode)
    _check_window(form, event, now)
    # Read again under the lock where it matters: limits, and whoever registered (or cancelled) meanwhile.
    sessions = _checked_sessions(db, event, applicant.session_ids, fresh=True)
    if existing is not None or event.visibility == Visibility.invitation_only:
        existing = _active_registration(db, event, email)
    invitation = None
    if event.visibility == Visibility.invitation_only:
        # A second click on the same invitation link finds the invitation used; it is the same person.
        invited_id = signed_invitation_id(links.secret_key, applicant.invitation)
        if existing is not None and invited_id is not None and existing.invitation_id == invited_id:
            return _already_registered(db, event, existing, links)
        invitation = _checked_invitation(db, event, applicant.invitation, links.secret_key, now, email)

    # Seats freed without anyone promoted (say, a raised limit) go to the people waiting before newcomers.
    promotions, seat_free = waiting_list.fill_free_seats_before_newcomer(db, event, form, mode, seats)
    if seat_free:
        status = waiting_list.status_with_seat(form)
    elif form is not None and form.waiting_list:
        status = RegistrationStatus.waiting
    else:
        full = NoSeatLeft(
            _("All places to attend {mode} are taken.").format(mode=_(ATTENDANCE_CHOICE_PHRASES[mode])),
            field="mode",
        )
        if existing is not None:
            # The same answer as for a newcomer, so the page never tells who is registered; the person
            # registered learns by email that their place is kept.
            _already_registered(db, event, existing, links)
        raise full
    if existing is not None:
        return _already_registered(db, event, existing, links)
    registration = Registration(
        id=reserved[0] if reserved else None,
        event_id=event.id or 0,
        email=email,
        name=applicant.name.strip(),
        affiliation=applicant.affiliation.strip(),
        country=applicant.country.strip().upper(),
        mode=mode,
        status=status,
        consented_at=now,
        waiting_since=now if status == RegistrationStatus.waiting else None,
        language=known_language(current_locale.get()),
        time_zone=applicant.time_zone,
    )
    db.add(registration)
    # Rows that refer to it are inserted after it: without a relationship the flush would not know.
    if reserved is None or invitation is not None or sessions or any(answers.values()):
        try:
            db.flush()
        except IntegrityError as refused:
            return _registered_meanwhile(db, event, email, links, refused)
    if invitation is not None:
        invitations.mark_invitation_used(db, invitation, registration, now)
    for question_id, value in answers.items():
        if value:
            db.add(Answer(registration_id=registration.id or 0, question_id=question_id, value=value))
    statuses = _new_choice_statuses(db, sessions, status in SEAT_HOLDING_STATUSES, mode)
    for session, choice_status in zip(sessions, statuses, strict=True):
        db.add(
            SessionChoice(
                registration_id=saved_id(registration), session_id=saved_id(session), status=choice_status
            )
        )
    # Written by the worker that sends it (app.registration.confirmations), not while the event is locked.
    chosen = sorted(zip(sessions, statuses, strict=True), key=lambda seat: (seat[0].start_at, seat[0].title))
    spec = confirmations.confirmation_spec(
        event, registration, [(saved_id(session), choice) for session, choice in chosen], links
    )
    queue_mail_spec(db, spec, message_id=reserved[1] if reserved else None)
    waiting_list.announce_promotions(db, event, promotions, links)
    try:
        commit_in_one_round_trip(db)
    except IntegrityError as refused:
        return _registered_meanwhile(db, event, email, links, refused)
    return RegistrationOutcome(registration, is_new=True)


def _registered_meanwhile(
    db: DbSession, event: Event, email: str, links: Links, refused: IntegrityError
) -> RegistrationOutcome:
    # The unique index caught a registration with this address saved in the meantime.
    db.rollback()
    existing = _active_registration(db, event, email)
    if existing is None:
        raise refused
    return _already_registered(db, event, existing, links)


def _check_window(form: RegistrationForm | None, event: Event, now: datetime) -> None:
    window = registration_window(form, event, now)
    if not window.is_open:
        raise RegistrationClosed(window.message)


def _lock_active(db: DbSession, event: Event, registration: Registration) -> RegistrationForm | None:
    lock_event(db, event)
    db.refresh(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise RegistrationInactive(_("This registration is cancelled; it can no longer be changed."))
    return registration_form_of(db, event)


@_rolls_back_on_refusal
def update_registration(
    db: DbSession,
    event: Event,
    registration: Registration,
    changes: AttendeeChanges,
    *,
    links: Links,
) -> Registration:
    """Attendees correct details, answers and sessions; a seat given up goes to the next person waiting."""
    _lock_active(db, event, registration)
    answers = checked_answers(questions_of(db, event), changes.answers)
    sessions = {saved_id(session): session for session in _checked_sessions(db, event, changes.session_ids)}
    registration.name = changes.name.strip()
    registration.affiliation = changes.affiliation.strip()
    registration.country = changes.country.strip().upper()
    registration.language = known_language(current_locale.get()) or registration.language
    registration.time_zone = changes.time_zone or registration.time_zone
    registration.updated_at = utcnow()
    db.add(registration)
    stored = {
        a.question_id: a for a in db.exec(select(Answer).where(Answer.registration_id == registration.id))
    }
    for question_id, value in answers.items():
        answer = stored.get(question_id)
        if answer is not None and not value:
            db.delete(answer)
        elif value:
            answer = answer or Answer(registration_id=registration.id or 0, question_id=question_id)
            answer.value = value
            db.add(answer)
    choices = {
        c.session_id: c
        for c in db.exec(select(SessionChoice).where(SessionChoice.registration_id == registration.id))
    }
    for session_id, choice in choices.items():
        if session_id not in sessions:
            db.delete(choice)
    db.flush()
    holds_seat = registration.status in SEAT_HOLDING_STATUSES
    for session_id, session in sessions.items():
        if session_id not in choices:
            db.add(
                SessionChoice(
                    registration_id=registration.id or 0,
                    session_id=session_id or 0,
                    status=_new_choice_status(db, session, holds_seat, registration.mode),
                )
            )
            db.flush()
    promotions = Promotions(session_seats=waiting_list.fill_free_session_seats(db, event))
    waiting_list.announce_promotions(db, event, promotions, links)
    db.commit()
    return registration


@_rolls_back_on_refusal
def switch_mode(
    db: DbSession,
    event: Event,
    registration: Registration,
    mode: AttendanceChoice,
    *,
    links: Links,
) -> Registration:
    """At a hybrid event, attendees move between in person and online while places remain in the other mode;
    the place they leave goes to the first person waiting for it."""
    form = _lock_active(db, event, registration)
    mode = _checked_mode(event, mode)
    if mode == registration.mode:
        db.rollback()
        return registration
    promotions = waiting_list.fill_all_free_seats(db, event, form, [mode])
    if not capacity.has_free_seat(db, event, form, mode):
        raise NoSeatLeft(
            _("There is no place left to attend {mode}; your registration stays as it was.").format(
                mode=_(ATTENDANCE_CHOICE_PHRASES[mode])
            ),
            field="mode",
        )
    old_mode, held_seat = registration.mode, registration.status in SEAT_HOLDING_STATUSES
    registration.mode = mode
    if registration.status == RegistrationStatus.waiting:
        registration.status = waiting_list.status_with_seat(form)
        registration.waiting_since = None
    registration.updated_at = utcnow()
    db.add(registration)
    db.flush()
    waiting_list.recheck_session_seats(db, registration)
    promotions.extend(waiting_list.fill_all_free_seats(db, event, form, [old_mode] if held_seat else []))
    queue_mail(
        db,
        notifications.registration_mail(
            event,
            registration,
            links,
            _seats(db, registration),
            attendee_programme.mail_extras(db, event, registration, links),
        ),
    )
    waiting_list.announce_promotions(db, event, promotions, links)
    db.commit()
    return registration


@_rolls_back_on_refusal
def cancel_registration(
    db: DbSession, event: Event, registration: Registration, *, links: Links
) -> Registration:
    """Cancelling frees the seat and the session seats, which go at once to the first people waiting."""
    form = _lock_active(db, event, registration)
    held_seat = registration.status in SEAT_HOLDING_STATUSES
    registration.status = RegistrationStatus.cancelled
    registration.waiting_since = None
    registration.updated_at = utcnow()
    db.add(registration)
    db.flush()
    promotions = waiting_list.fill_all_free_seats(db, event, form, [registration.mode] if held_seat else [])
    queue_mail(db, notifications.cancellation_mail(event, registration, links))
    waiting_list.announce_promotions(db, event, promotions, links)
    db.commit()
    return registration


@_rolls_back_on_refusal
def delete_personal_data(db: DbSession, event: Event, registration: Registration, *, links: Links) -> None:
    """Erases the person's name, address, answers and session choices, and who their invitation was sent
    to; an active registration is cancelled
    (its seat goes to the next person waiting), and every link sent to them stops working."""
    lock_event(db, event)
    db.refresh(registration)
    form = registration_form_of(db, event)
    held_seat = registration.status in SEAT_HOLDING_STATUSES
    db.exec(delete(Answer).where(col(Answer.registration_id) == registration.id))
    db.exec(delete(SessionChoice).where(col(SessionChoice.registration_id) == registration.id))
    invitations.erase_invitee(db, registration)
    registration.name = ""
    registration.email = f"deleted-{registration.id}{ERASED_EMAIL_DOMAIN}"
    registration.affiliation = ""
    registration.country = ""
    registration.consented_at = None
    registration.waiting_since = None
    registration.secret = secrets.token_urlsafe(24)
    registration.calendar_secret = secrets.token_urlsafe(24)
    if registration.status in ACTIVE_STATUSES:
        registration.status = RegistrationStatus.cancelled
    registration.updated_at = utcnow()
    db.add(registration)
    db.flush()
    promotions = waiting_list.fill_all_free_seats(db, event, form, [registration.mode] if held_seat else [])
    waiting_list.announce_promotions(db, event, promotions, links)
    db.commit()


def renew_manage_link(
    db: DbSession, event: Event, registration: Registration, *, links: Links
) -> Registration:
    """Organisers send an attendee a new personal link; the old links stop working once it is sent, and
    keep working when it cannot be."""
    if registration.email.endswith(ERASED_EMAIL_DOMAIN):
        raise RegistrationInactive(_("This person deleted their data; there is nobody to send a link to."))
    # The new secret and the message carrying it are saved together: the message is delivered (and
    # retried) from the mail log, where the organiser sees whether it went out.
    begin_write_transaction(db)
    registration.secret = secrets.token_urlsafe(24)
    registration.updated_at = utcnow()
    db.add(registration)
    queue_mail(db, notifications.manage_link_mail(event, registration, links, renewed=True))
    db.commit()
    return registration


def resend_manage_link(db: DbSession, event: Event | None, email: str, *, links: Links) -> None:
    """An attendee who lost their link gets it again by email; whoever asks learns nothing about whether
    the address (or the event) exists, and no link is revoked by asking."""
    if event is None or not event.is_published:
        return
    begin_write_transaction(db)  # the message is written after reading, in one transaction
    statement = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.email == email.strip().lower())
        .order_by(col(Registration.created_at).desc())
    )
    registration = db.exec(statement).first()
    if registration is None:
        db.rollback()
        return
    queue_mail(db, notifications.manage_link_mail(event, registration, links, renewed=False))
    db.commit()


def renew_calendar_link(db: DbSession, registration: Registration) -> Registration:
    """A new personal calendar address; the old one stops working (for a link shared by mistake)."""
    registration.calendar_secret = secrets.token_urlsafe(24)
    registration.updated_at = utcnow()
    db.add(registration)
    db.commit()
    return registration
