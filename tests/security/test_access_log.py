"""Personal links carry their secret in the path; uvicorn's access log shows them masked."""

import logging
import logging.config

import pytest

from app.access_log import log_config, mask_secrets


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/registrations/Abc123-_xyz", "/registrations/***"),
        ("/registrations/Abc123.sig/cancel", "/registrations/***/cancel"),
        ("/registrations/calendar/s3cr3t-feed.ics", "/registrations/calendar/***.ics"),
        ("/speaker-portal/eyJ0b2tlbiI6MX0.sig/sessions/4/slides", "/speaker-portal/***/sessions/4/slides"),
        ("/join/eyJyIjoxLCJzIjo0fQ.sig", "/join/***"),
        ("/stage/eyJzIjoxfQ.sig/adjust", "/stage/***/adjust"),
        ("/moderate/eyJzIjoxfQ.sig/stream", "/moderate/***/stream"),
        (
            "/events/prelude/sessions/4/questions?join=eyJy.sig&sort=time",
            "/events/prelude/sessions/4/questions?join=***&sort=time",
        ),
        ("/events/prelude/register?invitation=tok.en&x=1", "/events/prelude/register?invitation=***&x=1"),
        ("/manage/events/prelude/registrations/12/edit", "/manage/events/prelude/registrations/12/edit"),
        ("/events/prelude/programme?day=2026-05-04", "/events/prelude/programme?day=2026-05-04"),
    ],
    ids=[
        "manage-page",
        "manage-action",
        "calendar-feed",
        "speaker-portal",
        "join-link",
        "stage-link",
        "moderator-link",
        "question-page-from-a-join-link",
        "invitation",
        "organiser",
        "public",
    ],
)
def test_mask_secrets_hides_only_the_secret(target: str, logged: str) -> None:
    assert mask_secrets(target) == logged


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_access_log_of_the_serve_command_masks_tokens() -> None:
    logging.config.dictConfig(log_config())
    access = logging.getLogger("uvicorn.access")
    collect = _Collect()
    access.addHandler(collect)
    try:
        # The call uvicorn's h11/httptools protocols make for every request.
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "198.51.100.7:50312",
            "GET",
            "/speaker-portal/eyJzcGVha2VyIjo3fQ.AbCdEf/sessions/3",
            "1.1",
            200,
        )
        access.info('%s - "%s %s HTTP/%s" %d', "198.51.100.7:50312", "GET", "/events/prelude", "1.1", 200)
    finally:
        access.removeHandler(collect)

    assert collect.lines == [
        '198.51.100.7:50312 - "GET /speaker-portal/***/sessions/3 HTTP/1.1" 200',
        '198.51.100.7:50312 - "GET /events/prelude HTTP/1.1" 200',
    ]
