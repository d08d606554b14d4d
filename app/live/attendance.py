"""Who attended each session: online attendees' first joins, people checked in at a session's door, and
the organisers' counts per session (registered in person and online, checked in, joined online), on
the page and as a CSV file.

Each join and each check-in is one row per registration and session, written with an insert that lets
the database drop the duplicate (ON CONFLICT DO NOTHING): two clicks or two scanners at once write
one row, and nothing locks the event, unlike registration, which counts seats.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Insert, func
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel, col, select

from app.db import DbSession, psycopg_connection, saved_id, write_alone_on_sqlite
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.i18n import _
from app.live.models import SessionCheckIn, SessionJoin
from app.programme.models import Room, Session
from app.registration import checkin
from app.registration.attendee_programme import is_joinable
from app.registration.capacity import is_chosen_at_registration
from app.registration.models import (
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.text import spreadsheet_cell
from app.timezones import CLOCK, format_local, in_zone, local_to_utc

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class SessionCheckInRefused(DomainError):
    status_code = 409


# Writing once --------------------------------------------------------------------------------------


@cache
def _insert_ignoring_duplicate(table: type[SQLModel], dialect: str) -> Insert:
    # Built once per table: a join at a keynote's start is one of thousands a minute, and the values
    # travel as parameters, so SQLAlchemy finds the compiled statement by its memoised cache key.
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return (
        insert(table.__table__)  # type: ignore[attr-defined]
        .on_conflict_do_nothing(index_elements=["registration_id", "session_id"])
        # A row comes back only when this insert wrote it (rowcount is not told by every driver here).
        .returning(table.__table__.c.id)  # type: ignore[attr-defined]
    )


@cache
def _insert_sql_for_driver(table: type[SQLModel], columns: tuple[str, ...]) -> str:
    # The same statement as PostgreSQL's driver receives it, compiled once: psycopg sends it itself.
    statement = _insert_ignoring_duplicate(table, "postgresql")
    return str(statement.compile(dialect=postgresql.dialect(), column_keys=list(columns)))


def _insert_once(db: DbSession, table: type[SQLModel], values: dict[str, Any]) -> bool:
    """Inserts the row unless one for the same registration and session exists, and commits; True if
    this one did. On PostgreSQL the insert joins the transaction of what the caller read, and it travels
    with the COMMIT in one round trip (psycopg's pipeline mode): nothing waits for a lock there, the
    unique constraint settles a race."""
    if db.get_bind().dialect.name == "postgresql":
        raw = psycopg_connection(db)
        sql = _insert_sql_for_driver(table, tuple(values))
        if raw.autocommit:  # see app.db.each_statement_commits: the insert commits by itself
            cursor = raw.execute(sql, values)
        else:
            with raw.pipeline():
                cursor = raw.execute(sql, values)
                raw.commit()
        db.commit()  # nothing left to send: ends the session's transaction
        return cursor.fetchone() is not None
    # SQLite: one writer at a time, in a transaction of its own (one that has read cannot safely start
    # writing).
    sql, names, binders = _sqlite_insert_for_driver(table, tuple(values), db.get_bind().dialect)
    parameters = [
        bind(values[name]) if bind else values[name] for name, bind in zip(names, binders, strict=True)
    ]
    return write_alone_on_sqlite(db, sql, parameters) is not None


@cache
def _sqlite_insert_for_driver(
    table: type[SQLModel], columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    """The insert as SQLite's driver receives it, compiled once: its SQL, its parameters' names in order and
    their columns' conversions (a UTC time is stored as SQLAlchemy stores it)."""
    compiled = _insert_ignoring_duplicate(table, "sqlite").compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ())
    binders = tuple(table.__table__.c[name].type.bind_processor(dialect) for name in names)  # type: ignore[attr-defined]
    return str(compiled), names, binders


def record_first_join(db: DbSession, registration_id: int, session_id: int, now: datetime) -> bool:
    """Only an attendee's first join of a session is kept; a later or simultaneous one changes nothing.
    True when this join was the first."""
    # Asked first: a reload or a second tab, the commonest case at a keynote, then writes nothing (on SQLite
    # a write waits for the one writer's lock).
    already = db.exec(
        select(SessionJoin.id).where(
            SessionJoin.registration_id == registration_id, SessionJoin.session_id == session_id
        )
    ).first()
    if already is not None:
        db.rollback()  # end the read: the connection goes back to the pool without a transaction open
        return False
    return insert_first_join(db, registration_id, session_id, now)


def insert_first_join(db: DbSession, registration_id: int, session_id: int, now: datetime) -> bool:
    """`record_first_join` for a caller that has just read that no join is recorded: the unique
    constraint still settles two joins at once. True when this join was the first."""
    values = {"registration_id": registration_id, "session_id": session_id, "joined_at": now}
    return _insert_once(db, SessionJoin, values)


