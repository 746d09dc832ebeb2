"""Commands that add to the sheet: `import`, `log`, and `duplicates`. Thin wrappers.

The work happens in `contacts_import` and `touchlog`, which return what they found and
did; this module only turns that into text.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sheets_keepup.app.config_file import find_config_path, load_config
from sheets_keepup.app.contacts import import_contacts, log_touch, undo_import
from sheets_keepup.backends import open_backend
from sheets_keepup.cli.common import (
    config_option,
    console,
    emit_json,
    handle_errors,
    plural,
    state_dir_of,
    today_of,
    writer_lock,
)
from sheets_keepup.core.headers import cell_name
from sheets_keepup.core.importers import ExistingContact, ImportedContact
from sheets_keepup.core.importing import (
    FIELD_LABELS,
    ImportSummary,
    UndoPlan,
    describe_duplicate,
    find_sheet_duplicates,
    summary_json,
)
from sheets_keepup.core.touchlog import TouchPlan

FORMAT_NAMES = {
    "linkedin": "LinkedIn connections",
    "google": "Google Contacts CSV",
    "outlook": "Outlook contacts CSV",
    "csv": "contacts table",
    "vcard": "vCard",
}
KEY_NAMES = {"email": "email", "profile_url": "profile URL", "name": "name"}


def _who(person: ImportedContact) -> str:
    mail = f" <{person.email}>" if person.email else ""
    return f"{person.name or person.email or person.phone}{mail}"


def _row_text(contact: ExistingContact) -> str:
    mail = f" <{contact.email}>" if contact.email else ""
    return f"row {contact.row} {contact.name}{mail}"


def _line(out: Console, text: str) -> None:
    """Print text that holds contact data: never read as markup."""
    out.print(Text(text), soft_wrap=True)


@click.command(
    "import",
    short_help="Add people from a contacts export (LinkedIn, Google, Outlook, vCard, CSV).",
)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@config_option
@click.option("--dry-run", is_flag=True, help="Show who would be added or matched; write nothing.")
@click.option(
    "--fill-empty", is_flag=True, help="Also fill empty cells of people already in the sheet."
)
@click.option(
    "--undo",
    is_flag=True,
    help="Take out what the last import added (rows edited since are left). No FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@handle_errors
def import_command(
    file: Path | None,
    config_path: Path | None,
    dry_run: bool,
    fill_empty: bool,
    undo: bool,
    as_json: bool,
) -> None:
    """Add the people in a contacts export FILE to the sheet.

    FILE is a LinkedIn Connections.csv, a Google Contacts or Outlook CSV, a vCard file,
    or any CSV whose header row names the columns (Name, Email, Company...), separated
    by commas, semicolons, tabs or |. People already in the sheet (same email, profile
    URL or name) are left alone; new people are added as rows at the end of the
    Contacts tab, in one write. `--undo` takes the last import back out.
    """
    if undo == (file is not None):
        raise click.UsageError("Give a FILE to import, or --undo (not both).")
    if undo and fill_empty:
        raise click.UsageError("--fill-empty is for importing a FILE, not for --undo.")
    config = load_config(find_config_path(config_path))
    backend = open_backend(config)
    state_dir = state_dir_of(config)
    # Undo takes the lock as import does: it writes to the sheet the same way.
    with nullcontext() if dry_run else writer_lock(config):
        if file is None:
            undone = undo_import(backend, config, state_dir, dry_run=dry_run)
        else:
            summary = import_contacts(
                backend, file, config, dry_run=dry_run, fill_empty=fill_empty, state_dir=state_dir
            )
    if file is None:
        if as_json:
            emit_json(undo_json(undone))
        else:
            print_undo(console(), undone)
    elif as_json:
        emit_json(summary_json(summary, file.name))
    else:
        print_import(console(), summary, file)


def print_import(out: Console, summary: ImportSummary, file: Path) -> None:
    """What an import found and did; the full lists on a dry run."""
    read = len(summary.new) + len(summary.matched) + len(summary.ambiguous)
    read += len(summary.duplicates) + len(summary.unrecognisable)
    kind = FORMAT_NAMES.get(summary.source or "", "contacts file")
    people = plural(read, "person", "people")
    _line(out, f"{file.name} ({kind}): {people}; sheet {summary.target}, tab '{summary.tab}'.")
    if summary.file_problems:
        out.print("[bold]Skipped or changed while reading the file:[/]")
        for problem in summary.file_problems:
            _line(out, f"  - {problem}")
    if summary.new:
        out.print(_new_table(summary, "Would add" if summary.dry_run else "Added"))
    if summary.matched:
        if summary.dry_run:
            out.print(_matched_table(summary))
        else:
            out.print(f"{len(summary.matched)} already in the sheet (matched); left as they are.")
    if summary.fills:
        out.print(_fills_table(summary))
    if summary.ambiguous:
        out.print("[bold yellow]Could not tell who these are[/] (not imported; add an email ")
        out.print("or profile URL to one of the rows, or to the file, and import again):")
        for person, candidates in summary.ambiguous:
            rows = ", ".join(_row_text(c) for c in candidates)
            _line(out, f"  - {_who(person)}: could be {rows}")
    if summary.unrecognisable:
        _line(
            out,
            "Not imported, as nothing the sheet can hold would recognise them next time "
            "(no name, email or profile URL in a column of the sheet):",
        )
        for person in summary.unrecognisable:
            line = f" (file line {person.source_line})" if person.source_line else ""
            _line(out, f"  - {_who(person) or 'a record with no name'}{line}")
    for dropped, kept in summary.duplicates:
        _line(out, f"{_who(dropped)} appears twice in the file; added once ({_who(kept)}).")
    for header in summary.added_columns:
        verb = "Would add" if summary.dry_run else "Added"
        _line(
            out,
            f"{verb} a '{header.value}' column ({cell_name(header.row, header.col)}) for "
            "LinkedIn's connection dates: connecting is not a conversation, so Last contact "
            "is left empty.",
        )
    if summary.skipped_fields:
        _line(
            out,
            "The sheet has no column for: "
            + ", ".join(summary.skipped_fields)
            + "; those values were not imported. Add the column and use --fill-empty to "
            "fill it.",
        )
    out.print(_verdict(summary))


def _verdict(summary: ImportSummary) -> str:
    added, filled = len(summary.new), len(summary.fills)
    what = f"{added} new row(s)" + (f" and {filled} empty cell(s)" if filled else "")
    if summary.dry_run:
        if not summary.changes:
            return "Dry run: nothing would change. Nothing was written."
        return f"Dry run: would write {what}. Nothing was written."
    if summary.written:
        undo = " Undo it with: sheets-keepup import --undo" if summary.undoable else ""
        return f"Wrote {what} in one write.{undo}"
    return "Nothing to import: everyone in the file is already in the sheet."


def _new_table(summary: ImportSummary, title: str) -> Table:
    table = Table(title=f"{title} ({len(summary.new)})", title_justify="left")
    table.add_column("Row", justify="right", style="dim")
    table.add_column("Name")
    table.add_column("Email")
    table.add_column("Company/Role", overflow="fold")
    for new in summary.new:
        person = new.person
        company = " / ".join(p for p in (person.company, person.role) if p)
        table.add_row(str(new.row), Text(person.name), Text(person.email), Text(company))
    return table


def _matched_table(summary: ImportSummary) -> Table:
    table = Table(title=f"Already in the sheet ({len(summary.matched)})", title_justify="left")
    table.add_column("Row", justify="right", style="dim")
    table.add_column("In the file")
    table.add_column("In the sheet")
    table.add_column("Matched by")
    for person, existing, key in summary.matched:
        table.add_row(str(existing.row), Text(_who(person)), Text(existing.name), KEY_NAMES[key])
    return table


def _fills_table(summary: ImportSummary) -> Table:
    verb = "Would fill" if summary.dry_run else "Filled"
    table = Table(title=f"{verb} empty cells ({len(summary.fills)})", title_justify="left")
    table.add_column("Cell")
    table.add_column("Column")
    table.add_column("Value", overflow="fold")
    for fill in summary.fills:
        label = FIELD_LABELS.get(fill.field, fill.field.replace("_", " ").capitalize())
        value = fill.value.isoformat() if isinstance(fill.value, dt.date) else str(fill.value)
        table.add_row(cell_name(fill.row - 1, fill.col), label, Text(value))
    return table


def undo_json(undo: UndoPlan) -> dict[str, object]:
    """What `import --undo` found and did, as one JSON object."""
    return {
        "sheet": undo.target,
        "tab": undo.record.tab,
        "file": undo.record.file,
        "imported_at": undo.record.at,
        "dry_run": undo.dry_run,
        "written": undo.written,
        "removed_rows": [row + 1 for row, _ in undo.removed],
        "cleared_cells": [cell_name(c.row, c.col) for c in undo.cleared_fills],
        "refused": undo.refused,
    }


def print_undo(out: Console, undo: UndoPlan) -> None:
    """What undoing the last import took out, and what it left and why."""
    record = undo.record
    _line(out, f"Last import: {record.file} at {record.at} into {undo.target}, tab '{record.tab}'.")
    verb = "Would clear" if undo.dry_run else "Cleared"
    for row, recorded in undo.removed:
        _line(out, f"  {verb} row {row + 1} ({recorded.name})")
    for cell in undo.cleared_fills:
        _line(out, f"  {verb} cell {cell_name(cell.row, cell.col)} (filled by --fill-empty)")
    if undo.header_cleared and record.header is not None:
        header = cell_name(record.header.row, record.header.col)
        _line(out, f"  {verb} the '{record.header.value}' header ({header}) the import added")
    if undo.refused:
        out.print(
            "[bold yellow]Left as they are[/] (edited since the import; undo again after "
            "putting them back, or clear them yourself):"
        )
        for line in undo.refused:
            _line(out, f"  - {line}")
    done = len(undo.removed) + len(undo.cleared_fills)
    if undo.dry_run:
        out.print(f"Dry run: would clear {done} row(s) and cell(s). Nothing was written.")
    elif undo.written:
        out.print(f"Undone in one write: {done} row(s) and cell(s) cleared.")
    else:
        out.print("Nothing was written.")


@click.command("log", short_help="Record a touch with someone in the Log tab.")
@click.argument("who")
@click.argument("kind")
@click.option("--note", default="", help="What you talked about.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=None,
    help="When it happened (default: today).",
)
@config_option
@click.option("--dry-run", is_flag=True, help="Show the row that would be added; write nothing.")
@handle_errors
def log_command(
    who: str,
    kind: str,
    note: str,
    day: dt.datetime | None,
    config_path: Path | None,
    dry_run: bool,
) -> None:
    """Record a touch with someone (by name or email) in the Log tab.

    KIND is free text such as email, call, coffee, lunch or thank-you. The next sync
    counts it: it moves Last contact forward and, after a meeting, suggests a thank-you.
    """
    config = load_config(find_config_path(config_path))
    today = today_of(None, config)
    backend = open_backend(config)
    # Under the lock: a touch logged while a sync writes would otherwise be saved over.
    with nullcontext() if dry_run else writer_lock(config):
        plan = log_touch(
            backend,
            config,
            who,
            kind,
            note=note,
            day=day.date() if day is not None else today,
            today=today,
            dry_run=dry_run,
        )
    print_touch(console(), console(stderr=True), plan)


def print_touch(out: Console, err: Console, plan: TouchPlan) -> None:
    """The row logged (or that would be), and any warning."""
    for warning in plan.warnings:
        err.print(Text("Warning: ", style="yellow") + Text(warning), soft_wrap=True)
    if plan.created_tab and not plan.dry_run:
        _line(out, f"Created the '{plan.log_tab}' tab (Date, Who, Kind, Note).")
    verb = "Would log" if plan.dry_run else "Logged"
    kind = plan.kind or "a touch"
    note = f" ({plan.note})" if plan.note else ""
    _line(
        out,
        f"{verb} {kind} with {plan.who} on {plan.date.isoformat()}{note} in "
        f"'{plan.log_tab}' row {plan.log_row} (contact: row {plan.person.row}).",
    )
    if plan.dry_run:
        out.print("Dry run: nothing was written.")


@click.command("duplicates", short_help="List rows that look like the same person.")
@config_option
@handle_errors
def duplicates_command(config_path: Path | None) -> None:
    """List rows of the Contacts tab that look like the same person.

    Rows count as duplicates when they share an email, or share a name and company.
    """
    config = load_config(find_config_path(config_path))
    backend = open_backend(config)
    groups = find_sheet_duplicates(backend.read([config.tabs.contacts]), config)
    out = console()
    if not groups:
        _line(out, f"{backend.describe()}: no duplicate rows in '{config.tabs.contacts}'.")
        return
    _line(out, f"{backend.describe()}: {len(groups)} group(s) of rows that look like one person:")
    for group in groups:
        _line(out, f"  - {describe_duplicate(group)}")
