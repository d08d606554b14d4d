"""Registration settings and questions: the rules without HTTP, then the settings page."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.errors import DomainError
from app.registration.models import Question, QuestionKind, RegistrationForm
from app.registration.queries import questions_of
from app.registration.setup import (
    QuestionDetails,
    QuestionMove,
    RegistrationSettings,
    add_question,
    delete_question,
    move_question,
    save_registration_settings,
    update_question,
)
from tests.factories import make_event
from tests.registration.manage_factories import make_organiser_of, make_question, make_registration_form

SETTINGS = RegistrationSettings(
    is_open=True,
    opens_at=datetime(2022, 9, 1, 7, 0, tzinfo=UTC),
    closes_at=datetime(2022, 10, 1, 22, 0, tzinfo=UTC),
    in_person_seats=100,
    online_places=None,
    requires_approval=True,
    waiting_list=True,
    privacy_note="Only the organisers see your data.",
)


def _form_values(form: RegistrationForm) -> dict[str, object]:
    return form.model_dump(exclude={"id"})


def test_save_settings_first_save_creates_the_form(db):
    event = make_event(db)

    saved = save_registration_settings(db, event, SETTINGS)

    stored = db.exec(select(RegistrationForm).where(RegistrationForm.event_id == event.id)).all()
    assert [_form_values(form) for form in stored] == [
        {
            "event_id": event.id,
            "is_open": True,
            "opens_at": datetime(2022, 9, 1, 7, 0, tzinfo=UTC),
            "closes_at": datetime(2022, 10, 1, 22, 0, tzinfo=UTC),
            "in_person_seats": 100,
            "online_places": None,
            "requires_approval": True,
            "waiting_list": True,
            "privacy_note": "Only the organisers see your data.",
        }
    ]
    assert saved.id == stored[0].id


def test_save_settings_again_updates_the_same_form(db):
    event = make_event(db)
    first = save_registration_settings(db, event, SETTINGS)

    second = save_registration_settings(
        db, event, RegistrationSettings(**{**SETTINGS.__dict__, "in_person_seats": 80, "is_open": False})
    )

    forms = db.exec(select(RegistrationForm).where(RegistrationForm.event_id == event.id)).all()
    assert [(f.id, f.in_person_seats, f.is_open) for f in forms] == [(first.id, 80, False)]
    assert second.id == first.id


def test_save_settings_closing_before_opening_is_refused(db):
    event = make_event(db)
    backwards = RegistrationSettings(**{**SETTINGS.__dict__, "closes_at": datetime(2022, 8, 1, tzinfo=UTC)})

    with pytest.raises(DomainError) as refused:
        save_registration_settings(db, event, backwards)

    assert (refused.value.field, refused.value.message) == (
        "closes_at",
        "Registration must close after it opens.",
    )
    assert db.exec(select(RegistrationForm)).all() == []


def test_add_question_goes_last_with_clean_options(db):
    event = make_event(db)
    make_question(db, event, label="Dietary requirements", position=0)

    question = add_question(
        db,
        event,
        QuestionDetails(
            "Which panel?", QuestionKind.single_choice, " Panel A \n\nPanel B\n", is_required=True
        ),
    )

    assert [(q.label, q.position, q.options) for q in questions_of(db, event)] == [
        ("Dietary requirements", 0, ""),
        ("Which panel?", 1, "Panel A\nPanel B"),
    ]
    assert question.option_list == ["Panel A", "Panel B"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("Only one", "Give at least two options, one per line."),
        ("Yes\nyes", "Each option must be different."),
    ],
    ids=["one-option", "duplicate-options"],
)
def test_add_choice_question_with_bad_options_is_refused(db, options, message):
    event = make_event(db)

    with pytest.raises(DomainError) as refused:
        add_question(db, event, QuestionDetails("Which panel?", QuestionKind.multiple_choice, options, False))

    assert (refused.value.field, refused.value.message) == ("options", message)
    assert questions_of(db, event) == []


def test_update_question_to_text_drops_options(db):
    event = make_event(db)
    question = make_question(db, event, kind=QuestionKind.single_choice, options="A\nB")

    update_question(db, question, QuestionDetails("Anything else?", QuestionKind.text, "A\nB", True))

    db.rollback()
    stored = db.get(Question, question.id)
    assert (stored.label, stored.kind, stored.options, stored.is_required) == (
        "Anything else?",
        QuestionKind.text,
        "",
        True,
    )


def test_move_question_swaps_neighbours_and_keeps_the_ends(db):
    event = make_event(db)
    first = make_question(db, event, label="First", position=0)
    make_question(db, event, label="Second", position=1)
    third = make_question(db, event, label="Third", position=2)

    move_question(db, event, third, QuestionMove.up)
    move_question(db, event, first, QuestionMove.up)

    assert [q.label for q in questions_of(db, event)] == ["First", "Third", "Second"]


def test_delete_question_removes_it(db):
    event = make_event(db)
    question = make_question(db, event)

    delete_question(db, question)

    assert questions_of(db, event) == []


# The settings page ------------------------------------------------------------------------------


def test_settings_page_save_creates_form_with_times_in_event_zone(db, organiser, organiser_client):
    event = make_event(db, timezone="Europe/Paris")
    make_organiser_of(db, event, organiser)

    response = organiser_client.post(
        f"/manage/events/{event.slug}/registration",
        {
            "is_open": "on",
            "opens_at": "2022-09-01T09:00",
            "closes_at": "2022-10-01T18:30",
            "in_person_seats": "100",
            "online_places": "",
            "waiting_list": "on",
            "privacy_note": "Seen by the organisers only.",
        },
    )

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver/manage/events/{event.slug}/registration?saved=1",
    )
    db.rollback()
    form = db.exec(select(RegistrationForm).where(RegistrationForm.event_id == event.id)).one()
    assert (form.is_open, form.opens_at, form.closes_at, form.in_person_seats, form.online_places) == (
        True,
        datetime(2022, 9, 1, 7, 0, tzinfo=UTC),
        datetime(2022, 10, 1, 16, 30, tzinfo=UTC),
        100,
        None,
    )
    assert (form.requires_approval, form.waiting_list) == (False, True)
    page = organiser_client.get(response.headers["location"])
    assert 'value="2022-09-01T09:00"' in page.text
    assert '<p class="notice ok" role="status">Registration settings saved.</p>' in page.text
    # Only right after saving: opening the page again says nothing.
    assert (
        "Registration settings saved."
        not in organiser_client.get(f"/manage/events/{event.slug}/registration").text
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("in_person_seats", "-3", "Enter a number that is not negative."),
        ("in_person_seats", "many", "Enter a whole number."),
        ("opens_at", "next tuesday", "Enter a date and time as YYYY-MM-DD HH:MM."),
        ("closes_at", "2022-08-01T09:00", "Registration must close after it opens."),
    ],
    ids=["negative-seats", "seats-not-a-number", "bad-date", "closes-before-opening"],
)
def test_settings_page_bad_input_shows_error_and_saves_nothing(
    db, organiser, organiser_client, field, value, message
):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    data = {"is_open": "on", "opens_at": "2022-09-01T09:00", field: value}

    response = organiser_client.post(f"/manage/events/{event.slug}/registration", data, htmx=True)

    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    assert response.text.lstrip().startswith('<section id="settings-form"')
    db.rollback()
    assert db.exec(select(RegistrationForm)).all() == []


def test_settings_page_add_question_then_show_it(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)

    response = organiser_client.post(
        f"/manage/events/{event.slug}/registration/questions",
        {
            "label": "Which panel?",
            "kind": "multiple_choice",
            "options": "Panel A\nPanel B",
            "is_required": "on",
        },
        htmx=True,
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="question-list"')
    assert "<strong>Which panel?</strong>" in response.text
    db.rollback()
    assert [(q.label, q.kind, q.option_list, q.is_required) for q in questions_of(db, event)] == [
        ("Which panel?", QuestionKind.multiple_choice, ["Panel A", "Panel B"], True)
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"label": "", "kind": "text"}, "label", "This field is required."),
        ({"label": "Panel?", "kind": "essay"}, "kind", "Choose one of the options."),
        (
            {"label": "Panel?", "kind": "single_choice", "options": "A"},
            "options",
            "Give at least two options, one per line.",
        ),
    ],
    ids=["no-label", "unknown-kind", "one-option"],
)
def test_settings_page_bad_question_shows_error_and_saves_nothing(
    db, organiser, organiser_client, data, field, message
):
    event = make_event(db)
    make_organiser_of(db, event, organiser)

    response = organiser_client.post(f"/manage/events/{event.slug}/registration/questions", data, htmx=True)

    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    db.rollback()
    assert questions_of(db, event) == []


def test_settings_page_edit_move_and_delete_question(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    first = make_question(db, event, label="First", position=0)
    second = make_question(db, event, label="Second", position=1)
    base = f"/manage/events/{event.slug}/registration/questions"

    organiser_client.post(f"{base}/{first.id}", {"label": "First, renamed", "kind": "checkbox"})
    organiser_client.post(f"{base}/{second.id}/move", {"direction": "up"})
    organiser_client.post(f"{base}/{first.id}/delete")

    db.rollback()
    assert [q.label for q in questions_of(db, event)] == ["Second"]


def test_settings_page_of_another_event_is_forbidden(db, organiser, organiser_client):
    mine = make_event(db, slug="mine")
    theirs = make_event(db, slug="theirs")
    make_organiser_of(db, mine, organiser)
    make_registration_form(db, theirs, privacy_note="Secret note of another event")
    question = make_question(db, theirs, label="Their question")

    page = organiser_client.get("/manage/events/theirs/registration")
    save = organiser_client.post("/manage/events/theirs/registration", {"is_open": "on"})
    moved_into_mine = organiser_client.post(
        f"/manage/events/mine/registration/questions/{question.id}/delete"
    )

    assert (page.status_code, save.status_code, moved_into_mine.status_code) == (403, 403, 404)
    assert "Secret note of another event" not in page.text
    db.rollback()
    assert [q.label for q in questions_of(db, theirs)] == ["Their question"]
