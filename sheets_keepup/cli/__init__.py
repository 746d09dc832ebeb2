"""Command line: thin wrappers over the library, and the only code that prints.

`main` is the click group; each module of this package defines its commands and they are
registered here, so no command module imports this one.
"""

from __future__ import annotations

import click

from sheets_keepup import __version__
from sheets_keepup.cli import calendar as calendar_commands
from sheets_keepup.cli import contacts, init, nightly, sync
from sheets_keepup.cli import touches as touch_commands
from sheets_keepup.cli.common import verbosity_options


class KeepupGroup(click.Group):
    """The group: every command it registers also takes -v and -q.

    So `sheets-keepup sync -q` works as `sheets-keepup -q sync` does, as in gh or httpie;
    both count, and logging is set up (one format for every command) as they are parsed.
    """

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        taken = {opt for param in cmd.params for opt in getattr(param, "opts", [])}
        for option in verbosity_options():
            if not taken.intersection(option.opts):
                cmd.params.append(option)
        super().add_command(cmd, name)


@click.group(cls=KeepupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheets-keepup")
def main() -> None:
    """Keep professional relationships alive from a spreadsheet.

    Reads your contact sheet, works out who is due and what to do, and writes a
    Next action, a Due date and a Status back, with colour rules keyed on the Status.
    Nothing else is touched.
    """


main.params.extend(verbosity_options())


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
    touch_commands.mail_command,
    calendar_commands.calendar_command,
    calendar_commands.ics_command,
    nightly.run_command,
    nightly.status_command,
    nightly.digest_command,
):
    main.add_command(command)
