"""The time of the request, as a dependency: tests of the event day move it (app.dependency_overrides)
instead of waiting for a session to start."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from app.db import utcnow


async def current_time() -> datetime:
    return utcnow()


Now = Annotated[datetime, Depends(current_time)]
