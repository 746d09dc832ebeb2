"""Read the headers of the mail the user sent (and, if asked, replies received) over IMAP.

Only ever read-only: each folder is opened with EXAMINE, headers are fetched with
BODY.PEEK (which sets no \\Seen flag) and bodies are never asked for. Each folder keeps a
high-water mark (its UIDVALIDITY and the last UID seen) in the state folder, so a
message is looked at once; when the server renumbers a folder (a new UIDVALIDITY) the
last `lookback_days` are read again and messages already logged are known by their
Message-ID. The password (or the OAuth token, see `imap_auth`) is never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import imaplib
import logging
import ssl
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import IMAPClientError  # type: ignore[import-untyped]

from sheets_keepup.app.files import read_json, target_dir, write_json_private
from sheets_keepup.app.imap_auth import secret_for, sign_in
from sheets_keepup.app.touches import TouchesSummary, record_touches
from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import AuthError, ConfigError, NetworkError, UserError
from sheets_keepup.core.settings import Config, MailScanConfig
from sheets_keepup.core.touches import ALREADY_LOGGED, TOO_MANY_RECIPIENTS, Touch

log = logging.getLogger(__name__)

STATE_FILE = "mail-scan.json"
STATE_VERSION = 1
FETCH_CHUNK = 500
SENT_FLAG = b"\\Sent"
MAILING_LIST = "mailing list"
AUTOMATIC = "automatic reply"
HEADER_FIELDS = (
    "FROM",
    "TO",
    "CC",
    "BCC",
    "DATE",
    "MESSAGE-ID",
    "SUBJECT",
    "LIST-ID",
    "LIST-UNSUBSCRIBE",
    "PRECEDENCE",
    "AUTO-SUBMITTED",
)
HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
_BULK = frozenset({"bulk", "list", "junk"})


@dataclass(frozen=True)
class FolderMark:
    """Where the last scan of one folder stopped."""

    uidvalidity: int
    last_uid: int


@dataclass
class FolderScan:
    """What one folder gave: touches, skips and the mark to keep once they are logged."""

    folder: str
    key: str
    mark: FolderMark
    touches: list[Touch] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    scanned: int = 0
    rescanned: bool = False
    """True when the folder's UIDVALIDITY changed and the date window was read again."""


