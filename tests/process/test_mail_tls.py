"""E-mail over TLS to a real local SMTP server with a self-signed certificate: refused by default
(the certificate is verified), accepted with the CA file given; implicit TLS likewise; the password
is never sent over an unencrypted connection."""
from __future__ import annotations

import ssl
import subprocess
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller

from runtime.bootstrap import bootstrap
from tests.conftest import MailSink, free_port
from tests.process.conftest import Scenario


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (no CA anywhere trusts it)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def server(certificate, implicit: bool):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = MailSink()
    sink.port = free_port()
    options = {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
    controller.start()
    return sink, controller


@pytest.fixture
def scenario(settings):
    rt = bootstrap(replace(settings, smtp_host="127.0.0.1", retry_backoff_seconds=60))
    sc = Scenario(rt)
    sc.register_users()
    sc.at(2025, 10, 13, 10, 0)
    yield sc
    rt.close()


def sent_once(sc, key: str, **smtp) -> tuple[str | None, str | None]:
    """Accept a complaint in working hours and let the worker mail its first notice; (status, error)."""
    sc.rt.settings = replace(sc.rt.settings, **smtp)
    sc.start(key)
    sc.advance(seconds=1)
    row = next(n for n in sc.notices(key) if n.recipient == "wang")
    return row.email_status, row.email_error


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
def test_a_self_signed_server_is_refused_by_default_and_accepted_with_its_ca_file(scenario, certificate, implicit):
    sink, controller = server(certificate, implicit)
    tls = {"smtp_tls": True} if implicit else {"smtp_starttls": True}
    try:
        status, error = sent_once(scenario, "TLS-1", smtp_port=sink.port, **tls)
        assert status == "pending" and "CERTIFICATE_VERIFY_FAILED" in error and sink.messages == []
        status, error = sent_once(scenario, "TLS-2", smtp_port=sink.port, smtp_ca_file=certificate[0], **tls)
        assert (status, error) == ("sent", None) and sink.to("wang@example.test")
    finally:
        controller.stop()


def test_the_password_is_never_sent_in_clear(scenario, smtp_server):
    status, error = sent_once(scenario, "TLS-3", smtp_port=smtp_server.port, smtp_user="mailer",
                              smtp_password="secret")
    assert status == "pending" and "refusing to send the SMTP password over an unencrypted connection" in error
    assert smtp_server.messages == []
