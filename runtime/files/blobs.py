"""Attachments' bytes, kept under the SHA-256 of the bytes (content-addressed).

Why by content: the same photo given twice, or to two complaints, is kept once; a key can only ever
name the bytes it was made from (``get`` checks them again); nothing is overwritten, so a backup is a
plain copy. Both stores lay keys out as ``ab/cd/abcd…``, so a folder can be synced into a bucket (or
back) as it is. Every failure of the storage itself is ``Unavailable``: the caller's transaction is
rolled back and the user can try again.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from runtime.config import Settings, s3_location
from runtime.errors import BlobCorrupt, InvalidInput, NotFound, Unavailable

_KEY = re.compile(r"[0-9a-f]{64}")


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Keep ``data`` (once: the same bytes again keep nothing new) and return its SHA-256 in hex.
        Whole or not at all: a failed put leaves nothing readable under the key."""

    def get(self, sha256: str) -> bytes:
        """The bytes kept under ``sha256``, checked against it (``BlobCorrupt`` if they differ);
        ``NotFound`` if none are."""

    def exists(self, sha256: str) -> bool:
        """Whether bytes are kept under ``sha256``."""


def layout(sha256: str) -> str:
    """The relative name of a key, once it is known to be a SHA-256: a caller's string never becomes a
    path or an object name by itself (no ``../``)."""
    if not isinstance(sha256, str) or not _KEY.fullmatch(sha256):
        raise InvalidInput(f"{sha256!r:.80} is not a file key (64 lower-case hexadecimal digits).")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _checked(sha256: str, data: bytes) -> bytes:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BlobCorrupt(f"The stored file {sha256} does not match its checksum (damaged or replaced in the "
                          "storage), so it was not served; restore it from a backup.")
    return data


class LocalBlobStore:
    """Files under ``root``. Each is written to a temporary file in its final folder, flushed to disk,
    then renamed over its name: a rename within a folder is atomic, so a reader sees all or nothing."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / layout(sha256)

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path(sha256)
        try:
            if _size(path) == len(data):
                return sha256  # kept already (a copy of another size is damaged: it is replaced below)
            new_folders = not path.parent.is_dir()
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
            # the rename, and new folders' names, must survive a power cut as well as the bytes
            for folder in (path.parent, path.parent.parent, self.root)[: 3 if new_folders else 1]:
                _fsync_folder(folder)
        except OSError as e:
            raise Unavailable(f"The file could not be stored ({e.strerror or e}); nothing was kept.") from e
        return sha256

    def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"No stored file has the key {sha256}.") from None
        except OSError as e:
            raise Unavailable(f"The stored file could not be read ({e.strerror or e}).") from e
        return _checked(sha256, data)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        try:
            view = memoryview(data)
            while view:  # os.write may write less than it was given
                view = view[os.write(descriptor, view):]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class S3BlobStore:
    """Objects in a bucket of S3 or an S3-compatible server, named ``prefix`` + the layout. An upload
    declares the SHA-256 and the MD5 of its body, so the server refuses a body that arrived damaged or
    cut short (BadDigest) instead of keeping it under the key; a download is checked again all the same."""

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client  # a boto3 S3 client (thread-safe, so one per process)
        self.bucket = bucket
        self.prefix = prefix

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).digest()
        key = self._key(digest.hex())
        if self._size(key) == len(data):
            return digest.hex()  # kept already: no second upload
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType="application/octet-stream",
                ChecksumSHA256=_b64(digest), ContentMD5=_b64(hashlib.md5(data, usedforsecurity=False).digest()))
        except (BotoCoreError, ClientError) as e:
            raise _unavailable("store the file; nothing was kept", e) from e
        return digest.hex()

    def get(self, sha256: str) -> bytes:
        key = self._key(sha256)
        try:
            data = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as e:
            if _missing(e):
                raise NotFound(f"No stored file has the key {sha256}.") from None
            raise _unavailable("read the file", e) from e
        except BotoCoreError as e:
            raise _unavailable("read the file", e) from e
        return _checked(sha256, data)

    def exists(self, sha256: str) -> bool:
        return self._size(self._key(sha256)) is not None

    def _key(self, sha256: str) -> str:
        return self.prefix + layout(sha256)

    def _size(self, key: str) -> int | None:
        """The object's size, None if there is none (S3 answers 403 instead of 404 to a client without
        the ListBucket permission: that is an error here, not a missing file)."""
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as e:
            if _missing(e):
                return None
            raise _unavailable("look the file up", e) from e
        except BotoCoreError as e:
            raise _unavailable("look the file up", e) from e


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def _unavailable(action: str, error: Exception) -> Unavailable:
    reason = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else type(error).__name__
    return Unavailable(f"The file storage did not let us {action} ({reason}). Try again in a moment.")


def blob_store(settings: Settings) -> BlobStore:
    """The store the settings name: a folder under var/ (one machine), or S3 (several, or big volumes)."""
    if not settings.blob_store:
        return LocalBlobStore(settings.var_dir / "blobs")
    bucket, prefix = s3_location(settings.blob_store)
    return S3BlobStore(_s3_client(settings), bucket, prefix)


def _s3_client(settings: Settings) -> Any:
    """A client with its own session (boto3's default one is not thread-safe to create); credentials
    come from boto3's usual places: AWS_* variables, ~/.aws, or the machine's role."""
    import boto3  # a third of a second to import: only when S3 is used
    from botocore.config import Config

    config = Config(
        region_name=settings.s3_region, retries={"mode": "standard"}, connect_timeout=5, read_timeout=60,
        # we declare and check SHA-256 ourselves; the SDK's own CRC32 trailers (boto3 >= 1.36) are not
        # understood by every S3-compatible server
        request_checksum_calculation="when_required", response_checksum_validation="when_required",
        # S3-compatible servers are reached by path (http://minio:9000/bucket/key), AWS by host name
        s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
    )
    return boto3.session.Session().client("s3", endpoint_url=settings.s3_endpoint_url, config=config)
