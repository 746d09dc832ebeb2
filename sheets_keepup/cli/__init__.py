"""Command line: thin wrappers over the library, and the only code that prints.

`main` is the click group; each module of this package defines its commands and they are
registered here, so no command module imports this one.
"""

from __future__ import annotations

import logging

import click

from sheets_keepup import __version__
from sheets_keepup.cli import contacts, init, nightly, sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheets-keepup")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
def main(verbose: int) -> None:
    """Keep professional relationships alive from a spreadsheet.

    Reads your contact sheet, works out who is due and what to do, and writes a
    Next action, a Due date and a Status back, with colour rules keyed on the Status.
    Nothing else is touched.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for command in (
    sync.demo,
    sync.sync_command,
    sync.check_command,
    sync.restore_command,
    sync.config_example,
    init.init_command,
    init.state_command,
    contacts.import_command,
    contacts.log_command,
    contacts.duplicates_command,
    nightly.run_command,
    nightly.status_command,
    nightly.digest_command,
):
    main.add_command(command)
