"""CONTRIBUTING.md's layout map names every package and module of app/, and nothing that is not there."""

import re
from pathlib import Path

from app.settings import PROJECT_DIR

APP = PROJECT_DIR / "app"


def layout_map() -> str:
    text = (PROJECT_DIR / "CONTRIBUTING.md").read_text()
    section = text.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def map_entries() -> dict[str, str]:
    """Each `app/` entry of the map ("programme/", "main.py", "foundation:") with its description."""
    entries: dict[str, str] = {}
    current = None
    for line in layout_map().splitlines():
        if not line.startswith("  ") or line.startswith("   "):
            if line.startswith("   ") and current:
                entries[current] += " " + line.strip()
            elif not line.startswith("  "):
                current = None
            continue
        name, _, description = line.strip().partition(" ")
        current = name
        entries[name] = description
    return entries


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z_][a-z0-9_]*", text))


def packages() -> dict[str, Path]:
    return {
        f"{path.parent.name}/": path.parent
        for path in APP.glob("*/__init__.py")
        if path.parent.name != "translations"
    }


def test_the_map_names_every_package_and_no_other() -> None:
    named = {name for name in map_entries() if name.endswith("/")}
    assert named == set(packages())


def test_each_package_line_names_every_module_of_the_package() -> None:
    entries = map_entries()
    missing = {
        name: sorted(
            module.stem
            for module in path.glob("*.py")
            if module.stem not in ("__init__", "models", "forms") and module.stem not in words(entries[name])
        )
        for name, path in packages().items()
    }
    assert {name: modules for name, modules in missing.items() if modules} == {}


def test_every_top_level_module_is_on_the_map() -> None:
    entries = map_entries()
    on_the_map = {name.removesuffix(".py") for name in entries if name.endswith(".py")}
    on_the_map |= words(entries.get("foundation:", ""))
    modules = {path.stem for path in APP.glob("*.py") if path.stem != "__init__"}
    assert modules - on_the_map == set()
    assert {name for name in on_the_map if name.endswith("py")} == set()
    assert {name.removesuffix(".py") for name in entries if name.endswith(".py")} <= modules
