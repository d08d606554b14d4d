import pytest
from fastapi.testclient import TestClient

from app.i18n import negotiate_locale


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("de-CH", "de"),
        ("es-ES,de;q=0.5", "de"),
        ("ja", "en"),
        ("en;q=0.2,fr;q=0.9", "fr"),
        ("", "en"),
    ],
    ids=["french", "swiss-german", "second-choice", "unsupported", "by-quality", "none"],
)
def test_language_follows_the_browser(header: str, locale: str) -> None:
    assert negotiate_locale(header) == locale


@pytest.mark.parametrize(
    ("header", "heading"),
    [("fr", "Événements"), ("de", "Veranstaltungen"), ("en", "Events")],
    ids=["fr", "de", "en"],
)
def test_home_page_speaks_the_visitors_language(client: TestClient, header: str, heading: str) -> None:
    page = client.get("/", headers={"Accept-Language": header})

    assert f"<h1>{heading}</h1>" in page.text
    assert f'<html lang="{header}">' in page.text
