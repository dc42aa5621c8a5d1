"""A real S3-compatible server for the suite: moto in server mode, on a free port of 127.0.0.1, reached
over HTTP by a real boto3 client.

moto (5.2) keeps a PUT whose body does not match its Content-MD5 or x-amz-checksum-sha256 header;
S3, MinIO and Ceph refuse it with BadDigest, and the blob store relies on that refusal. The server here
is moto with that one check in front, as S3 documents it, so a test can send a damaged upload and see
it refused the way production will.

Use it from a test module with ``from tests.s3_server import s3_server  # noqa: F401`` (the fixture),
then ``s3_server.new_bucket()`` for a bucket of the test's own, ``s3_server.client`` to look into it,
and ``s3_server.environment(bucket)`` for the COMPLAINTFLOW_* and AWS_* variables that make
``load_settings()`` choose that bucket.
"""
from __future__ import annotations

import base64
import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "complaintflow-test", "aws_secret_access_key": "complaintflow-test"}
_BAD_DIGEST = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>BadDigest</Code><Message>The Content-MD5 or '
               b"checksum value that you specified did not match what the server received.</Message></Error>")


class VerifyDeclaredDigests:
    """WSGI middleware: a PUT whose body does not match its declared MD5 or SHA-256 gets 400 BadDigest."""

    def __init__(self, app: Any):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == "PUT" and "aws-chunked" not in environ.get("HTTP_CONTENT_ENCODING", ""):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            if not _matches(environ, body):
                start_response("400 Bad Request", [("Content-Type", "application/xml"),
                                                   ("Content-Length", str(len(_BAD_DIGEST)))])
                return [_BAD_DIGEST]
        return self.app(environ, start_response)


def _matches(environ: dict[str, Any], body: bytes) -> bool:
    declared = {"HTTP_CONTENT_MD5": hashlib.md5, "HTTP_X_AMZ_CHECKSUM_SHA256": hashlib.sha256}
    return all(base64.b64encode(digest(body).digest()).decode() == environ[header]
               for header, digest in declared.items() if header in environ)


class _Server(ThreadedMotoServer):
    def _server_entry(self) -> None:
        # ThreadedMotoServer's own entry, with the digest check wrapped around moto's application
        app = VerifyDeclaredDigests(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass
class S3Server:
    endpoint_url: str

    @cached_property
    def client(self) -> Any:
        """A client of the tests' own (thread-safe), to set buckets up and look into them."""
        return boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, region_name=REGION,
                                              **CREDENTIALS)

    def new_bucket(self) -> str:
        name = f"complaintflow-test-{uuid.uuid4().hex[:12]}"  # moto's buckets live as long as the process
        self.client.create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str, prefix: str = "attachments") -> dict[str, str]:
        return {"COMPLAINTFLOW_BLOB_STORE": f"s3://{bucket}/{prefix}",
                "COMPLAINTFLOW_S3_ENDPOINT_URL": self.endpoint_url, "COMPLAINTFLOW_S3_REGION": REGION,
                "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"]}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = _Server(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: the system picks a free one
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
