"""Every domain's tables, imported so the metadata (and Alembic) sees them all."""

from app.accounts.models import User
from app.audience.models import (
    AudienceQuestion,
    AudienceSettings,
    Poll,
    PollBallot,
    PollOption,
    QuestionVote,
)
from app.events.models import Event, EventOrganiser
from app.exports.models import StoredBooklet
from app.feedback.models import SessionFeedback
from app.imports.models import ImportJob
from app.live.models import LiveAdjustment, SessionCheckIn, SessionJoin, StageLink
from app.materials.models import Material, MaterialVersion
from app.messaging.models import GroupMessage
from app.outbox.models import OutgoingAttachment, OutgoingMessage
from app.programme.models import Room, Session, SessionRole, Talk, Track
from app.registration.models import (
    Answer,
    Invitation,
    Question,
    Registration,
    RegistrationForm,
    SessionChoice,
)
from app.speakers.models import Speaker

__all__ = [
    "AudienceQuestion",
    "AudienceSettings",
    "Poll",
    "PollBallot",
    "PollOption",
    "QuestionVote",
    "SessionFeedback",
    "Material",
    "MaterialVersion",
    "Answer",
    "Invitation",
    "Question",
    "Registration",
    "RegistrationForm",
    "SessionChoice",
    "Event",
    "EventOrganiser",
    "GroupMessage",
    "ImportJob",
    "LiveAdjustment",
    "SessionCheckIn",
    "SessionJoin",
    "OutgoingAttachment",
    "OutgoingMessage",
    "StageLink",
    "StoredBooklet",
    "Room",
    "Session",
    "SessionRole",
    "Speaker",
    "Talk",
    "Track",
    "User",
]

# Registers the flush hook that stamps an event whenever its programme changes.
import app.programme.freshness  # noqa: E402, F401