@dataclass
class MailScan:
    """Every folder scanned in one run."""

    folders: list[FolderScan]

    @property
    def touches(self) -> list[Touch]:
        return [t for f in self.folders for t in f.touches]

    @property
    def scanned(self) -> int:
        return sum(f.scanned for f in self.folders)

    @property
    def skipped(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.folders:
            total.update(f.skipped)
        return total


def message_key(message_id: str) -> str:
    """A short hash of a Message-ID: what the state keeps, so no id is stored in clear."""
    return hashlib.sha256(message_id.strip().encode("utf-8", "replace")).hexdigest()[:20]


def mailbox_key(config: MailScanConfig, folder: str) -> str:
    """The state's name for one folder of one account (no password, no message data)."""
    return f"{config.username}@{config.host}:{port_of(config)}/{folder}"


def port_of(config: MailScanConfig) -> int:
    if config.port is not None:
        return config.port
    return 993 if config.security == "tls" else 143


def _tls_context(config: MailScanConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if config.ca_file is not None:
        context.load_verify_locations(cafile=str(config.ca_file.expanduser()))
    return context


@contextmanager
def _quiet_imap_library() -> Iterator[None]:
    """Keep imapclient's own debug log off while we talk to the server.

    At DEBUG it logs the whole conversation, which holds the headers of the user's mail
    (addresses, subjects); `-vv` must not put those in a log file.
    """
    logger = logging.getLogger("imapclient")
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def connect(config: MailScanConfig, env: Mapping[str, str]) -> Iterator[IMAPClient]:
    """A logged-in connection; UserErrors name the host, never the password."""
    with _quiet_imap_library(), _connect(config, env) as imap:
        yield imap


@contextmanager
def _connect(config: MailScanConfig, env: Mapping[str, str]) -> Iterator[IMAPClient]:
    # The password or a fresh token first: a refused refresh needs no mail server.
    secret = secret_for(config, env)
    where = f"{config.host}:{port_of(config)}"
    try:
        imap = IMAPClient(
            config.host,
            port=port_of(config),
            ssl=config.security == "tls",
            ssl_context=_tls_context(config) if config.security == "tls" else None,
            timeout=config.timeout_seconds,
        )
    except (OSError, IMAPClientError) as error:
        raise NetworkError(f"Could not reach the mail server {where}: {_reason(error)}") from None
    try:
        if config.security == "starttls":
            imap.starttls(_tls_context(config))
        sign_in(imap, config, secret, where)
    except AuthError:
        _close(imap)
        raise
    except (OSError, IMAPClientError) as error:
        _close(imap)
        raise NetworkError(f"Could not log in to {where}: {_reason(error)}") from None
    try:
        yield imap
    finally:
        _close(imap)


def _reason(error: BaseException) -> str:
    # Server answers can echo the command; a LOGIN command would carry the password,
    # so only the kind of error and the socket's own message are shown.
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return type(error).__name__


def _close(imap: IMAPClient) -> None:
    try:
        imap.logout()
    except (OSError, IMAPClientError, imaplib.IMAP4.abort):
        imap.shutdown()


def sent_folder(imap: IMAPClient, config: MailScanConfig) -> str:
    """The folder flagged \\Sent (RFC 6154), else the configured name."""
    try:
        found = imap.find_special_folder(SENT_FLAG)
    except IMAPClientError:
        found = None
    return str(found) if found else config.sent_folder


def _since(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def _new_uids(
    imap: IMAPClient, mark: FolderMark | None, info: Mapping[bytes, Any], since: dt.date
) -> tuple[list[int], bool]:
    """UIDs to read: after the mark, or the date window when there is no usable mark."""
    uidvalidity = int(info[b"UIDVALIDITY"])
    if mark is not None and mark.uidvalidity == uidvalidity:
        # "n:*" always includes the highest UID, even below n: filter it out.
        uids = imap.search(["UID", f"{mark.last_uid + 1}:*"])
        return sorted(u for u in uids if u > mark.last_uid), False
    return sorted(imap.search(["SINCE", since])), mark is not None


def _addresses(values: Sequence[str]) -> list[str]:
    found = [addr for _, addr in getaddresses(list(values)) if "@" in addr]
    return list(dict.fromkeys(a.strip() for a in found))


def _header_bytes(item: Mapping[bytes, Any]) -> bytes:
    for key, value in item.items():
        if key.startswith(b"BODY[HEADER") and isinstance(value, bytes):
            return value
    return b""


def _is_bulk(headers: Any) -> str | None:
    if headers.get("List-Id") or headers.get("List-Unsubscribe"):
        return MAILING_LIST
    if str(headers.get("Precedence", "")).strip().casefold() in _BULK:
        return MAILING_LIST
    auto = str(headers.get("Auto-Submitted", "")).strip().casefold()
    if auto and auto != "no":
        return AUTOMATIC
    return None


def _day(headers: Any, internal: Any, zone: dt.tzinfo) -> dt.date:
    """The day the message was written, in the user's time zone."""
    moment: dt.datetime | None = None
    try:
        moment = parsedate_to_datetime(str(headers.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None and isinstance(internal, dt.datetime):
        moment = internal
    if moment is None:
        return dt.datetime.now(zone).date()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).date()


@dataclass(frozen=True)
class _Reader:
    """Turns one message's headers into a Touch, or the reason it is skipped."""

    config: MailScanConfig
    folder: str
    uidvalidity: int
    outgoing: bool
    own: frozenset[str]
    zone: dt.tzinfo

    def touch(self, uid: int, item: Mapping[bytes, Any]) -> Touch | str:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(_header_bytes(item))
        bulk = _is_bulk(headers)
        if bulk:
            return bulk
        recipients = _addresses(
            [str(v) for k in ("To", "Cc", "Bcc") for v in headers.get_all(k, [])]
        )
        senders = _addresses([str(v) for v in headers.get_all("From", [])])
        if len(recipients) > self.config.max_recipients:
            return TOO_MANY_RECIPIENTS
        if self.outgoing:
            mine = self.own | {a.casefold() for a in senders}
            counterparts = [a for a in recipients if a.casefold() not in mine]
        else:
            counterparts = [a for a in senders if a.casefold() not in self.own]
        message_id = str(headers.get("Message-ID", "")).strip()
        source = message_id or f"{self.folder}/{self.uidvalidity}/{uid}"
        note = str(headers.get("Subject", "")).strip() if self.config.include_subject else ""
        return Touch(
            day=_day(headers, item.get(b"INTERNALDATE"), self.zone),
            kind="email",
            addresses=tuple(counterparts),
            names=(),
            source_id=source,
            note=note,
        )


def scan_folder(
    imap: IMAPClient,
    config: MailScanConfig,
    folder: str,
    *,
    outgoing: bool,
    mark: FolderMark | None,
    today: dt.date,
    zone: dt.tzinfo,
) -> FolderScan:
    """Read the headers of the messages in `folder` the mark has not seen. Read-only."""
    info = imap.select_folder(folder, readonly=True)
    uidvalidity = int(info[b"UIDVALIDITY"])
    uids, rescanned = _new_uids(imap, mark, info, _since(today, config.lookback_days))
    last = (
        mark.last_uid
        if mark is not None and not rescanned and mark.uidvalidity == uidvalidity
        else 0
    )
    scan = FolderScan(
        folder, mailbox_key(config, folder), FolderMark(uidvalidity, last), rescanned=rescanned
    )
    own = frozenset({config.username.casefold()} if "@" in config.username else set())
    reader = _Reader(config, folder, uidvalidity, outgoing, own, zone)
    for start in range(0, len(uids), FETCH_CHUNK):
        chunk = uids[start : start + FETCH_CHUNK]
        fetched = imap.fetch(chunk, ["INTERNALDATE", HEADER_ITEM])
        for uid in chunk:
            item = fetched.get(uid)
            if item is None:
                continue  # expunged meanwhile
            scan.scanned += 1
            result = reader.touch(uid, item)
            if isinstance(result, str):
                scan.skipped[result] += 1
            else:
                scan.touches.append(result)
        scan.mark = FolderMark(uidvalidity, max(scan.mark.last_uid, *chunk))
    imap.unselect_folder() if b"UNSELECT" in imap.capabilities() else imap.close_folder()
    return scan


class MailState:
    """The marks and the Message-IDs already logged, per folder, in the state folder."""

    def __init__(self, path: Path, data: dict[str, Any] | None) -> None:
        self.path = path
        self.folders: dict[str, dict[str, Any]] = {}
        if data and data.get("version") == STATE_VERSION and isinstance(data.get("folders"), dict):
            self.folders = data["folders"]

    @classmethod
    def load(cls, state_dir: Path, target: str) -> MailState:
        path = target_dir(state_dir, target) / STATE_FILE
        data = read_json(path)
        if data is None and path.exists():
            log.warning("the mail scan state %s is unreadable; scanning the last days again", path)
        return cls(path, data)

    def mark(self, key: str) -> FolderMark | None:
        entry = self.folders.get(key)
        try:
            return FolderMark(int(entry["uidvalidity"]), int(entry["last_uid"])) if entry else None
        except (KeyError, TypeError, ValueError):
            return None

    def logged(self) -> set[str]:
        """Hashes of the Message-IDs logged from any folder of any account."""
        return {h for entry in self.folders.values() for h in entry.get("logged", {})}

    def update(self, scan: FolderScan, logged: Mapping[str, dt.date], keep_since: dt.date) -> None:
        entry = self.folders.get(scan.key, {})
        kept = {
            h: day
            for h, day in dict(entry.get("logged", {})).items()
            if isinstance(day, str) and day >= keep_since.isoformat()
        }
        kept.update({h: d.isoformat() for h, d in logged.items() if d >= keep_since})
        self.folders[scan.key] = {
            "uidvalidity": scan.mark.uidvalidity,
            "last_uid": scan.mark.last_uid,
            "logged": kept,
        }

    def save(self) -> None:
        write_json_private(self.path, {"version": STATE_VERSION, "folders": self.folders})


def scan_mailbox(
    config: MailScanConfig,
    state: MailState,
    *,
    today: dt.date,
    zone: dt.tzinfo,
    env: Mapping[str, str],
) -> MailScan:
    """Scan the Sent folder (and the inbox when `replies`), each from its own mark."""
    with connect(config, env) as imap:
        folders = [(sent_folder(imap, config), True)]
        if config.replies:
            folders.append((config.inbox_folder, False))
        scans = []
        for folder, outgoing in folders:
            mark = state.mark(mailbox_key(config, folder))
            try:
                scans.append(
                    scan_folder(
                        imap, config, folder, outgoing=outgoing, mark=mark, today=today, zone=zone
                    )
                )
            except (OSError, IMAPClientError) as error:
                raise NetworkError(
                    f"Could not read the folder '{folder}' on {config.host}: {_reason(error)}. "
                    "If it is not your Sent folder, set touches.mail.sent_folder to its name."
                ) from None
    return MailScan(scans)


def skip_logged(scan: MailScan, state: MailState) -> int:
    """Drop touches whose Message-ID a run already logged; how many were dropped."""
    logged = state.logged()
    dropped = 0
    for folder in scan.folders:
        kept = [t for t in folder.touches if message_key(t.source_id) not in logged]
        dropped += len(folder.touches) - len(kept)
        folder.touches = kept
    return dropped


def remember(
    scan: MailScan,
    state: MailState,
    logged_sources: Sequence[str],
    *,
    today: dt.date,
    lookback_days: int,
) -> None:
    """Move each folder's mark forward and keep the ids now logged; then save the state."""
    sources = set(logged_sources)
    # Ids are needed only as long as a rescan can reach their messages.
    keep_since = _since(today, lookback_days + 7)
    for folder in scan.folders:
        logged = {message_key(t.source_id): t.day for t in folder.touches if t.source_id in sources}
        state.update(folder, logged, keep_since)
    state.save()


@dataclass(frozen=True)
class MailRun:
    """One `mail` run: what was read, what the Log gained, what was left out and why."""

    summary: TouchesSummary
    scanned: int
    skipped: Mapping[str, int]
    rescanned: tuple[str, ...]
    """Folders read again by date because the server renumbered them."""

    def line(self) -> str:
        """The job log's line: counts only, never an address, a subject or a password."""
        verb = "to add" if self.summary.dry_run else "added"
        text = (
            f"mail scan: {self.scanned} message(s) read, {len(self.summary.rows)} Log row(s) {verb}"
        )
        skips = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()) if n)
        if skips:
            text += f"; skipped: {skips}"
        if self.rescanned:
            text += f"; {len(self.rescanned)} folder(s) renumbered by the server, read again"
        return text + (" (dry run)" if self.summary.dry_run else "")


def record_mail(
    config: Config,
    backend: Backend,
    *,
    state_dir: Path,
    today: dt.date,
    env: Mapping[str, str],
    dry_run: bool = False,
) -> MailRun:
    """Scan the mailbox from the last marks and append the new touches to the Log.

    The marks move forward only once the Log rows are written, so a failed write means
    the same messages are read again next time; a dry run reads and saves nothing.
    The caller holds the sheet's lock.
    """
    mail = config.touches.mail
    if mail is None:
        raise ConfigError(
            "No mailbox is configured. Add a touches.mail section to the config "
            "(see config.example.yaml)."
        )
    state = MailState.load(state_dir, backend.describe())
    scan = scan_mailbox(mail, state, today=today, zone=ZoneInfo(config.timezone), env=env)
    known = skip_logged(scan, state)
    summary = record_touches(
        config,
        scan.touches,
        dry_run=dry_run,
        today=today,
        max_recipients=mail.max_recipients,
        backend=backend,
    )
    if not dry_run:
        remember(scan, state, summary.logged_sources, today=today, lookback_days=mail.lookback_days)
    skipped = Counter(scan.skipped)
    skipped.update(summary.skipped)
    if known:
        skipped[ALREADY_LOGGED] += known
    run = MailRun(
        summary, scan.scanned, dict(skipped), tuple(f.folder for f in scan.folders if f.rescanned)
    )
    log.info("%s", run.line())
    return run


def nightly_mail(
    config: Config, backend: Backend, *, state_dir: Path, today: dt.date, env: Mapping[str, str]
) -> MailRun | None:
    """The nightly run's mail scan, when configured; a failure is logged, never raised.

    The sync that follows must run whatever happened to the mailbox.
    """
    if config.touches.mail is None:
        return None
    try:
        return record_mail(config, backend, state_dir=state_dir, today=today, env=env)
    except (UserError, OSError) as error:
        log.warning("mail scan failed; the sync runs anyway: %s", error)
    except Exception as error:
        # Only the type: an unexpected error's text could quote a header.
        log.warning("mail scan failed (%s); the sync runs anyway", type(error).__name__)
        log.debug("mail scan failure", exc_info=True)
    return None
