"""Translations: English in the code, French and German catalogues under app/translations.

`_()` looks up the language of the current request (set by the middleware in main.py), so
service code can raise errors in the user's words without knowing about HTTP.
"""

import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "fr", "de")

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations_for(locale: str) -> gettext_module.NullTranslations:
    return gettext_module.translation("messages", TRANSLATIONS_DIR, languages=[locale], fallback=True)


def _(message: str) -> str:
    return translations_for(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations_for(current_locale.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def known_language(language: str | None) -> str:
    """`language` if the site speaks it, else "" (unknown)."""
    return language if language in SUPPORTED_LOCALES else ""


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Within the block, `_()` and the email templates speak `language`: a message written for one person
    (a reminder, a promotion caused by someone else's cancellation) is in their language when the site
    knows it, and in the current one otherwise."""
    if not known_language(language):
        yield
        return
    token = current_locale.set(language or DEFAULT_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)


def negotiate_locale(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, by the client's order of preference."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality + index * 1e-6, tag.strip()))
    for _rank, tag in sorted(ranked):
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in SUPPORTED_LOCALES:
            return language
    return DEFAULT_LOCALE
