"""The organisers' import pages: upload, read the report, confirm, watch the progress, see the result."""

import html
import re
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession, utcnow
from app.events.models import Event, EventOrganiser
from app.imports.jobs import RUNNER, JobProgress, claim_queued_job, confirm_import_job, prepare_import_job
from app.imports.models import ImportJob, ImportStatus
from app.imports.readers import read_schedule
from app.programme.models import Session
from app.programme.releases import release_programme
from tests.conftest import BrowserLikeClient
from tests.exports.test_frab import SAMPLES
from tests.factories import make_event, make_session

# The confirmed imports run on the app's own queue, worked off by a real worker in this process.
pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db, slug="prelude-2022")
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


def upload(client: BrowserLikeClient, url: str, name: str, content: bytes | None = None) -> object:
    data = content if content is not None else (SAMPLES / name).read_bytes()
    return client.post(url, files={"file": (name, data, "application/octet-stream")})


def list_items(page: str, css_class: str) -> list[str]:
    block = re.search(rf'<ul class="{css_class}">(.*?)</ul>', page, re.S)
    return (
        [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)] if block else []
    )


def wait_until_finished(client: BrowserLikeClient, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(url).text
        if 'hx-trigger="every 1s"' not in page:
            return page
        time.sleep(0.05)
    raise AssertionError("the import did not finish within a minute")


def test_upload_report_confirm_and_result_into_an_existing_event(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    form = organiser_client.get("/manage/events/prelude-2022/import")
    uploaded = upload(organiser_client, "/manage/events/prelude-2022/import", "bad-38c3-broken.xml")
    job_url = uploaded.headers["location"]
    report = organiser_client.get(job_url).text

    confirmed = organiser_client.post(f"{job_url}/confirm")
    again = organiser_client.post(f"{job_url}/confirm")
    result = wait_until_finished(organiser_client, job_url)

    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert (
        uploaded.status_code,
        re.fullmatch(r"http://testserver/manage/imports/\d+", job_url) is not None,
    ) == (
        303,
        True,
    )
    assert "What will be imported" in report and "11 new sessions" in report
    assert list_items(report, "import-skipped") == list(
        read_schedule((SAMPLES / "bad-38c3-broken.xml").read_bytes()).skipped
    )
    assert "Confirm and import" in report
    assert (confirmed.status_code, confirmed.headers["location"], again.status_code) == (303, job_url, 303)
    assert '<h2 id="import-status-heading">Imported</h2>' in result and "11 new sessions" in result
    assert "Into “Prelude to the Future of Medicine”." in result and "Open the programme builder" in result
    # The event has no release: its public programme follows the draft, so there is nothing to release.
    assert "release a new version" not in result
    db.rollback()
    assert db.exec(select(func.count()).select_from(Session).where(Session.event_id == event.id)).one() == 11
    job = db.exec(select(ImportJob)).one()
    assert (job.status, job.content, job.event_id) == (ImportStatus.done, b"", event.id)


def test_import_as_a_new_event_makes_the_uploader_its_organiser(
    organiser_client: BrowserLikeClient, db: DbSession, organiser: User
) -> None:
    page = organiser_client.get("/manage/import")
    uploaded = upload(organiser_client, "/manage/import", "good-pretalx-democon.json")
    job_url = uploaded.headers["location"]
    report = organiser_client.get(job_url).text
    organiser_client.post(f"{job_url}/confirm")
    result = wait_until_finished(organiser_client, job_url)

    db.rollback()
    created = db.exec(select(Event).where(Event.slug == "democon")).one()
    assert page.status_code == 200
    assert "A new draft event, “DemoCon”, at the address democon." in report
    assert "From Monday 14 December 2020 to Wednesday 16 December 2020, with times in UTC." in report
    assert "Into the new event “DemoCon”." in result
    assert (
        "The event is a draft: only its organisers see it until you publish it on its management page."
        in (result)
    )
    assert 'href="/manage/events/democon/programme"' in result or "/manage/events/democon" in result
    assert (created.title, created.timezone, created.is_published) == ("DemoCon", "UTC", False)
    assert db.exec(select(EventOrganiser.user_id).where(EventOrganiser.event_id == created.id)).all() == [
        organiser.id
    ]
    assert (
        db.exec(select(func.count()).select_from(Session).where(Session.event_id == created.id)).one() == 36
    )


def test_a_file_that_is_no_schedule_gets_a_422_page_with_the_reason(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    response = upload(organiser_client, "/manage/events/prelude-2022/import", "notes.txt", b"hello")

    assert response.status_code == 422
    # The file field comes back empty, so the message names the file (not as "notes.xml": it is no XML).
    assert (
        '<p class="form-errors" role="alert"><strong>notes</strong>: This file is neither XML nor JSON. '
        "Upload the schedule.xml or schedule.json that pretalx or frab publish.</p>"
    ) in response.text
    assert db.exec(select(func.count()).select_from(ImportJob)).one() == 0


def test_a_file_over_the_limit_is_refused(organiser_client: BrowserLikeClient, event: Event) -> None:
    response = upload(organiser_client, "/manage/import", "huge.xml", b"<" + b" " * (20 * 1024 * 1024))

    assert response.status_code == 413
    assert "The file is too large: the limit is 20 MB." in response.text


def test_a_file_without_any_importable_event_cannot_be_confirmed(
    organiser_client: BrowserLikeClient, event: Event
) -> None:
    job_url = upload(
        organiser_client, "/manage/events/prelude-2022/import", "bad-upstream-invalid-example.json"
    ).headers["location"]
    report = organiser_client.get(job_url).text
    confirm = organiser_client.post(f"{job_url}/confirm")

    message = "No event in this file can be imported; the reasons are listed below."
    assert message in report and "Confirm and import" not in report
    assert (confirm.status_code, message in confirm.text) == (422, True)


def test_pages_are_for_organisers_of_the_event_and_jobs_for_their_uploader(
    app: FastAPI, organiser_client: BrowserLikeClient, db: DbSession, admin: User
) -> None:
    other = make_event(db, slug="exec-committee")
    job = prepare_import_job(
        db, admin, None, "democon.json", (SAMPLES / "good-pretalx-democon.json").read_bytes()
    )
    with TestClient(app, follow_redirects=False) as anonymous:
        logged_out = anonymous.get("/manage/import")

    responses = {
        "others' event": organiser_client.get("/manage/events/exec-committee/import"),
        "upload to others' event": upload(
            organiser_client, "/manage/events/exec-committee/import", "x.xml", b"<x/>"
        ),
        "no such event": organiser_client.get("/manage/events/nowhere/import"),
        "others' job": organiser_client.get(f"/manage/imports/{job.id}"),
        "confirm others' job": organiser_client.post(f"/manage/imports/{job.id}/confirm"),
    }

    assert (logged_out.status_code, logged_out.headers["location"]) == (
        303,
        "http://testserver/login?next=%2Fmanage%2Fimport",
    )
    assert {name: response.status_code for name, response in responses.items()} == {
        "others' event": 403,
        "upload to others' event": 403,
        "no such event": 404,
        "others' job": 404,
        "confirm others' job": 404,
    }
    assert "There is no import at this address." in responses["others' job"].text
    assert other.id is not None
    db.rollback()
    assert db.get(ImportJob, job.id).status == ImportStatus.ready


def test_progress_page_polls_while_the_import_runs_then_shows_the_result(
    app: FastAPI, organiser_client: BrowserLikeClient, db: DbSession, organiser: User, event: Event
) -> None:
    job = prepare_import_job(
        db, organiser, event, "38c3.xml", (SAMPLES / "good-38c3-excerpt.xml").read_bytes()
    )
    job_url = f"/manage/imports/{job.id}"
    assert confirm_import_job(db, job)
    # A worker (here, this test) has taken the job and posted its progress to the queue's store, where
    # any web process reads it.
    assert claim_queued_job(db, job.id, RUNNER)
    app.state.tasks.board.post(job.id, JobProgress(0, 16, RUNNER, time.time()))
    page = organiser_client.get(job_url).text
    fragment = organiser_client.get(job_url, headers={"HX-Request": "true"}).text
    app.state.tasks.board.post(job.id, JobProgress(8, 16, RUNNER, time.time()))
    halfway = organiser_client.get(job_url, headers={"HX-Request": "true"}).text

    assert '<progress id="import-progress" max="16" value="0">' in page
    assert "0 of 16 sessions imported." in page
    assert (
        f'hx-get="http://testserver/manage/imports/{job.id}" hx-trigger="every 1s" hx-swap="outerHTML"'
        in page
    )
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert fragment.lstrip().startswith('<section id="import-status"') and "<html" not in fragment
    assert "0 of 16 sessions imported." in fragment
    assert "8 of 16 sessions imported." in halfway


def test_a_confirmed_import_runs_on_the_queue_and_its_page_shows_the_result(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    job_url = upload(organiser_client, "/manage/events/prelude-2022/import", "good-38c3-excerpt.xml").headers[
        "location"
    ]
    organiser_client.post(f"{job_url}/confirm")

    finished = wait_until_finished(organiser_client, job_url)

    assert "hx-trigger" not in finished and "16 new sessions" in finished
    assert db.exec(select(func.count()).select_from(Session)).one() == 16


def test_a_job_running_elsewhere_shows_indeterminate_progress_and_a_stale_one_is_interrupted(
    organiser_client: BrowserLikeClient, db: DbSession, organiser: User, event: Event
) -> None:
    content = (SAMPLES / "good-38c3-excerpt.xml").read_bytes()
    elsewhere = prepare_import_job(db, organiser, event, "a.xml", content)
    stale = prepare_import_job(db, organiser, event, "b.xml", content)
    elsewhere.status, elsewhere.started_at = ImportStatus.running, utcnow()
    stale.status, stale.started_at = ImportStatus.running, utcnow() - timedelta(hours=1)
    db.add_all([elsewhere, stale])
    db.commit()

    running_page = organiser_client.get(f"/manage/imports/{elsewhere.id}").text
    stale_page = organiser_client.get(f"/manage/imports/{stale.id}").text

    assert '<progress id="import-progress"></progress>' in running_page
    assert "Importing 16 sessions." in running_page and 'hx-trigger="every 1s"' in running_page
    assert "The server stopped during the import. Nothing was imported; upload the file again." in stale_page
    assert "hx-trigger" not in stale_page


def test_a_failed_import_says_why_and_leaves_the_event_as_it_was(
    app: FastAPI, organiser_client: BrowserLikeClient, db: DbSession, organiser: User, event: Event
) -> None:
    # A job whose stored file no longer reads as a schedule (uploads are checked, so only a damaged row).
    job = ImportJob(user_id=organiser.id, event_id=event.id, filename="x.xml", content=b"garbage", total=3)
    db.add(job)
    db.commit()
    assert confirm_import_job(db, job)

    app.state.tasks.import_schedule(job.id)
    page = wait_until_finished(organiser_client, f"/manage/imports/{job.id}")

    db.rollback()
    assert "The import failed" in page
    assert "This file is neither XML nor JSON." in page
    upload_again = "http://testserver/manage/events/prelude-2022/import"
    assert f'<a class="button" href="{upload_again}">Upload the file again</a>' in page
    assert (db.get(ImportJob, job.id).status, db.get(ImportJob, job.id).content) == (ImportStatus.failed, b"")
    assert db.exec(select(func.count()).select_from(Session)).one() == 0


def test_the_result_says_that_visitors_see_the_import_once_it_is_released(
    organiser_client: BrowserLikeClient, db: DbSession, organiser: User, event: Event
) -> None:
    make_session(db, event)
    release_programme(db, event, "Programme published", organiser)
    job_url = upload(organiser_client, "/manage/events/prelude-2022/import", "good-38c3-excerpt.xml").headers[
        "location"
    ]
    organiser_client.post(f"{job_url}/confirm")

    result = wait_until_finished(organiser_client, job_url)

    assert (
        "Visitors see the latest released version of the programme: "
        "release a new version to show them what was imported."
    ) in result
    releases = "http://testserver/manage/events/prelude-2022/releases"
    assert f'<a class="button" href="{releases}">Programme versions</a>' in result


def test_event_management_page_links_to_the_import(organiser_client: BrowserLikeClient, event: Event) -> None:
    page = organiser_client.get("/manage/events/prelude-2022").text

    assert 'href="http://testserver/manage/events/prelude-2022/import"' in page
