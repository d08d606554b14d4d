"""Request bodies are limited as they stream in: a huge body is refused after at most the limit is read."""

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts.models import User
from app.db import DbSession
from app.events.models import EventOrganiser
from app.main import create_app
from app.settings import Settings
from app.speakers import links as portal_links
from app.web.request_limits import MAX_FORM_FIELDS, UPLOAD_OVERHEAD_BYTES
from tests.conftest import csrf_from
from tests.factories import make_event, make_speaker
from tests.site import site_urls

MIB = 1024 * 1024
CHUNK = 64 * 1024


class CountedBody:
    """A request body produced chunk by chunk; `sent` is how much of it the server asked for."""

    def __init__(self, total: int, head: bytes = b"", filler: bytes = b"x", tail: bytes = b"") -> None:
        self.total, self.head, self.filler, self.tail = total, head, filler, tail
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._count(self.head)
        remaining = self.total - len(self.head) - len(self.tail)
        while remaining > 0:
            size = min(CHUNK, remaining)
            remaining -= size
            yield self._count(self.filler * size)
        yield self._count(self.tail)

    def _count(self, chunk: bytes) -> bytes:
        self.sent += len(chunk)
        return chunk


def send(
    app: FastAPI, url: str, body: CountedBody, headers: dict[str, str], cookies: httpx.Cookies | None = None
) -> httpx.Response:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=cookies
        ) as http:
            return await http.post(url, content=body, headers=headers)

    return asyncio.run(post())


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_body_declared_over_the_limit_is_refused_before_a_byte_is_read(app: FastAPI) -> None:
    body = CountedBody(900 * MIB, head=b"email=a%40example.org&password=")

    response = send(app, "/login", body, {**FORM, "Content-Length": str(900 * MIB)})

    assert response.status_code == 413
    assert "The request is too large: this address accepts at most 1 MiB." in response.text
    assert body.sent == 0


def test_body_without_length_stops_being_read_at_the_limit(app: FastAPI, client: TestClient) -> None:
    # A visitor with a session and a valid token in the header: only the size can stop this body.
    token = csrf_from(client.get("/login").text)
    body = CountedBody(900 * MIB, head=b"email=a%40example.org&password=")

    response = send(app, "/login", body, {**FORM, "X-CSRF-Token": token}, cookies=client.cookies)

    # The one field passes the size of a form field first (256 KiB); the body limit would stop it at 1 MiB.
    assert response.status_code == 413
    assert "<h1>Too large</h1>" in response.text
    assert body.sent <= MIB + 2 * CHUNK


def test_anonymous_post_without_session_is_refused_without_reading_the_body(app: FastAPI) -> None:
    body = CountedBody(512 * 1024, head=b"email=a%40example.org&password=")

    response = send(app, "/login", body, FORM)

    assert response.status_code == 403
    assert "This form has expired; reload the page and try again." in response.text
    assert body.sent == 0


def test_api_asking_json_gets_the_refusal_as_json_detail(app: FastAPI) -> None:
    body = CountedBody(2 * MIB)

    response = send(app, "/api/events", body, {"Accept": "application/json", "Content-Length": str(2 * MIB)})

    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large: this address accepts at most 1 MiB."}


def test_form_with_too_many_fields_is_refused_with_a_clear_message(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    fields = [("csrf_token", token)] + [(f"field{number}", "x") for number in range(MAX_FORM_FIELDS + 1)]

    response = client.post("/login", content=urlencode(fields), headers={**FORM, "Accept": "text/html"})

    assert response.status_code == 413
    assert "The form sent too many fields or too much text in one field" in response.text


def _multipart(boundary: str, fields: dict[str, str], file_field: str) -> tuple[bytes, bytes]:
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


@pytest.fixture
def small_upload_app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"max_upload_bytes": 2 * MIB}))


def test_file_sent_to_a_route_without_uploads_is_cut_off_at_the_form_limit(
    small_upload_app: FastAPI, db: DbSession, organiser: User
) -> None:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    with TestClient(small_upload_app) as client:
        token = csrf_from(client.get("/login").text)
        client.post(
            "/login",
            data={"email": organiser.email, "password": "correct horse battery", "csrf_token": token},
        )
        head, tail = _multipart("b0undary", {"csrf_token": token, "name": "Ada"}, "photo")
        body = CountedBody(50 * MIB, head=head, tail=tail)

        response = send(
            small_upload_app,
            f"/manage/events/{event.slug}/speakers",
            body,
            {"Content-Type": "multipart/form-data; boundary=b0undary"},
            cookies=client.cookies,
        )

    assert response.status_code == 413
    assert "The request is too large: this address accepts at most 1 MiB." in response.text
    assert body.sent <= MIB + 2 * CHUNK


def test_photo_over_the_upload_limit_is_refused_as_it_streams_in(
    small_upload_app: FastAPI, db: DbSession, settings: Settings
) -> None:
    speaker = make_speaker(db, make_event(db), portal_secret="secret-of-the-speaker")
    path = site_urls().path(
        "speaker_portal_page",
        token=portal_links.portal_token(settings.secret_key.get_secret_value(), speaker),
    )
    with TestClient(small_upload_app) as client:
        token = csrf_from(client.get(path).text)
        head, tail = _multipart("b0undary", {"csrf_token": token, "name": "Sang-Heon Lee"}, "photo")
        body = CountedBody(50 * MIB, head=head, tail=tail)

        response = send(
            small_upload_app,
            f"{path}/profile",
            body,
            {"Content-Type": "multipart/form-data; boundary=b0undary"},
            cookies=client.cookies,
        )

    assert response.status_code == 413
    assert "The request is too large: this address accepts at most 2 MiB." in response.text
    assert body.sent <= 2 * MIB + UPLOAD_OVERHEAD_BYTES + 2 * CHUNK


def test_upload_route_accepts_more_than_the_form_limit(small_upload_app: FastAPI) -> None:
    middleware = small_upload_app.build_middleware_stack()
    while not hasattr(middleware, "limit_for"):
        middleware = middleware.app

    assert middleware.limit_for("/speaker-portal/abc/sessions/3/slides") == 2 * MIB + UPLOAD_OVERHEAD_BYTES
    assert (
        middleware.limit_for("/manage/events/prelude/materials/sessions/3/upload")
        == 2 * MIB + UPLOAD_OVERHEAD_BYTES
    )
    assert middleware.limit_for("/manage/import") == 2 * MIB + UPLOAD_OVERHEAD_BYTES
    assert middleware.limit_for("/manage/events/prelude/speakers") == MIB
