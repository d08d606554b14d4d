import io
from pathlib import Path

import boto3
import pytest

from app.settings import Settings
from app.storage import (
    InvalidStorageKey,
    LocalStorage,
    S3Storage,
    Storage,
    StoredFileMissing,
    content_key,
    read_bytes,
    storage_from_settings,
    store_bytes,
)
from tests.materials.conftest import BUCKET


def test_storage_keeps_content_under_its_hash(storage: Storage) -> None:
    content = b"%PDF-1.7 slides of the keynote"
    key = content_key(content)

    storage.put(key, io.BytesIO(content))

    assert storage.exists(key) is True
    assert b"".join(storage.chunks(key)) == content


def test_storage_put_of_a_stored_key_keeps_the_first_copy(storage: Storage) -> None:
    key = store_bytes(storage, b"first upload")

    storage.put(key, io.BytesIO(b"different bytes claiming the same key"))

    assert read_bytes(storage, key) == b"first upload"


def test_storage_streams_big_files_in_chunks(storage: Storage) -> None:
    content = bytes(range(256)) * 40_000  # 10 MB: several parts of an S3 multipart upload
    key = content_key(content)
    storage.put(key, io.BytesIO(content))

    chunks = list(storage.chunks(key, chunk_size=1024 * 1024))

    assert [len(chunk) for chunk in chunks] == [1024 * 1024] * 9 + [len(content) - 9 * 1024 * 1024]
    assert b"".join(chunks) == content


def test_storage_missing_key_is_reported(storage: Storage) -> None:
    key = content_key(b"never stored")

    assert storage.exists(key) is False
    with pytest.raises(StoredFileMissing):
        list(storage.chunks(key))


def test_storage_delete_removes_the_content(storage: Storage) -> None:
    key = store_bytes(storage, b"to be removed")

    storage.delete(key)

    assert storage.exists(key) is False


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "ab/../../x", "A" * 64, ""], ids=["up", "nested", "upper", "empty"]
)
def test_storage_refuses_keys_that_are_not_hashes(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidStorageKey):
        storage.exists(key)


def test_local_storage_spreads_files_over_folders(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "uploads")

    key = store_bytes(storage, b"a photo")

    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        f"uploads/{key[:2]}/{key}"
    ]


def test_s3_storage_names_objects_by_prefix_and_hash(s3_storage: S3Storage, moto_endpoint: str) -> None:
    key = store_bytes(s3_storage, b"slides in the bucket")

    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    names = [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET, Prefix="materials/")["Contents"]]
    assert f"materials/{key[:2]}/{key}" in names


def test_storage_from_settings_chooses_the_backend(
    tmp_path: Path, moto_endpoint: str, aws_credentials: None
) -> None:
    settings = Settings(upload_dir=tmp_path / "uploads", secret_key="test-secret-key-0123456789")
    s3_settings = Settings(
        upload_dir=tmp_path / "uploads",
        secret_key="test-secret-key-0123456789",
        storage_backend="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=moto_endpoint,
    )

    local = storage_from_settings(settings)
    s3 = storage_from_settings(s3_settings)

    assert (type(local), local.root) == (LocalStorage, tmp_path / "uploads")
    assert (type(s3), s3.bucket) == (S3Storage, BUCKET)


def test_storage_from_settings_needs_a_bucket_for_s3(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="S3_BUCKET must be set"):
        Settings(upload_dir=tmp_path, secret_key="test-secret-key-0123456789", storage_backend="s3")
