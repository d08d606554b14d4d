"""Python code interpolates translated strings one way: `_("… {name} …").format(name=…)`.

Templates keep Jinja's `{% trans %}` (which Babel extracts as %(name)s); in Python a msgid with
%(name)s would need `%` instead, and translators would see two styles for the same kind of text.
"""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
TRANSLATING = {"_", "N_", "gettext", "ngettext"}
PERCENT_PLACEHOLDER = re.compile(r"%\(\w+\)|%[sdif]")


def _percent_style_calls(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in TRANSLATING:
            continue
        texts = [
            arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        percent = [text for text in texts if PERCENT_PLACEHOLDER.search(text.replace("%%", ""))]
        if percent:
            found.append((node.lineno, percent[0]))
    return sorted(found)


def test_python_translations_use_named_format_fields() -> None:
    offenders = [
        f"app/{path.relative_to(APP)}:{line}: {text!r}"
        for path in sorted(APP.rglob("*.py"))
        for line, text in _percent_style_calls(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "use _('… {name} …').format(name=…), not %(name)s:\n" + "\n".join(offenders)


def test_the_check_sees_percent_style() -> None:
    source = 'x = _("Hello %(name)s") % {"name": n}\ny = ngettext("%(num)d talk", "%(num)d talks", n)\n'
    assert [line for line, _text in _percent_style_calls(source)] == [1, 2]
    assert _percent_style_calls('z = _("Hello {name}, 100%% sure").format(name=n)\n') == []
