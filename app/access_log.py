"""Personal links carry their secret in the URL; the access log and Referer headers must not repeat it.

An attendee's registration page and calendar feed, a speaker's portal and an invitation to register are
opened by whoever holds the link. `mask_secrets` replaces the secret in a logged path; `SecretsFilter` does
it for every line of uvicorn's access log (installed by `python -m app serve` through `log_config()`).
"""

import copy
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

MASK = "***"

# Prefix, secret, rest; the secret is everything up to the next "/", "?" or ".ics".
_SECRET_PATHS = (
    re.compile(r"^(/registrations/calendar/)([^/?#]+?)(\.ics)?(?=$|[/?#])"),
    re.compile(r"^(/registrations/)(?!calendar/)([^/?#]+)()"),
    re.compile(r"^(/speaker-portal/)([^/?#]+)()"),
    re.compile(r"^(/join/)([^/?#]+)()"),
    re.compile(r"^(/stage/)([^/?#]+)()"),
    re.compile(r"^(/moderate/)([^/?#]+)()"),
    re.compile(r"^(/feedback/)([^/?#]+)()"),
)
# Query parameters that carry a secret: the invitation link of an invitation-only event, and the join
# link an online attendee's question page carries.
SECRET_QUERY_KEYS = frozenset({"invitation", "token", "join"})


def carries_secret(path: str) -> bool:
    """Whether this path is a personal link (its page must not leak the address through Referer)."""
    return any(pattern.match(path) for pattern in _SECRET_PATHS)


def mask_secrets(target: str) -> str:
    """The path and query of a request with the secrets of personal links replaced by ***."""
    path, question, query = target.partition("?")
    for pattern in _SECRET_PATHS:
        path = pattern.sub(lambda found: f"{found[1]}{MASK}{found[3] or ''}", path, count=1)
    if question and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key in SECRET_QUERY_KEYS for key, _ in pairs):
            query = urlencode(
                [(key, MASK if key in SECRET_QUERY_KEYS else value) for key, value in pairs], safe="*/"
            )
    return path + question + query


class SecretsFilter(logging.Filter):
    """Masks personal links in uvicorn's access log lines (args: client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_secrets(args[2]), *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration, with personal links masked in the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_secrets"] = {"()": "app.access_log.SecretsFilter"}
    config["loggers"]["uvicorn.access"]["filters"] = ["mask_secrets"]
    # The application's own messages (which address links use, warnings) beside uvicorn's.
    config["loggers"]["plenary"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
