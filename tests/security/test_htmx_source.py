"""HTMX_SOURCE=local: pages load htmx from this site only, and the policy allows no other host."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

HTMX_CDN = "https://cdn.jsdelivr.net/npm/htmx.org@4.0.1/dist/htmx.min.js"


def _script_sources(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html)


@pytest.fixture
def local_client(settings: Settings, tmp_path: Path) -> TestClient:
    app = create_app(settings.model_copy(update={"htmx_source": "local"}))
    return TestClient(app, follow_redirects=False)


def test_htmx_source_local_loads_only_the_local_copy(local_client: TestClient) -> None:
    with local_client:
        response = local_client.get("/")

    sources = _script_sources(response.text)
    assert response.status_code == 200
    assert sources[0] == "http://testserver/static/vendor/htmx-4.0.1.min.js"
    assert [source for source in sources if not source.startswith("http://testserver/")] == []
    assert "htmx-fallback.js" not in response.text


def test_htmx_source_local_policy_allows_scripts_from_this_site_only(local_client: TestClient) -> None:
    with local_client:
        response = local_client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "jsdelivr" not in policy


def test_htmx_source_defaults_to_the_cdn_with_its_integrity_hash(client: TestClient) -> None:
    response = client.get("/")

    assert _script_sources(response.text)[0] == HTMX_CDN
    assert 'integrity="sha384-' in response.text
    assert f"script-src 'self' {HTMX_CDN};" in response.headers["Content-Security-Policy"]


def test_htmx_source_rejects_an_unknown_value() -> None:
    with pytest.raises(ValueError, match="htmx_source"):
        Settings(htmx_source="elsewhere")  # type: ignore[arg-type]
