"""What the organiser sees of an import before and while it runs: the types to map, a job cut off."""

import html
import re
import time
from pathlib import Path

import pytest
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession, utcnow
from app.events.models import Event, EventOrganiser
from app.imports.jobs import RUNNER, prepare_import_job
from app.imports.models import ImportStatus
from app.programme.models import Session, SessionKind
from tests.conftest import BrowserLikeClient
from tests.factories import make_event

DATA = Path(__file__).parent / "data"


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db, slug="fidelity")
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


# The confirmed imports run on the app's own queue, worked off by a real worker in this process.
pytestmark = pytest.mark.usefixtures("worker")


def wait_until_finished(client: BrowserLikeClient, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(url).text
        if 'hx-trigger="every 1s"' not in page:
            return page
        time.sleep(0.05)
    raise AssertionError("the import did not finish within a minute")


def kind_choices(page: str) -> dict[str, tuple[str, str]]:
    """Each type of the preview's table: (the select's name, the kind selected)."""
    choices = {}
    for index, label in re.findall(r'<label for="kind-(\d+)">(.*?)</label>', page):
        select = re.search(rf'<select name="kind-{index}".*?</select>', page, re.S)
        assert select is not None
        selected = re.search(r'<option value="(\w+)" selected>', select.group(0))
        choices[html.unescape(label)] = (f"kind-{index}", selected.group(1) if selected else "")
    return choices


def test_the_preview_maps_each_type_to_a_kind_and_the_organisers_choice_is_applied(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    content = (DATA / "fidelity-frab.xml").read_bytes()
    uploaded = organiser_client.client.post(
        "/manage/events/fidelity/import",
        files={"file": ("schedule.xml", content, "application/xml")},
        data={"csrf_token": organiser_client.csrf},
    )
    job_url = uploaded.headers["location"]
    preview = organiser_client.get(job_url).text
    choices = kind_choices(preview)

    organiser_client.post(f"{job_url}/confirm", data={choices["Meal"][0]: "social"})
    result = wait_until_finished(organiser_client, job_url)

    assert choices == {
        "Talk 40 (30min +10 Q&A)": (choices["Talk 40 (30min +10 Q&A)"][0], "talk"),
        "DJ Set": (choices["DJ Set"][0], "social"),
        "Meal": (choices["Meal"][0], "break"),
    }
    assert '<h2 id="import-status-heading">Imported</h2>' in result
    db.rollback()
    sessions = db.exec(select(Session).where(Session.event_id == event.id).order_by(Session.title)).all()
    assert [(s.title, s.kind, s.type_label) for s in sessions] == [
        ("BioTerrorism Will Save Your Life", SessionKind.talk, "Talk 40 (30min +10 Q&A)"),
        ("Lunch", SessionKind.social, "Meal"),
        ("Night of the clock change", SessionKind.social, "DJ Set"),
    ]


def test_a_job_whose_process_is_gone_is_reported_cut_off_at_once(
    organiser_client: BrowserLikeClient, db: DbSession, organiser: User, event: Event
) -> None:
    content = (DATA / "fidelity-frab.xml").read_bytes()
    cut_off = prepare_import_job(db, organiser, event, "a.xml", content)
    alive = prepare_import_job(db, organiser, event, "b.xml", content)
    host, boot, _pid, _started = RUNNER.split("|")
    # A process that no longer runs: the server was restarted a moment ago.
    cut_off.status, cut_off.started_at, cut_off.runner = ImportStatus.running, utcnow(), f"{host}|{boot}|1|0"
    # This process runs (it could be another worker of the same server, showing no progress here).
    alive.status, alive.started_at, alive.runner = ImportStatus.running, utcnow(), RUNNER
    db.add_all([cut_off, alive])
    db.commit()

    cut_off_page = organiser_client.get(f"/manage/imports/{cut_off.id}").text
    alive_page = organiser_client.get(f"/manage/imports/{alive.id}").text

    assert (
        "The server stopped during the import. Nothing was imported; upload the file again." in cut_off_page
    )
    assert "hx-trigger" not in cut_off_page
    assert "Importing 3 sessions." in alive_page and 'hx-trigger="every 1s"' in alive_page


def test_a_utf16_schedule_uploads_and_previews_like_any_other(
    organiser_client: BrowserLikeClient, event: Event
) -> None:
    original = (DATA / "fidelity-frab.xml").read_text()
    content = original.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    uploaded = organiser_client.client.post(
        "/manage/events/fidelity/import",
        files={"file": ("schedule.xml", content, "application/xml")},
        data={"csrf_token": organiser_client.csrf},
    )
    preview = organiser_client.get(uploaded.headers["location"]).text

    assert uploaded.status_code == 303
    assert "3 new sessions" in preview and "frab schedule.xml" in preview
