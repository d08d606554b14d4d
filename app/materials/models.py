from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow
from app.i18n import N_


class MaterialKind(StrEnum):
    slides = "slides"
    recording = "recording"  # a link to a video platform
    link = "link"
    file = "file"


class MaterialVisibility(StrEnum):
    public = "public"  # shown as soon as it is there
    after_session = "after_session"  # shown once the session has ended
    hidden = "hidden"  # organisers only


class Material(SQLModel, table=True):
    """Slides, a recording link or another file or link attached to a session (or one talk of it)."""

    __tablename__ = "material"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    talk_id: int | None = Field(default=None, foreign_key="talk.id", ondelete="CASCADE", index=True)
    speaker_id: int | None = Field(default=None, foreign_key="speaker.id", ondelete="SET NULL", index=True)
    kind: MaterialKind = Field(default=MaterialKind.slides, sa_type=string_enum(MaterialKind))
    title: str = Field(default="", max_length=300)
    url: str | None = Field(default=None, max_length=1000)  # recordings and links
    visibility: MaterialVisibility = Field(
        default=MaterialVisibility.after_session, sa_type=string_enum(MaterialVisibility)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MaterialVersion(SQLModel, table=True):
    """One uploaded file of a material; a new upload adds a version and keeps the old ones."""

    __tablename__ = "material_version"
    __table_args__ = (UniqueConstraint("material_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    material_id: int = Field(foreign_key="material.id", ondelete="CASCADE", index=True)
    number: int = 1
    storage_key: str = Field(max_length=200, index=True)  # sha256 of the content
    filename: str = Field(max_length=255)  # sanitised
    content_type: str = Field(max_length=120)
    size: int = Field(sa_type=BigInteger)
    uploaded_by_speaker_id: int | None = Field(default=None, foreign_key="speaker.id", ondelete="SET NULL")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


MATERIAL_KIND_LABELS: dict[MaterialKind, str] = {
    MaterialKind.slides: N_("Slides"),
    MaterialKind.recording: N_("Recording"),
    MaterialKind.link: N_("Link"),
    MaterialKind.file: N_("File"),
}
VISIBILITY_LABELS: dict[MaterialVisibility, str] = {
    MaterialVisibility.public: N_("Public now"),
    MaterialVisibility.after_session: N_("Public after the session"),
    MaterialVisibility.hidden: N_("Not public"),
}
