"""What feedback was given: per session (count, average, comments) and per speaker, for the organisers'
page, the speaker portal and the CSV file. Nobody's name is attached to a rating: speakers and organisers
read the ratings and the comments, and only whether each came from a registered attendee."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from babel.numbers import format_decimal
from sqlmodel import col, select

from app.db import DbSession, saved_id
from app.events.models import Event
from app.feedback.models import SessionFeedback
from app.i18n import current_locale
from app.programme.models import Confirmation, RoleKind, Session, SessionRole
from app.speakers.models import Speaker

# The roles whose sessions are "theirs" in the per-speaker averages: those who present.
PRESENTING_ROLES = (RoleKind.speaker, RoleKind.panelist)


def average_label(total: int, count: int) -> str:
    """The average rating with one decimal, in the reader's language ("4.3", "4,3"); "" without ratings."""
    return format_decimal(total / count, format="0.0", locale=current_locale.get()) if count else ""


@dataclass(frozen=True)
class FeedbackEntry:
    """One person's feedback, without who gave it."""

    rating: int
    comment: str
    given_at: datetime
    registered: bool


@dataclass
class SessionSummary:
    session: Session
    speakers: list[str]
    # Newest first.
    entries: list[FeedbackEntry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def total(self) -> int:
        return sum(entry.rating for entry in self.entries)

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def average_label(self) -> str:
        return average_label(self.total, self.count)

    @property
    def comments(self) -> list[FeedbackEntry]:
        return [entry for entry in self.entries if entry.comment]


@dataclass
class SpeakerSummary:
    speaker: Speaker
    sessions: int = 0  # their sessions with at least one rating
    count: int = 0
    total: int = 0

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def average_label(self) -> str:
        return average_label(self.total, self.count)


@dataclass(frozen=True)
class EventFeedback:
    # The sessions with at least one rating, in programme order.
    sessions: list[SessionSummary]
    # Their presenters, by name.
    speakers: list[SpeakerSummary]

    @property
    def count(self) -> int:
        return sum(summary.count for summary in self.sessions)


def _summaries(
    db: DbSession, event: Event, session_ids: Sequence[int] | None = None
) -> tuple[list[SessionSummary], dict[int, list[Speaker]]]:
    """The sessions with feedback, in programme order, and who presents each."""
    statement = (
        select(SessionFeedback, Session)
        .join(Session, col(Session.id) == SessionFeedback.session_id)
        .where(Session.event_id == event.id)
        .order_by(
            col(Session.start_at),
            col(Session.id),
            col(SessionFeedback.created_at).desc(),
            col(SessionFeedback.id).desc(),
        )
    )
    if session_ids is not None:
        statement = statement.where(col(Session.id).in_(list(session_ids)))
    summaries: dict[int, SessionSummary] = {}
    for feedback, session in db.exec(statement):
        summary = summaries.setdefault(saved_id(session), SessionSummary(session, []))
        summary.entries.append(
            FeedbackEntry(
                feedback.rating, feedback.comment, feedback.created_at, feedback.voter_key.startswith("r")
            )
        )
    presenters = _presenters(db, list(summaries))
    for session_id, summary in summaries.items():
        summary.speakers.extend(speaker.name for speaker in presenters.get(session_id, []))
    return list(summaries.values()), presenters


def _presenters(db: DbSession, session_ids: list[int]) -> dict[int, list[Speaker]]:
    """Who presents each session (speakers and panelists who did not decline), in the programme's order."""
    if not session_ids:
        return {}
    statement = (
        select(SessionRole.session_id, Speaker)
        .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
        .where(
            col(SessionRole.session_id).in_(session_ids),
            col(SessionRole.role).in_(PRESENTING_ROLES),
            col(SessionRole.confirmation) != Confirmation.declined,
        )
        .order_by(col(SessionRole.position), col(SessionRole.id))
    )
    presenters: dict[int, list[Speaker]] = defaultdict(list)
    for session_id, speaker in db.exec(statement):
        if all(known.id != speaker.id for known in presenters[session_id]):
            presenters[session_id].append(speaker)
    return presenters


def event_feedback(db: DbSession, event: Event) -> EventFeedback:
    """Per session with feedback: its count, average and comments (newest first); per presenter: the
    average of every rating their sessions received. Three queries, whatever the numbers."""
    summaries, presenters = _summaries(db, event)
    speakers: dict[int, SpeakerSummary] = {}
    for summary in summaries:
        for speaker in presenters.get(saved_id(summary.session), []):
            line = speakers.setdefault(saved_id(speaker), SpeakerSummary(speaker))
            line.sessions += 1
            line.count += summary.count
            line.total += summary.total
    ordered = sorted(speakers.values(), key=lambda line: (line.speaker.name.casefold(), line.speaker.id))
    return EventFeedback(summaries, ordered)


def speaker_feedback(db: DbSession, event: Event, speaker: Speaker) -> dict[int, SessionSummary]:
    """The feedback on each session the speaker has a role in, by session id (sessions without any are
    missing)."""
    session_ids = db.exec(select(SessionRole.session_id).where(SessionRole.speaker_id == speaker.id)).all()
    if not session_ids:
        return {}
    summaries, _presenters_of = _summaries(db, event, list(set(session_ids)))
    return {saved_id(summary.session): summary for summary in summaries}
