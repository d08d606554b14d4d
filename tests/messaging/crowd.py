"""A hybrid conference day with people in every audience, registered through the real service."""

from dataclasses import dataclass
from typing import Any

from app.db import DbSession, utcnow
from app.events.models import Event
from app.materials.models import Material, MaterialKind, MaterialVersion
from app.programme.models import Confirmation, RoleKind, Session
from app.registration import checkin
from app.registration.models import AttendanceChoice, Registration
from app.registration.service import cancel_registration, delete_personal_data, register_attendee
from app.speakers.models import Speaker
from tests.factories import add_role, make_hybrid_day, make_speaker
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import applicant, links


@dataclass
class Crowd:
    event: Event
    keynote: Session
    panel: Session
    people: dict[str, Registration]
    speakers: dict[str, Speaker]


def register(
    db: DbSession, event: Event, number: int, name: str, mode: AttendanceChoice, **extra: Any
) -> Registration:
    person = applicant(number, name=name, email=f"{name.lower()}@example.org", mode=mode, **extra)
    return register_attendee(db, event, person, now=utcnow(), links=links()).registration


def make_crowd(db: DbSession) -> Crowd:
    day = make_hybrid_day(db)
    event: Event = day["event"]
    keynote, panel, _coffee = day["sessions"]
    panel.seat_limit = 40  # chosen at registration
    db.add(panel)
    db.commit()
    make_registration_form(db, event, in_person_seats=2)
    in_person, online = AttendanceChoice.in_person, AttendanceChoice.online
    people = {
        "anna": register(db, event, 1, "Anna", in_person, session_ids=[panel.id]),
        "bruno": register(db, event, 2, "Bruno", in_person),
        "chloe": register(db, event, 3, "Chloe", in_person),  # no seat left: waiting list
        "dario": register(db, event, 4, "Dario", online, session_ids=[panel.id]),
        "eva": register(db, event, 5, "Eva", online),
        "farid": register(db, event, 6, "Farid", online),
    }
    bruno = people["bruno"]
    checkin.check_in(db, event, bruno.id or 0, checkin.checkin_code(bruno), utcnow())
    cancel_registration(db, event, people["eva"], links=links())
    delete_personal_data(db, event, people["farid"], links=links())

    emilie, sang = day["speakers"]  # both speak on the panel
    clara = make_speaker(db, event, name="Clara Hoffmann", email="clara@example.org")
    add_role(db, keynote, clara, role=RoleKind.chair)
    add_role(db, panel, clara, role=RoleKind.chair)  # two roles, one copy
    add_role(db, keynote, emilie, role=RoleKind.moderator)
    nobody = make_speaker(db, event, name="No Address", email=None)
    add_role(db, panel, nobody, role=RoleKind.moderator)
    dan = make_speaker(db, event, name="Dan Declined", email="dan@example.org")
    add_role(db, keynote, dan, confirmation=Confirmation.declined)
    # Émilie has uploaded her slides for the panel.
    material = Material(session_id=panel.id or 0, speaker_id=emilie.id, kind=MaterialKind.slides)
    db.add(material)
    db.flush()
    db.add(
        MaterialVersion(
            material_id=material.id or 0,
            storage_key="0" * 64,
            filename="s.pdf",
            content_type="application/pdf",
            size=1,
        )
    )
    db.commit()
    speakers = {"emilie": emilie, "sang": sang, "clara": clara, "nobody": nobody, "dan": dan}
    return Crowd(event, keynote, panel, people, speakers)
