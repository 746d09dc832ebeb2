"""send_digest against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sheets_keepup.app.mail import MailConfigError, MailError, send_digest
from sheets_keepup.core.errors import ConfigError
from sheets_keepup.core.settings import DigestEmailConfig, config_from_mapping

USER, PASSWORD = "keeper", "correct-horse-battery"
ENV = {"KEEPUP_SMTP_PASSWORD": PASSWORD}
SUBJECT = "Keep up: Zoë Ørsted is due 🎉"
TEXT = "Today:\n- Zoë Ørsted (overdue 3 days) 🎉\n"
HTML = "<p>Today:</p><ul><li>Zoë Ørsted (overdue 3 days) 🎉</li></ul>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None
    encrypted: bool


class Collector:
    """aiosmtpd handler that keeps every delivered message."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                parsed,
                session.auth_data if session.authenticated else None,
                session.ssl is not None,
            )
        )
        return "250 OK"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (
        USER.encode(),
        PASSWORD.encode(),
    )
    if not ok:
        return AuthResult(success=False, handled=False)  # let aiosmtpd answer 535
    return AuthResult(success=True, auth_data=USER)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    collector: Collector
    port: int


def start_server(**smtp_params: Any) -> tuple[Controller, Server]:
    collector = Collector()
    port = free_port()
    controller = Controller(
        collector,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        **smtp_params,
    )
    controller.start()
    return controller, Server(collector, port)


@pytest.fixture
def plain_server() -> Iterator[Server]:
    controller, server = start_server(auth_require_tls=False)
    yield server
    controller.stop()


def config_for(port: int, **changes: Any) -> DigestEmailConfig:
    base = DigestEmailConfig(
        host="127.0.0.1",
        port=port,
        security="none",
        username=USER,
        password_env="KEEPUP_SMTP_PASSWORD",
        sender="digest@example.org",
        to=["ada@example.org", "zoe@example.net"],
        sender_name="Keep-up Digest",
    )
    return base.model_copy(update=changes)


def test_digest_arrives_with_both_parts_utf8_and_auth(plain_server: Server) -> None:
    send_digest(config_for(plain_server.port), SUBJECT, TEXT, HTML, env=ENV, timeout=10)

    [got] = plain_server.collector.received
    assert got.login == USER
    assert got.mail_from == "digest@example.org"
    assert got.rcpt_tos == ["ada@example.org", "zoe@example.net"]
    message = got.message
    assert message["Subject"] == SUBJECT
    assert message["From"] == "Keep-up Digest <digest@example.org>"
    assert message["To"] == "ada@example.org, zoe@example.net"
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert isinstance(parts[0], EmailMessage) and isinstance(parts[1], EmailMessage)
    # SMTP carries CRLF line ends; compare the text itself.
    assert parts[0].get_content().replace("\r\n", "\n") == TEXT
    assert parts[1].get_content().replace("\r\n", "\n").rstrip("\n") == HTML


def test_no_login_when_no_username_is_configured(plain_server: Server) -> None:
    config = config_for(plain_server.port, username=None)
    send_digest(config, "Digest", "text", "<p>html</p>", env={}, timeout=10)
    [got] = plain_server.collector.received
    assert got.login is None


def test_missing_password_variable_is_named_and_nothing_is_sent(plain_server: Server) -> None:
    with pytest.raises(MailConfigError) as caught:
        send_digest(config_for(plain_server.port), SUBJECT, TEXT, HTML, env={}, timeout=10)
    assert "KEEPUP_SMTP_PASSWORD" in str(caught.value)
    assert plain_server.collector.received == []


def test_rejected_login_is_reported_without_the_password(plain_server: Server) -> None:
    wrong = {"KEEPUP_SMTP_PASSWORD": "not-the-password"}
    with pytest.raises(MailError) as caught:
        send_digest(config_for(plain_server.port), SUBJECT, TEXT, HTML, env=wrong, timeout=10)
    text = str(caught.value)
    assert "rejected the login for 'keeper'" in text and "$KEEPUP_SMTP_PASSWORD" in text
    assert "not-the-password" not in text
    assert plain_server.collector.received == []


def test_starttls_required_but_not_offered_is_an_error(plain_server: Server) -> None:
    config = config_for(plain_server.port, security="starttls")
    with pytest.raises(MailError, match="does not support"):
        send_digest(config, SUBJECT, TEXT, HTML, env=ENV, timeout=10)
    assert plain_server.collector.received == []


def test_unreachable_server_is_a_mail_error() -> None:
    config = config_for(free_port())  # nothing listens there
    with pytest.raises(MailError, match=r"could not send the digest via 127\.0\.0\.1"):
        send_digest(config, SUBJECT, TEXT, HTML, env=ENV, timeout=10)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"security": "ssl"}, "digest.email.security"),
        ({"to": []}, "digest.email.to"),
    ],
)
def test_invalid_mail_settings_are_rejected_when_the_config_is_read(
    changes: dict[str, Any], error: str
) -> None:
    email = {"host": "127.0.0.1", "sender": "digest@example.org", "to": ["ada@example.org"]}
    data = {"source": {"kind": "xlsx", "path": "x.xlsx"}, "digest": {"email": email | changes}}
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(data)
    assert error in str(caught.value)


# -- TLS -------------------------------------------------------------------------------


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path
    pem: str


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made at test time."""
    pytest.importorskip("cryptography", reason="cryptography is needed to make a test cert")
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    (folder / "cert.pem").write_text(pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(folder / "cert.pem", folder / "key.pem", pem)


def server_context(cert: Certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert.cert_file, cert.key_file)
    return context


def trusting(cert: Certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=cert.pem)


def test_starttls_with_login(certificate: Certificate) -> None:
    controller, server = start_server(
        tls_context=server_context(certificate), require_starttls=True, auth_require_tls=True
    )
    try:
        config = config_for(server.port, security="starttls")
        send_digest(
            config, SUBJECT, TEXT, HTML, env=ENV, timeout=10, ssl_context=trusting(certificate)
        )
    finally:
        controller.stop()
    [got] = server.collector.received
    assert got.encrypted and got.login == USER
    assert got.message["Subject"] == SUBJECT


def test_implicit_tls_with_login(certificate: Certificate) -> None:
    # aiosmtpd only counts STARTTLS as TLS for its AUTH rule; this socket is TLS already.
    controller, server = start_server(
        ssl_context=server_context(certificate), auth_require_tls=False
    )
    try:
        config = config_for(server.port, security="tls")
        send_digest(
            config, SUBJECT, TEXT, HTML, env=ENV, timeout=10, ssl_context=trusting(certificate)
        )
    finally:
        controller.stop()
    [got] = server.collector.received
    assert got.login == USER
    assert got.message["Subject"] == SUBJECT


def test_untrusted_certificate_is_refused(certificate: Certificate) -> None:
    controller, server = start_server(
        tls_context=server_context(certificate), require_starttls=True
    )
    try:
        config = config_for(server.port, security="starttls")
        with pytest.raises(MailError, match="certificate"):
            send_digest(config, SUBJECT, TEXT, HTML, env=ENV, timeout=10)  # system trust store
    finally:
        controller.stop()
    assert server.collector.received == []