# Checking people in at a session's door ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckInLine:
    """A person found at a session's door: when they were checked in to it, or why they cannot be."""

    registration: Registration
    checked_in_at: datetime | None
    reason: str | None  # "already checked in at ..." too

    @property
    def can_check_in(self) -> bool:
        return self.checked_in_at is None and self.reason is None


def session_in_event(db: DbSession, event: Event, session_id: int) -> Session | None:
    """The session, only if it belongs to this event: another event's id finds nothing."""
    return db.exec(select(Session).where(Session.id == session_id, Session.event_id == event.id)).first()


def is_seated(db: DbSession, session: Session) -> bool:
    """Whether people choose a seat in this session when they register (a workshop, a limited session)."""
    statement = select(Session.id).where(Session.id == session.id, is_chosen_at_registration())
    return db.exec(statement).first() is not None


def _seat_statuses(db: DbSession, session: Session, registration_ids: list[int]) -> dict[int, ChoiceStatus]:
    statement = select(SessionChoice.registration_id, SessionChoice.status).where(
        SessionChoice.session_id == session.id, col(SessionChoice.registration_id).in_(registration_ids)
    )
    return {registration_id: ChoiceStatus(status) for registration_id, status in db.exec(statement)}


def _checked_in_at(db: DbSession, session: Session, registration_ids: list[int]) -> dict[int, datetime]:
    statement = select(SessionCheckIn.registration_id, SessionCheckIn.checked_in_at).where(
        SessionCheckIn.session_id == session.id, col(SessionCheckIn.registration_id).in_(registration_ids)
    )
    return dict(db.exec(statement).all())


def _clock(moment: datetime, event: Event, now: datetime) -> str:
    same_day = in_zone(moment, event.timezone).date() == in_zone(now, event.timezone).date()
    return format_local(moment, event.timezone, CLOCK if same_day else "d MMM, HH:mm")


def _refusal(
    event: Event,
    session: Session,
    registration: Registration,
    *,
    seated: bool,
    seat: ChoiceStatus | None,
    checked_in_at: datetime | None,
    now: datetime,
) -> str | None:
    if checked_in_at is not None:
        return _("Already checked in to this session at {time}.").format(
            time=_clock(checked_in_at, event, now)
        )
    reason = checkin.attendance_refusal(registration)
    if reason is not None:
        return reason
    if session.is_cancelled:
        return _("This session was cancelled.")
    if seated and seat == ChoiceStatus.waiting:
        return _("This person is on the waiting list of this session and has no seat in it.")
    if seated and seat is None:
        return _("This person has no seat in this session.")
    return None


def checkin_lines(
    db: DbSession, event: Event, session: Session, registrations: list[Registration], now: datetime
) -> list[CheckInLine]:
    """The people found, each with their check-in to this session or the reason they cannot have one:
    confirmed in-person attendees, with a seat in it when seats are chosen at registration."""
    ids = [saved_id(registration) for registration in registrations]
    seated = is_seated(db, session)
    seats = _seat_statuses(db, session, ids) if seated else {}
    checked = _checked_in_at(db, session, ids)
    lines = []
    for registration in registrations:
        at = checked.get(saved_id(registration))
        reason = _refusal(
            event,
            session,
            registration,
            seated=seated,
            seat=seats.get(saved_id(registration)),
            checked_in_at=at,
            now=now,
        )
        lines.append(CheckInLine(registration, at, reason))
    return lines


def checkin_search(
    db: DbSession, event: Event, session: Session, text: str, now: datetime
) -> list[CheckInLine]:
    """People registered for the event whose name, email or affiliation contains the text, or the one
    whose ticket code (or the address its QR code holds) it is, as the session's door sees them."""
    return checkin_lines(db, event, session, checkin.checkin_search(db, event, text), now)


def check_in_to_session(
    db: DbSession, event: Event, session: Session, registration_id: int, code: str, now: datetime
) -> Registration:
    """Marks a confirmed in-person attendee (with a seat, in a session whose seats are chosen) as present
    in the session, once; a second scan says when they came in."""
    registration = checkin.ticket_in_event(db, event, registration_id, code)
    (line,) = checkin_lines(db, event, session, [registration], now)
    if line.reason is not None or line.checked_in_at is not None:
        raise SessionCheckInRefused(line.reason or _("Already checked in to this session."))
    values = {"registration_id": registration_id, "session_id": saved_id(session), "checked_in_at": now}
    if not _insert_once(db, SessionCheckIn, values):
        # Another scanner was quicker: say when it marked them.
        (line,) = checkin_lines(db, event, session, [registration], now)
        raise SessionCheckInRefused(line.reason or _("Already checked in to this session."))
    return registration


