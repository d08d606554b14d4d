"""Where uploaded files live: a local directory by default, or any S3-compatible object store.

Files are stored by the sha256 of their content (the storage key), so the same file uploaded twice is
kept once, and a key never changes meaning. Keys are checked to be 64 lower-case hex digits, which also
keeps any caller from reaching outside the storage with a crafted key.
"""

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from app.settings import Settings

CHUNK_SIZE = 256 * 1024
_KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


class InvalidStorageKey(ValueError):
    pass


class StoredFileMissing(LookupError):
    pass


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded file, already in storage: its key (sha256), size, sanitised name and sniffed type."""

    key: str
    size: int
    filename: str
    content_type: str


def check_key(key: str) -> str:
    if not _KEY_PATTERN.fullmatch(key):
        raise InvalidStorageKey(key)
    return key


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Storage(Protocol):
    """Content-addressed file storage. `put` is idempotent: storing a key that exists does nothing."""

    def put(self, key: str, source: BinaryIO) -> None: ...

    def exists(self, key: str) -> bool: ...

    def chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...


def store_bytes(storage: Storage, data: bytes) -> str:
    """Stores small content held in memory (a resized photo) and returns its key."""
    key = content_key(data)
    with tempfile.TemporaryFile() as source:
        source.write(data)
        source.seek(0)
        storage.put(key, source)
    return key


def read_bytes(storage: Storage, key: str) -> bytes:
    """The whole content of a small stored file (a photo); big files are read with `chunks`."""
    return b"".join(storage.chunks(key))


class LocalStorage:
    """Files under `root/<first 2 hex digits>/<key>`, written to a temporary name and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def put(self, key: str, source: BinaryIO) -> None:
        target = self.path_of(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Same directory, so the rename is atomic: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK_SIZE)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        path = self.path_of(key)
        try:
            stream = path.open("rb")
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error
        with stream:
            while chunk := stream.read(chunk_size):
                yield chunk

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)


class S3Storage:
    """Objects `<prefix><2 hex>/<key>` in one bucket; several app servers can share it.

    Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, or
    an instance role). `upload_fileobj` sends big files as a multipart upload, a part at a time.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
        client: Any = None,
    ) -> None:
        import boto3  # only servers configured for S3 pay for importing boto3

        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def object_name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}{key[:2]}/{key}"

    def put(self, key: str, source: BinaryIO) -> None:
        if self.exists(key):
            return
        self.client.upload_fileobj(source, self.bucket, self.object_name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise StoredFileMissing(key) from error
            raise
        body = answer["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))


def storage_from_settings(settings: Settings) -> Storage:
    """The local upload directory, or the S3 bucket when STORAGE_BACKEND is s3."""
    if settings.storage_backend == "s3" and settings.s3_bucket:
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            prefix=settings.s3_prefix,
        )
    return LocalStorage(settings.upload_dir)
