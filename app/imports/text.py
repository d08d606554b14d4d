"""Text from imported schedules, made into the Markdown our pages render.

Exporters indent descriptions as they indent their XML, so that every paragraph after the first starts
with spaces, which Markdown shows as a code block; frab and pretalx also hand out descriptions in HTML,
which our pages (Markdown without raw HTML) would show as literal tags. `imported_text` removes the
indentation and turns HTML into Markdown: nh3 first drops scripts, styles and every attribute but a
link's address, then markdownify converts what is left. The result is still only ever rendered as
Markdown with raw HTML off and cleaned again by nh3 (app.web.markdown_to_html), so it is safe either way.
"""

import html
import re

import nh3
from markdownify import markdownify

from app.text import printable

# Tags that mark text as HTML rather than plain text that happens to hold a "<".
_HTML_TAG = re.compile(
    r"</?(?:p|br|a|b|i|em|strong|u|ul|ol|li|div|span|h[1-6]|blockquote|pre|code|hr|img|table|tr|td|th"
    r"|script|style|iframe|svg|math|object|embed|form|input|button|video|audio|link|meta|base)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_KEPT_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li",
    "ol", "p", "pre", "strong", "ul",
}  # fmt: skip
_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,3}[.)])\s")
# A Markdown link to a script or inline document: kept as its text only.
_UNSAFE_LINK = re.compile(r"\]\(\s*<?\s*(?:javascript|vbscript|data|file):[^)]*\)", re.IGNORECASE)


def imported_text(text: str) -> str:
    """Plain text or HTML from a schedule file as Markdown without stray indentation."""
    # The same text the frab export writes back: line breaks of any kind as "\n", no control characters.
    text = printable(text).strip("\n")
    if not text.strip():
        return ""
    if _HTML_TAG.search(text):
        cleaned = nh3.clean(
            text, tags=_KEPT_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"}
        )
        text = markdownify(cleaned, heading_style="ATX", bullets="-", strip=["img"])
    return _dedent(_UNSAFE_LINK.sub("]", text))


def imported_line(text: str) -> str:
    """A one-line text (a subtitle, a link's title) without any markup, on one line."""
    if _HTML_TAG.search(text):
        text = html.unescape(nh3.clean(text, tags=set()))
    return " ".join(text.split())


def _dedent(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    # The first line is often not indented although the rest is (it follows the opening tag).
    rest = [line for line in lines[1:] if line.strip()]
    common = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    out = [lines[0].lstrip(), *(line[common:] for line in lines[1:])]
    # Whatever indentation is left is not code either: only a list's nested lines keep theirs.
    result: list[str] = []
    in_list = False
    for line in out:
        if not line.strip():
            result.append("")
            continue
        if _LIST_ITEM.match(line) and len(line) - len(line.lstrip()) < 4:
            in_list = True
        elif not line.startswith(" "):
            in_list = False
        result.append(line if in_list else line.lstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(result)).strip()
