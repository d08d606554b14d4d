"""Text people type that must stay on one line: titles, names, rooms, places.

Forms refuse line breaks and other control characters in such fields (`SingleLine`), because an email
subject, a calendar line or a file name built from them would break. Text already stored, or imported,
may still hold them, so whatever writes a header or a feed line flattens it with `one_line` as well.
"""

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

from app.i18n import _

# Line and paragraph separators count as line breaks too: mail and calendar clients break lines there.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in "\u2028\u2029"


def has_control_characters(value: str) -> bool:
    return any(_is_control(char) for char in value)


def check_single_line(value: str) -> str:
    """Refuses line breaks, tabs and other control characters, in the user's words."""
    if has_control_characters(value):
        raise ValueError(_("Write this on a single line, without line breaks or tabs."))
    return value


def one_line(value: str) -> str:
    """The text on one line: line breaks become one space, other control characters go."""
    spaced = _LINE_BREAKS.sub(" ", value).replace("\t", " ")
    return "".join(char for char in spaced if not _is_control(char)).strip()


def printable(value: str) -> str:
    """Multi-line text without the control characters XML 1.0 and calendar files cannot carry."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return "".join(char for char in lines if char in "\n\t" or not _is_control(char))


SingleLine = Annotated[str, AfterValidator(check_single_line)]


# A cell starting with one of these is a formula to a spreadsheet: the export must not run it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str | int) -> str | int:
    """A CSV cell as a spreadsheet shows it, never as a formula it would run: a title typed (or imported)
    as "=HYPERLINK(...)" stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
