"""Where uploaded files live: a local directory by default, or any S3-compatible object store.

Files are stored by the sha256 of their content (the storage key), so the same file uploaded twice is
kept once, and a key never changes meaning. Keys are checked to be 64 lower-case hex digits, which also
keeps any caller from reaching outside the storage with a crafted key.

Storing a key that exists marks it as just used (its modification time), so that the clean-up of
unreferenced files (`app.materials.retention`), which spares recent files, never deletes a file an upload
in progress is about to reference.
"""

import errno
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from app.errors import DomainError
from app.i18n import _
from app.settings import Settings

CHUNK_SIZE = 256 * 1024
INCOMING_PREFIX = ".incoming-"
_KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
_FOLDER_PATTERN = re.compile(r"[0-9a-f]{2}")


class InvalidStorageKey(ValueError):
    pass


class StoredFileMissing(LookupError):
    pass


class StorageFull(DomainError):
    """The disk (or quota) holding the files is full; nothing of the file was kept."""

    status_code = 507

    def __init__(self) -> None:
        super().__init__(
            _(
                "The server has no room left for files, so this file was not saved. Nothing else was "
                "changed; try again later, or tell the organisers."
            )
        )


def is_disk_full(error: OSError) -> bool:
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class StoredFile:
    key: str
    modified_at: datetime  # aware, UTC: when it was stored or last stored again


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
    """Content-addressed file storage. `put` is idempotent: storing a key that exists keeps the content
    and only marks it as just used. A full disk raises StorageFull."""

    def put(self, key: str, source: BinaryIO) -> None: ...

    def exists(self, key: str) -> bool: ...

    def chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...

    def stored_files(self) -> Iterator[StoredFile]: ...

    def modified_at(self, key: str) -> datetime | None: ...

    def remove_partial_uploads(self, older_than: datetime) -> int: ...


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
        try:
            os.utime(target)
            return
        except PermissionError:
            return  # it exists, only its time is not ours to change
        except FileNotFoundError:
            pass
        try:
            self._write(target, source)
        except OSError as error:
            if is_disk_full(error):
                raise StorageFull() from error
            raise

    def _write(self, target: Path, source: BinaryIO) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Same directory, so the rename is atomic: a reader never sees half a file. A process killed
        # mid-copy leaves the `.incoming-` file behind; remove_partial_uploads sweeps it later.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX)
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

    def _folders(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.is_dir() and _FOLDER_PATTERN.fullmatch(folder.name):
                yield folder

    def stored_files(self) -> Iterator[StoredFile]:
        for folder in self._folders():
            for path in folder.iterdir():
                if _KEY_PATTERN.fullmatch(path.name) and path.name[:2] == folder.name:
                    modified = _mtime(path)
                    if modified is not None:
                        yield StoredFile(path.name, modified)

    def modified_at(self, key: str) -> datetime | None:
        return _mtime(self.path_of(key))

    def remove_partial_uploads(self, older_than: datetime) -> int:
        """Deletes `.incoming-` files of copies that never finished (the process was killed)."""
        removed = 0
        for folder in self._folders():
            for path in folder.glob(f"{INCOMING_PREFIX}*"):
                modified = _mtime(path)
                if modified is not None and modified < older_than:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except FileNotFoundError:
        return None


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
        name = self.object_name(key)
        if self.exists(key):
            # Copying the object onto itself (server side, no bytes sent) renews its LastModified.
            self.client.copy_object(
                Bucket=self.bucket,
                Key=name,
                CopySource={"Bucket": self.bucket, "Key": name},
                MetadataDirective="REPLACE",
            )
            return
        self.client.upload_fileobj(source, self.bucket, name)

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

    def stored_files(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                folder, _slash, key = item["Key"][len(self.prefix) :].partition("/")
                if _KEY_PATTERN.fullmatch(key) and folder == key[:2]:
                    yield StoredFile(key, item["LastModified"].astimezone(UTC))

    def modified_at(self, key: str) -> datetime | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        last_modified: datetime = answer["LastModified"]
        return last_modified.astimezone(UTC)

    def remove_partial_uploads(self, older_than: datetime) -> int:
        """Aborts multipart uploads that never finished; S3 keeps (and bills) their parts otherwise."""
        removed = 0
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < older_than:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    removed += 1
        return removed


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
