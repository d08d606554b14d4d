"""Settings from environment variables (and an optional .env file)."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    Field,
    ModelWrapValidatorHandler,
    PositiveInt,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_DIR / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'plenary.sqlite3'}"
    secret_key: SecretStr | None = None
    # The public address, for the absolute links in emails, feeds and exports. Without BASE_URL it is the
    # address the server listens on: HOST and PORT, which `python -m app serve --host --port` sets.
    base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    upload_dir: Path = VAR_DIR / "uploads"
    max_upload_bytes: PositiveInt = 200 * 1024 * 1024
    # The body of any request that is not a file upload (forms, htmx requests).
    max_form_bytes: PositiveInt = 1024 * 1024
    # Versions of one material kept when slides are uploaded again; the files of older ones are deleted.
    material_versions_kept: PositiveInt = 10
    # Uploaded files: the local upload_dir, or an S3-compatible bucket shared by several app servers
    # (credentials from boto3's usual chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role).
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = ""
    smtp_url: str | None = None
    mail_from: str = "Plenary <noreply@plenary.invalid>"
    # A message the mail server did not take is tried again after this many seconds, then twice as long
    # each time (an hour at most), until this many attempts have failed; a refusal (5xx) is not retried.
    mail_retry_seconds: float = Field(default=30.0, gt=0)
    mail_max_attempts: int = Field(default=8, ge=1, le=50)
    secure_cookies: bool = False
    # Registrations one address may submit per minute on the public form; 0 turns the limit off.
    registration_rate_limit: int = Field(default=10, ge=0)
    # Questions and votes one person may send per minute on a session's question page (an address, which
    # may be a whole room behind the venue's wifi, 24 and 50 times that); 0 turns the limits off.
    audience_questions_per_minute: int = Field(default=5, ge=0)
    audience_votes_per_minute: int = Field(default=60, ge=0)
    # An online attendee's personal join link leads to the stream from this many minutes before the
    # session starts; before that it shows a waiting page with a countdown.
    join_opens_minutes: int = Field(default=15, ge=0, le=24 * 60)
    # Addresses (or networks, comma-separated) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; "*" trusts every peer (only when nothing else can reach the server).
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Shared counts of failed logins for several app processes (redis://host:6379/0); without it each
    # process counts in memory.
    redis_url: str | None = None
    # The task queue (docs/task-queue.md): empty for the embedded queue, a SQLite file under var/ that
    # `python -m app serve` works off itself; redis://... or postgresql://... for several web processes
    # and workers (`python -m app worker`).
    queue_url: str | None = None
    # Tasks of one site on a shared Redis or PostgreSQL are told apart by this name.
    queue_name: str = "plenary"
    # Tasks run at once by one worker process (threads); the embedded queue runs this many in `serve`.
    queue_workers: int = Field(default=2, ge=1, le=64)
    # How much lower than the web processes a worker process runs (nice, 0-19): side work takes the CPU the
    # requests leave, so a registration rush is not slowed by its own confirmations being written.
    worker_niceness: int = Field(default=10, ge=0, le=19)
    # FastAPI's OpenTelemetry (spans, metrics and logs of each request, for the exporters configured by
    # the OTEL_* variables). Off unless asked for: its checks cost every request, exporting or not.
    telemetry: bool = False
    var_dir: Path = VAR_DIR
    # Where pages load htmx from: the pinned CDN file (checked by its SRI hash, with the local copy as a
    # fallback), or only this site's copy, for sites that forbid requests to other hosts.
    htmx_source: Literal["cdn", "local"] = "cdn"

    _base_url_derived: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _base_url_from_host_and_port(
        cls, data: Any, handler: ModelWrapValidatorHandler["Settings"]
    ) -> "Settings":
        derived = isinstance(data, dict) and data.get("base_url") in (None, "")
        if derived:
            data = {
                **data,
                "base_url": listening_url(data.get("host") or "127.0.0.1", data.get("port") or 8000),
            }
        settings = handler(data)
        settings._base_url_derived = derived
        return settings

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError(
                "must start with sqlite:// or postgresql:// (for example postgresql://user@host/db)"
            )
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; SQLAlchemy would otherwise look for psycopg2.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> "Settings":
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("S3_BUCKET must be set when STORAGE_BACKEND is s3")
        return self

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("smtp://", "smtps://", "smtp+starttls://")):
            raise ValueError(
                "must start with smtp://, smtp+starttls:// or smtps:// (for example smtp://mail:25)"
            )
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "must start with redis://, rediss:// or unix:// (for example redis://127.0.0.1:6379/0)"
            )
        return value or None

    @field_validator("queue_url")
    @classmethod
    def _queue_scheme(cls, value: str | None) -> str | None:
        schemes = ("sqlite:///", "redis://", "rediss://", "unix://", "postgresql://", "postgresql+psycopg://")
        if value and not value.startswith(schemes):
            raise ValueError(
                "must start with sqlite:///, redis://, rediss://, unix:// or postgresql:// "
                "(for example redis://127.0.0.1:6379/1)"
            )
        return value or None

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters long")
        return value

    @property
    def base_url_derived(self) -> bool:
        """Whether BASE_URL was left unset, so that links use the address the server listens on."""
        return self._base_url_derived

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in var/secret_key."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.var_dir / "secret_key"
        if not key_file.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48))
        return key_file.read_text().strip()


def listening_url(host: str, port: int | str) -> str:
    """The address a browser on this machine opens for a server listening on host:port."""
    host = host.strip().strip("[]")
    # Every interface: this machine answers on its loopback address.
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def describe_settings_error(error: Exception) -> str:
    """One line per bad setting, named as the environment variable a user sets."""
    lines = []
    for item in getattr(error, "errors", list)():
        name = "_".join(str(part) for part in item.get("loc", ())).upper() or "SETTINGS"
        lines.append(f"{name}: {item.get('msg', 'invalid value')}")
    return "\n".join(lines) or str(error)
