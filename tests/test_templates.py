"""Pages asked for by many people at the moment a process starts are compiled once, not once per thread."""

import threading
from typing import Any

from jinja2 import DictLoader, Environment

from app.web import CompiledOnce, templates

THREADS = 16


def _compilations_when_everyone_asks_at_once(environment: Environment) -> int:
    compiled = 0
    counting = threading.Lock()
    compile_source = environment.compile

    def counted_compile(*args: Any, **kwargs: Any) -> Any:
        nonlocal compiled
        with counting:
            compiled += 1
        return compile_source(*args, **kwargs)

    environment.compile = counted_compile  # type: ignore[method-assign]
    everyone_ready = threading.Barrier(THREADS)
    pages: list[str] = []

    def visitor() -> None:
        everyone_ready.wait()
        pages.append(environment.get_template("page.html").render(title="Keynote"))

    visitors = [threading.Thread(target=visitor) for _ in range(THREADS)]
    for thread in visitors:
        thread.start()
    for thread in visitors:
        thread.join()
    assert pages == ["<h1>Keynote</h1>" + "<p>row</p>" * 300] * THREADS
    return compiled


# Long enough to compile that the threads overlap, as a real page with its macros does.
PAGE = "<h1>{{ title }}</h1>" + "{% if true %}<p>row</p>{% endif %}" * 300


def test_a_page_asked_for_by_every_thread_at_once_is_compiled_once() -> None:
    environment = CompiledOnce(loader=DictLoader({"page.html": PAGE}))

    assert _compilations_when_everyone_asks_at_once(environment) == 1


def test_the_site_renders_its_pages_with_that_environment() -> None:
    assert isinstance(templates.env, CompiledOnce)
    autoescape = templates.env.autoescape
    assert callable(autoescape) and autoescape("registration/register.html") is True
