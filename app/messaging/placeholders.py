"""`{name}`, `{manage_link}` and the like in a group message: checked once against the audience, then
filled in for each recipient. `{{` and `}}` write a brace.

Filling never goes through `str.format`: only the known names are replaced, by plain text, so a message
cannot reach anything but the values given for its recipient.
"""

from collections.abc import Mapping
from string import Formatter

from app.errors import InvalidInput
from app.i18n import _

# (literal text, placeholder name or None)
Pieces = list[tuple[str, str | None]]


def _written(name: str, conversion: str | None, spec: str | None) -> str:
    return "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def parse_placeholders(
    text: str, allowed: tuple[str, ...], field: str, *, everywhere: tuple[str, ...]
) -> Pieces:
    """The text as pieces; an unknown placeholder, one that does not apply (not in `allowed`), or a lone
    brace is refused as an error of `field`."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as error:
        raise InvalidInput(
            _("A single { or } is not a placeholder: write {{ or }} for a brace."), field=field
        ) from error
    pieces: Pieces = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        written = _written(name, conversion, spec)
        if conversion or spec or name not in everywhere:
            raise InvalidInput(
                _("{placeholder} is not a placeholder. You can use: {known}.").format(
                    placeholder=written, known=", ".join("{" + known + "}" for known in allowed)
                ),
                field=field,
            )
        if name not in allowed:
            raise InvalidInput(
                _("{placeholder} does not apply to this audience. You can use: {known}.").format(
                    placeholder=written, known=", ".join("{" + known + "}" for known in allowed)
                ),
                field=field,
            )
        pieces.append((literal, name))
    return pieces


def used(pieces: Pieces) -> set[str]:
    return {name for _literal, name in pieces if name is not None}


def fill(pieces: Pieces, values: Mapping[str, str]) -> str:
    return "".join(literal + (values[name] if name is not None else "") for literal, name in pieces)
