"""Messages scanned per second: `sheets-keepup mail` against a local Dovecot with 10,000 messages.

Starts the same throwaway Dovecot the tests use (127.0.0.1, TLS), APPENDs the messages
over IMAP, then times three first scans (a fresh state folder each, so every message is
read) of a 200-contact workbook, as dry runs so that only scanning and planning count.
Prints wall and CPU seconds (this process only; the server's own CPU is not counted) and
the median messages per second.

    python bench/mail_scan.py [--messages 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from servers.dovecot import SENT, MailAccount, start_dovecot

from sheets_keepup.app.imap_scan import record_mail
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.settings import config_from_mapping

TODAY = dt.date(2026, 11, 23)
CONTACTS = 200
BATCH = 500


def message(number: int, account: MailAccount) -> bytes:
    mail = EmailMessage()
    day = TODAY - dt.timedelta(days=number % 28)
    mail["From"] = f"Me <{account.address}>"
    # One message in ten goes to a contact; the rest to strangers, some in a crowd.
    if number % 10 == 0:
        mail["To"] = f"Person {number % CONTACTS} <person{number % CONTACTS}@example.com>"
    else:
        mail["To"] = f"stranger{number}@example.net"
    if number % 50 == 0:
        mail["Cc"] = ", ".join(f"c{i}@example.net" for i in range(12))
    mail["Subject"] = f"Message {number}"
    mail["Date"] = format_datetime(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC))
    mail["Message-ID"] = f"<bench-{number}@example.invalid>"
    mail.set_content("Body text that the scanner never downloads.\n" * 5)
    return mail.as_bytes()


def fill(account: MailAccount, count: int) -> float:
    started = time.perf_counter()
    with account.client() as imap:
        for start in range(0, count, BATCH):
            batch = [message(n, account) for n in range(start, min(count, start + BATCH))]
            imap.multiappend(SENT, batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = start_dovecot()
    work = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    try:
        account = server.add_account()
        print(f"appended {args.messages} messages in {fill(account, args.messages):.1f} s")
        workbook = work / "contacts.xlsx"
        rows = [["Name", "Email", "Tier"]] + [
            [f"Person {i}", f"person{i}@example.com", "network"] for i in range(CONTACTS)
        ]
        write_new_workbook(workbook, {"Contacts": rows})
        walls, cpus = [], []
        for run in range(args.runs):
            config = config_from_mapping(
                {
                    "source": {"kind": "xlsx", "path": str(workbook)},
                    "touches": {
                        "mail": {
                            "host": "127.0.0.1",
                            "port": server.tls_port,
                            "username": account.username,
                            "password_env": "BENCH_IMAP_PASSWORD",
                            "ca_file": str(server.cert_file),
                        }
                    },
                }
            )
            wall, cpu = time.perf_counter(), time.process_time()
            result = record_mail(
                config,
                XlsxBackend(workbook),
                state_dir=work / f"state-{run}",
                today=TODAY,
                env={"BENCH_IMAP_PASSWORD": account.password},
                dry_run=True,
            )
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            print(
                f"run {run + 1}: {result.scanned} read, {len(result.summary.rows)} rows, "
                f"wall {walls[-1]:.2f} s, cpu {cpus[-1]:.2f} s, "
                f"{result.scanned / walls[-1]:.0f} messages/s"
            )
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(
            f"median of {args.runs}: wall {wall:.2f} s, cpu {cpu:.2f} s, "
            f"{args.messages / wall:.0f} messages/s (wall), {args.messages / cpu:.0f} (cpu)"
        )
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
