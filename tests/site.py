"""The site's addresses as services build them, for tests that call services without a running app."""

from functools import cache

from fastapi import FastAPI

from app.main import include_routes
from app.site import SiteUrls


@cache
def _router() -> FastAPI:
    router = FastAPI()
    include_routes(router)
    return router


def site_urls(base_url: str = "http://testserver") -> SiteUrls:
    return SiteUrls(base_url, _router())
