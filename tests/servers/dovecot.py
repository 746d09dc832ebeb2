"""A real Dovecot IMAP server on 127.0.0.1, with a throwaway config, for the mail tests.

`dovecot_server` starts one per test module (TLS with a self-signed certificate made at
test time, and a plain-text listener on loopback); `mail_account` adds a fresh user to
its password file for each test, so tests never see one another's mail. Mail lives in a
temporary folder and is only ever added over IMAP (APPEND), as a mail client would.
`start_dovecot(oauth_introspection_url=...)` starts one that also takes OAuth 2 tokens
(XOAUTH2), checked at a token service such as `servers/oauth.py`.

The tests skip, saying why, only when no `dovecot` binary can be found or it will not
start (install it with `apt-get install -y dovecot-imapd`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient

SENT = "Sent Items"
"""The Sent folder's name here: not "Sent", so only its \\Sent flag finds it."""
STARTUP_SECONDS = 20.0
ACCOUNTS = 50

_CONFIG = """\
# A throwaway test server: loopback only, its own folders, no system files but dh.pem.
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
{dh}
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
last_valid_uid = 0
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}{oauth_passdb}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
# A refused sign-in is answered at once, without the growing delay a real server puts
# on an address that fails again and again: the tests fail some on purpose.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{sent}" {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
"""

_OAUTH_PASSDB = """
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}"""