# What organisers see -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionAttendance:
    session: Session
    room: Room | None
    in_person: int  # confirmed in-person registrations expected in the room
    online: int  # confirmed online registrations who can join its stream
    checked_in: int
    joined: int

    @property
    def is_streamed(self) -> bool:
        return is_joinable(self.session, self.room)


def attendance_day(event: Event, requested: date | None, now: datetime) -> date:
    """The day the attendance page shows: the one asked for, else today while the event runs, else its
    first day. A day outside the event is not found."""
    if requested is not None:
        if requested not in event.days:
            raise NotFound(_("This day is not part of the event."))
        return requested
    today = in_zone(now, event.timezone).date()
    return today if today in event.days else event.start_date


def session_attendance(db: DbSession, event: Event, day: date | None = None) -> list[SessionAttendance]:
    """Per session (of one day of the event, in its zone, or all): confirmed registrations in person and
    online, people checked in at its door, and online attendees who joined. Five queries, whatever the
    number of sessions and people."""
    statement = (
        select(Session, Room)
        .join(Room, col(Room.id) == Session.room_id, isouter=True)
        .where(Session.event_id == event.id)
        .order_by(col(Session.start_at), col(Room.position), col(Session.title), col(Session.id))
    )
    if day is not None:
        start = local_to_utc(day, time(0), event.timezone)
        end = local_to_utc(day + timedelta(days=1), time(0), event.timezone)
        statement = statement.where(col(Session.start_at) >= start, col(Session.start_at) < end)
    rows = list(db.exec(statement))

    confirmed = db.exec(
        select(Registration.mode, func.count())
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
        .group_by(col(Registration.mode))
    ).all()
    everyone = {AttendanceChoice(mode): number for mode, number in confirmed}
    seated = set(
        db.exec(select(Session.id).where(Session.event_id == event.id, is_chosen_at_registration())).all()
    )
    chosen: dict[tuple[int, AttendanceChoice], int] = defaultdict(int)
    for session_id, mode, number in db.exec(
        select(SessionChoice.session_id, Registration.mode, func.count())
        .join(Registration, col(Registration.id) == SessionChoice.registration_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.confirmed,
            SessionChoice.status == ChoiceStatus.confirmed,
        )
        .group_by(col(SessionChoice.session_id), col(Registration.mode))
    ):
        chosen[(session_id, AttendanceChoice(mode))] = number
    checked_in = _count_per_session(db, event, SessionCheckIn)
    joined = _count_per_session(db, event, SessionJoin)

    lines = []
    for session, room in rows:
        session_id = saved_id(session)

        def registered(mode: AttendanceChoice, session_id: int = session_id) -> int:
            return chosen[(session_id, mode)] if session_id in seated else everyone.get(mode, 0)

        lines.append(
            SessionAttendance(
                session=session,
                room=room,
                in_person=0 if session.is_cancelled else registered(AttendanceChoice.in_person),
                online=registered(AttendanceChoice.online) if is_joinable(session, room) else 0,
                checked_in=checked_in.get(session_id, 0),
                joined=joined.get(session_id, 0),
            )
        )
    return lines


def _count_per_session(
    db: DbSession, event: Event, table: type[SessionCheckIn] | type[SessionJoin]
) -> dict[int, int]:
    statement = (
        select(table.session_id, func.count())
        .join(Session, col(Session.id) == table.session_id)
        .where(Session.event_id == event.id)
        .group_by(col(table.session_id))
    )
    return dict(db.exec(statement).all())


def session_counts(db: DbSession, event: Event, session: Session) -> SessionAttendance:
    """The counts of one session, for its door's page."""
    day = in_zone(session.start_at, event.timezone).date()
    return next(line for line in session_attendance(db, event, day) if line.session.id == session.id)


# The CSV file ----------------------------------------------------------------------------------------


def csv_filename(event: Event) -> str:
    return f"{event.slug}-attendance.csv"


def attendance_csv(db: DbSession, event: Event) -> bytes:
    """One row per session of the event, in time order: its time in the event's zone, room, and counts.
    UTF-8 with a byte order mark, for Excel."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        spreadsheet_cell(value)
        for value in [
            _("Day"),
            _("Start ({zone})").format(zone=event.timezone),
            _("End"),
            _("Session"),
            _("Room"),
            _("Cancelled"),
            _("Registered in person"),
            _("Registered online"),
            _("Checked in"),
            _("Joined online"),
        ]
    )
    for line in session_attendance(db, event):
        start = in_zone(line.session.start_at, event.timezone)
        end = in_zone(line.session.end_at, event.timezone)
        values: list[str | int] = [
            start.date().isoformat(),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            line.session.title,
            line.room.name if line.room is not None else "",
            _("Yes") if line.session.is_cancelled else "",
            line.in_person,
            line.online,
            line.checked_in,
            line.joined,
        ]
        writer.writerow([spreadsheet_cell(value) for value in values])
    return ("\ufeff" + output.getvalue()).encode("utf-8")
