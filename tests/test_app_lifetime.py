"""An app that is done with is freed: nothing the app leaves behind (FastAPI's caches, the outbox's map of
engines to task queues) keeps it, its engine and its task queue alive. Every test makes an app; a kept one
made a test run grow to gigabytes."""

import gc
import weakref
from pathlib import Path

from app.main import create_app
from app.settings import Settings


def test_an_app_that_is_dropped_is_freed(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'plenary.db'}", secret_key="k" * 32))
    engine = app.state.engine
    dropped_app, dropped_engine, dropped_tasks = (
        weakref.ref(app),
        weakref.ref(engine),
        weakref.ref(app.state.tasks),
    )
    engine.dispose()
    del app, engine
    gc.collect()

    assert dropped_app() is None
    assert dropped_engine() is None
    assert dropped_tasks() is None
