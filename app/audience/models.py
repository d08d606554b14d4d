"""The audience's side of a session: questions from the room and from online, their votes, and quick polls.

Counts (votes on a question, voters of a poll and of each option) are kept on the row they count and
changed with one UPDATE in the transaction that inserts the vote, so concurrent voters never lose a count;
the unique constraints on the vote rows are what makes "one vote per person" hold under double clicks.

Every change to a session's questions or polls takes the next number of the session's `revision`: a page
that reconnects asks for what changed after the last number it saw.
"""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow
from app.i18n import N_

QUESTION_MAX_LENGTH = 500
NAME_MAX_LENGTH = 80


def new_moderator_secret() -> str:
    return secrets.token_urlsafe(24)


class QuestionOrigin(StrEnum):
    room = "room"
    online = "online"


class QuestionState(StrEnum):
    # Asked in a moderated session: only its asker and the moderators see it.
    held = "held"
    visible = "visible"
    answered = "answered"
    # Hidden by a moderator, or merged into another question (merged_into_id says which).
    hidden = "hidden"


class PollState(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class AudienceSettings(SQLModel, table=True):
    """One session's questions and polls: how they are moderated, the moderators' link, the change counter."""

    __tablename__ = "audience_settings"

    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", primary_key=True)
    # True: a question appears after a moderator approves it; False: at once.
    moderated: bool = False
    # No new question or vote once the session has ended (polls too); False keeps them open.
    closes_at_end: bool = True
    # The next change takes revision + 1 (the Last-Event-ID of the live pages).
    revision: int = 0
    # Renewing it revokes every moderator link given before.
    moderator_secret: str = Field(default_factory=new_moderator_secret, max_length=64)


class AudienceQuestion(SQLModel, table=True):
    __tablename__ = "audience_question"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    talk_id: int | None = Field(default=None, foreign_key="talk.id", ondelete="SET NULL")
    text: str = Field(max_length=QUESTION_MAX_LENGTH)
    # What the asker chose to be called; empty: anonymous.
    name: str = Field(default="", max_length=NAME_MAX_LENGTH)
    origin: QuestionOrigin = Field(sa_type=string_enum(QuestionOrigin))
    # Who asked, as the voter key (a registration or a browser): their own held question stays theirs.
    asker_key: str = Field(max_length=64, index=True)
    state: QuestionState = Field(sa_type=string_enum(QuestionState))
    pinned: bool = False
    merged_into_id: int | None = Field(default=None, foreign_key="audience_question.id", ondelete="SET NULL")
    votes: int = 0
    revision: int = 0
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QuestionVote(SQLModel, table=True):
    __tablename__ = "audience_question_vote"
    __table_args__ = (UniqueConstraint("question_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="audience_question.id", ondelete="CASCADE")
    voter_key: str = Field(max_length=64)
    voted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Poll(SQLModel, table=True):
    __tablename__ = "audience_poll"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    question: str = Field(max_length=300)
    multiple_choice: bool = False
    state: PollState = Field(default=PollState.draft, sa_type=string_enum(PollState))
    # Hidden results show only how many have voted until a moderator reveals them.
    results_revealed: bool = False
    # The projector shows this poll (one at a time per session, instead of the pinned question).
    on_projector: bool = False
    voters: int = 0
    revision: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PollOption(SQLModel, table=True):
    __tablename__ = "audience_poll_option"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="audience_poll.id", ondelete="CASCADE", index=True)
    label: str = Field(max_length=200)
    position: int = 0
    votes: int = 0


class PollBallot(SQLModel, table=True):
    """One person's vote in a poll (with one or several options): the unique key makes it once."""

    __tablename__ = "audience_poll_ballot"
    __table_args__ = (UniqueConstraint("poll_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="audience_poll.id", ondelete="CASCADE")
    voter_key: str = Field(max_length=64)
    # The chosen option ids, comma-separated (counted on the options when the ballot was cast).
    choices: str = Field(default="", sa_type=Text)
    voted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


QUESTION_ORIGIN_LABELS: dict[QuestionOrigin, str] = {
    QuestionOrigin.room: N_("In the room"),
    QuestionOrigin.online: N_("Online"),
}