# RFC 7662 introspection, as an authorization server such as Keycloak or WSO2 offers it:
# Dovecot posts the token and accepts it only when the answer says active: true for the
# user who signs in.
_OAUTH_SETTINGS = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_certificate(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(folder / "key.pem", 0o600)


def _mail_owner() -> tuple[int, int, str, str]:
    """uid, gid, login user and internal user for the server's processes.

    As root, Dovecot drops to its packaged users and refuses to deliver mail as root, so
    mail belongs to `nobody`; as anyone else, everything runs as that user.
    """
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    nobody = pwd.getpwnam("nobody")
    login = "dovenull" if _has_user("dovenull") else "nobody"
    internal = "dovecot" if _has_user("dovecot") else "nobody"
    return nobody.pw_uid, nobody.pw_gid, login, internal


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@dataclass
class MailAccount:
    """One user of the test server, with helpers that talk IMAP like a mail client."""

    server: DovecotServer
    username: str
    password: str
    address: str

    def client(self) -> IMAPClient:
        """A logged-in TLS connection, trusting the test certificate."""
        imap = IMAPClient(
            "127.0.0.1", port=self.server.tls_port, ssl=True, ssl_context=self.server.context()
        )
        imap.login(self.username, self.password)
        return imap

    def append(
        self,
        folder: str,
        *,
        to: list[str],
        subject: str = "Hello",
        day: dt.date,
        sender: str | None = None,
        cc: list[str] | None = None,
        headers: dict[str, str] | None = None,
        flags: tuple[bytes, ...] = (),
        message_id: str | None = None,
    ) -> str:
        """APPEND one message to `folder`; return its Message-ID."""
        message = EmailMessage()
        message["From"] = sender or f"Me <{self.address}>"
        message["To"] = ", ".join(to)
        if cc:
            message["Cc"] = ", ".join(cc)
        message["Subject"] = subject
        when = dt.datetime.combine(day, dt.time(10, 30), tzinfo=dt.UTC)
        message["Date"] = format_datetime(when)
        message["Message-ID"] = message_id or make_msgid(domain="test.invalid")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content("This body must never be downloaded by the scanner.\n")
        with self.client() as imap:
            imap.append(folder, message.as_bytes(), flags=flags, msg_time=when)
        return str(message["Message-ID"])


@dataclass
class DovecotServer:
    """A running Dovecot; `restart` keeps its mail, `stop` ends it."""

    binary: str
    root: Path
    tls_port: int
    plain_port: int
    uid: int
    gid: int
    process: subprocess.Popen[bytes] | None = None
    _users: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def cert_file(self) -> Path:
        return self.root / "cert.pem"

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.tls_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        error = self._failure()
        self.stop()
        raise RuntimeError(f"dovecot did not start: {error}")

    def _failure(self) -> str:
        log = self.root / "dovecot.log"
        text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            text += self.process.stderr.read().decode(errors="replace")[-2000:]
        return text.strip() or "no output"

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def write_accounts(self) -> None:
        """Every account a module may use, written once before the server starts.

        Dovecot notices a changed password file by its modification time, in whole
        seconds, so users added one by one within a second would be refused.
        """
        lines = []
        for number in range(1, ACCOUNTS + 1):
            username, password = f"user{number}", f"pw-{number}-{os.urandom(6).hex()}"
            home = self.root / "home" / username
            home.mkdir(parents=True)
            os.chown(home, self.uid, self.gid)
            lines.append(f"{username}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}::\n")
            self.passwords[username] = password
        (self.root / "passwd").write_text("".join(lines), encoding="utf-8")
        os.chmod(self.root / "passwd", 0o644)

    def add_account(self) -> MailAccount:
        """An account with an empty mailbox, not used by any other test."""
        number = next(self._users)
        if number > ACCOUNTS:
            raise RuntimeError(f"more than {ACCOUNTS} accounts asked of one server")
        username = f"user{number}"
        return MailAccount(self, username, self.passwords[username], f"{username}@example.org")


def start_dovecot(oauth_introspection_url: str | None = None) -> DovecotServer:
    """Start a throwaway Dovecot, or skip the test saying why it cannot run.

    With `oauth_introspection_url`, it also offers XOAUTH2 and OAUTHBEARER sign-in, each
    token checked at that address (an `oauth2` passdb used for those mechanisms only);
    passwords keep working through the password file. Without it, it offers passwords
    only, as a server that does not take OAuth would.
    """
    binary = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if Path(p).exists()), None
    )
    if binary is None:
        pytest.skip("dovecot is not installed (apt-get install -y dovecot-imapd)")
    pytest.importorskip("cryptography", reason="cryptography is needed to make a test cert")
    uid, gid, login_user, internal_user = _mail_owner()
    # Not pytest's tmp_path: it is private to the test user, and the mail processes of a
    # root-run server are `nobody`, which must reach the mail folder.
    root = Path(tempfile.mkdtemp(prefix="keepup-dovecot-"))
    os.chmod(root, 0o755)
    for name in ("mail", "home"):
        (root / name).mkdir(mode=0o755)
    os.chown(root / "mail", uid, gid)
    _write_certificate(root)
    dh = Path("/usr/share/dovecot/dh.pem")
    tls_port, plain_port = _free_port(), _free_port()
    (root / "dovecot.conf").write_text(
        _CONFIG.format(
            root=root,
            dh=f"ssl_dh = <{dh}" if dh.exists() else "",
            login_user=login_user,
            internal_user=internal_user,
            plain_port=plain_port,
            tls_port=tls_port,
            sent=SENT,
            oauth_mechanisms=" xoauth2 oauthbearer" if oauth_introspection_url else "",
            oauth_passdb=_OAUTH_PASSDB.format(root=root) if oauth_introspection_url else "",
        ),
        encoding="utf-8",
    )
    if oauth_introspection_url:
        (root / "dovecot-oauth2.conf.ext").write_text(
            _OAUTH_SETTINGS.format(url=oauth_introspection_url), encoding="utf-8"
        )
    server = DovecotServer(binary, root, tls_port, plain_port, uid, gid)
    server.write_accounts()
    try:
        server.start()
    except RuntimeError as error:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(str(error))
    return server


@contextmanager
def running_dovecot(oauth_introspection_url: str | None = None) -> Iterator[DovecotServer]:
    """A Dovecot for the block, stopped and its folder removed afterwards."""
    server = start_dovecot(oauth_introspection_url=oauth_introspection_url)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[DovecotServer]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mail_account(dovecot_server: DovecotServer) -> MailAccount:
    if dovecot_server.process is None:
        dovecot_server.start()
    return dovecot_server.add_account()
