"""The same storages as the materials tests: a local folder, and an S3 bucket served by moto over HTTP."""

from tests.materials.conftest import aws_credentials, moto_endpoint, s3_storage, storage

__all__ = ["aws_credentials", "moto_endpoint", "s3_storage", "storage"]
