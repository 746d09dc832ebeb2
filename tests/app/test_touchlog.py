"""Logging a touch: person resolution, the Log tab's layout, one append, the next sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers_contacts import TODAY, Counting, make_config, rows_of, same_cells
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sheets_keepup.app.contacts import log_touch
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import DataError, ExitStatus
from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.touchlog import LOG_HEADERS, UnresolvedPersonError, plan_touch

Tabs = dict[str, list[list[Any]]]
Factory = Callable[[Tabs], Counting]
DAY = dt.date(2026, 11, 20)


@pytest.fixture(params=["memory", "xlsx"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    def build(tabs: Tabs) -> Counting:
        if request.param == "memory":
            return Counting(MemoryBackend.from_rows(tabs))
        path = tmp_path / "contacts.xlsx"
        write_new_workbook(path, tabs, overwrite=True)
        return Counting(XlsxBackend(path))

    return build


def without_log() -> Tabs:
    return {"Contacts": sample_tabs(TODAY)["Contacts"]}


def test_missing_log_tab_is_created_with_headers_in_the_same_write(make: Factory) -> None:
    backend = make(without_log())
    contacts_before = rows_of(backend, "Contacts")
    backend.reads = 0
    plan = log_touch(
        backend,
        make_config(),
        "  bruno   CASTILLO ",
        "coffee",
        note="new job at Acme",
        day=DAY,
        today=TODAY,
    )
    assert backend.reads == 1 and len(backend.writes) == 1
    [changes] = backend.writes
    assert changes.create_tab and len(changes.appends) == 2
    assert plan.created_tab and plan.written and plan.warnings == []
    assert plan.who == "Bruno Castillo" and plan.person.row == 5 and plan.log_row == 2
    assert rows_of(backend, "Log") == [
        LOG_HEADERS,
        [DAY, "Bruno Castillo", "coffee", "new job at Acme"],
    ]
    assert rows_of(backend, "Contacts") == contacts_before


def test_entry_is_appended_below_the_existing_log(make: Factory) -> None:
    tabs = sample_tabs(TODAY)
    backend = make(tabs)
    log_before = rows_of(backend, "Log")
    plan = log_touch(backend, make_config(), "dara@EXAMPLE.com", "call", day=DAY, today=TODAY)
    assert [c.create_tab for c in backend.writes] == [False]
    log_after = rows_of(backend, "Log")
    assert log_after[:-1] == log_before
    assert log_after[-1] == [DAY, "Dara Nwosu", "call"]
    assert plan.log_row == len(log_after)


def test_log_header_elsewhere_and_columns_in_another_order(make: Factory) -> None:
    tabs = without_log()
    tabs["Log"] = [
        ["My touches"],
        [],
        ["Note", "Type", "Person", None, "When"],
        ["old", "email", "Julia Rossi", None, dt.date(2026, 10, 1)],
    ]
    backend = make(tabs)
    log_touch(backend, make_config(), "Julia Rossi", "lunch", note="lab", day=DAY, today=TODAY)
    rows = rows_of(backend, "Log")
    assert rows[:4] == tabs["Log"]
    assert rows[4] == ["lab", "lunch", "Julia Rossi", None, DAY]


def test_a_log_without_a_kind_column_warns_and_skips_the_kind() -> None:
    tabs = without_log()
    tabs["Log"] = [["Date", "Who"], [dt.date(2026, 10, 1), "Julia Rossi"]]
    backend = MemoryBackend.from_rows(tabs)
    plan = log_touch(backend, make_config(), "Julia Rossi", "coffee", day=DAY, today=TODAY)
    assert backend.tabs["Log"][-1] == [DAY, "Julia Rossi"]
    assert any("no Kind column" in w for w in plan.warnings)


def test_unknown_person_lists_close_matches_and_writes_nothing(make: Factory) -> None:
    backend = make(sample_tabs(TODAY))
    before = rows_of(backend, "Log")
    with pytest.raises(UnresolvedPersonError) as caught:
        log_touch(backend, make_config(), "Bruno Castilo", "coffee", day=DAY, today=TODAY)
    error = caught.value
    assert error.exit_status == ExitStatus.DATA
    assert [(c.row, c.name) for c in error.candidates] == [(5, "Bruno Castillo")]
    assert "row 5: Bruno Castillo <bruno@example.org>" in str(error)
    with pytest.raises(UnresolvedPersonError) as nobody:
        log_touch(backend, make_config(), "Zebedee Q", "coffee", day=DAY, today=TODAY)
    assert nobody.value.candidates == []
    assert backend.writes == []
    assert rows_of(backend, "Log") == before


def test_partial_name_lists_every_candidate() -> None:
    backend = MemoryBackend.from_rows(sample_tabs(TODAY))
    with pytest.raises(UnresolvedPersonError) as caught:
        log_touch(backend, make_config(), "haddad", "call", day=DAY, today=TODAY)
    assert [c.name for c in caught.value.candidates] == ["Farah Haddad", "Yara Haddad"]
    assert backend.writes == 0


def test_shared_names_need_the_email_and_write_it_in_who() -> None:
    tabs = without_log()
    tabs["Contacts"] += [
        ["Sam Lee", "sam.lee@acme.example"],
        ["sam  lee", "sam@globex.example"],
    ]
    backend = MemoryBackend.from_rows(tabs)
    config = make_config()
    with pytest.raises(UnresolvedPersonError, match="several contacts") as caught:
        log_touch(backend, config, "Sam Lee", "coffee", day=DAY, today=TODAY)
    rows = len(tabs["Contacts"])
    assert [c.row for c in caught.value.candidates] == [rows - 1, rows]
    plan = log_touch(backend, config, "SAM@globex.example", "coffee", day=DAY, today=TODAY)
    assert plan.who == "sam@globex.example" and plan.person.row == rows
    result = sync(backend, config, TODAY, dry_run=True)
    action = result.plan.rows.at[rows - 1, "next_action"]
    assert "thank-you" in action
    assert "thank-you" not in result.plan.rows.at[rows - 2, "next_action"]


def test_a_shared_name_without_an_email_cannot_be_logged() -> None:
    tabs = without_log()
    tabs["Contacts"] += [["Sam Lee", "", "", "Acme"], ["Sam Lee", "sam@x.example"]]
    data = MemoryBackend.from_rows(tabs).read(["Contacts", "Log"])
    with pytest.raises(UnresolvedPersonError):
        plan_touch(data, make_config(), "Sam Lee", "call", day=DAY)
    plan = plan_touch(data, make_config(), "sam@x.example", "call", day=DAY)
    assert plan.who == "sam@x.example"


def test_names_in_other_orders_and_with_titles_resolve() -> None:
    data = MemoryBackend.from_rows(without_log()).read(["Contacts", "Log"])
    for query in ("Castillo, Bruno", "Dr Bruno Castillo", "bruno@example.org "):
        assert plan_touch(data, make_config(), query, "email", day=DAY).who == "Bruno Castillo"


def test_kind_warnings() -> None:
    data = MemoryBackend.from_rows(sample_tabs(TODAY)).read(["Contacts", "Log"])
    config = make_config()
    for kind in ("coffee", "Thank-You", "email", "call", "message", "video call"):
        assert plan_touch(data, config, "Julia Rossi", kind, day=DAY).warnings == [], kind
    [typo] = plan_touch(data, config, "Julia Rossi", "cofee", day=DAY).warnings
    assert "'cofee' is not a kind I know" in typo and "Did you mean 'coffee'?" in typo
    [odd] = plan_touch(data, config, "Julia Rossi", "telepathy", day=DAY).warnings
    assert "rules.in_person_kinds" in odd
    custom = make_config(rules={"in_person_kinds": ["climbing"]})
    assert plan_touch(data, custom, "Julia Rossi", "Climbing", day=DAY).warnings == []
    [future] = plan_touch(
        data, config, "Julia Rossi", "call", day=TODAY + dt.timedelta(days=3), today=TODAY
    ).warnings
    assert "in the future" in future


def test_log_needs_a_contacts_tab() -> None:
    data = SheetData({"Log": Tab("Log", [["Date", "Who"]])})
    with pytest.raises(DataError, match="No tab named 'Contacts'"):
        plan_touch(data, make_config(), "Ann", "call", day=DAY)


def test_a_log_tab_without_a_header_is_reported() -> None:
    tabs = without_log()
    tabs["Log"] = [["some", "random"], ["text", "here"]]
    backend = MemoryBackend.from_rows(tabs)
    with pytest.raises(DataError, match="No header row found"):
        log_touch(backend, make_config(), "Julia Rossi", "call", day=DAY, today=TODAY)
    assert backend.writes == 0


def test_dry_run_writes_nothing(make: Factory) -> None:
    backend = make(without_log())
    plan = log_touch(
        backend, make_config(), "Julia Rossi", "call", day=DAY, today=TODAY, dry_run=True
    )
    assert plan.dry_run and not plan.written and plan.changes.appends
    assert backend.writes == []
    assert "Log" not in backend.read(["Log"]).tabs


# The command line, on a workbook


def _workbook(tmp_path: Path, tabs: Tabs) -> tuple[Path, Path]:
    book = tmp_path / "contacts.xlsx"
    write_new_workbook(book, tabs)
    config = tmp_path / "sheets-keepup.yaml"
    config.write_text(
        yaml.safe_dump(
            {"source": {"kind": "xlsx", "path": str(book)}, "state_dir": str(tmp_path / "s")}
        )
    )
    return book, config


def test_cli_log_coffee_then_sync_suggests_a_thank_you(tmp_path: Path) -> None:
    book, config = _workbook(tmp_path, without_log())
    runner = CliRunner()
    today = dt.date.today()
    day = today - dt.timedelta(days=1)
    args = ["log", "bruno castillo", "coffee", "--note", "new job at Acme", "--date", str(day)]
    logged = runner.invoke(main, [*args, "-c", str(config)])
    assert logged.exit_code == 0, logged.output
    assert "Created the 'Log' tab" in logged.output
    assert f"Logged coffee with Bruno Castillo on {day.isoformat()}" in logged.output
    sheet = load_workbook(book)["Log"]
    assert [c.value for c in sheet[1]] == LOG_HEADERS
    assert sheet.cell(2, 1).value == dt.datetime(day.year, day.month, day.day)
    assert sheet.cell(2, 1).is_date
    synced = runner.invoke(main, ["sync", "-c", str(config), "--today", str(today)])
    assert synced.exit_code == 0, synced.output
    contacts = load_workbook(book)["Contacts"]
    header = [c.value for c in contacts[3]]
    bruno = [c.value for c in contacts[5]]
    assert bruno[0] == "Bruno Castillo"
    assert "thank-you" in bruno[header.index("Next action")]


def test_cli_unknown_person_exits_data_and_keeps_the_file(tmp_path: Path) -> None:
    book, config = _workbook(tmp_path, sample_tabs(TODAY))
    before = book.read_bytes()
    result = CliRunner().invoke(main, ["log", "Haddad", "call", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA
    assert "row 9: Farah Haddad" in result.output and "row 28: Yara Haddad" in result.output
    assert book.read_bytes() == before


def test_cli_unknown_kind_warns_but_logs(tmp_path: Path) -> None:
    book, config = _workbook(tmp_path, sample_tabs(TODAY))
    before = rows_of(XlsxBackend(book), "Contacts")
    result = CliRunner().invoke(main, ["log", "Julia Rossi", "cofee", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "Did you mean 'coffee'?" in result.output
    assert rows_of(XlsxBackend(book), "Log")[-1][1:] == ["Julia Rossi", "cofee"]
    assert same_cells(before, rows_of(XlsxBackend(book), "Contacts"))


# Property: what `log` writes, the next sync attributes to the same row


_NAMES = st.sampled_from(["Jane Doe", "jane  doe", "Doe, Jane", "Ann Lee", "Bo", "", "—"])
_EMAILS = st.sampled_from(["", "a@x.example", "A@x.example", "b@x.example", "c@x.example"])


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(st.tuples(_NAMES, _EMAILS), min_size=1, max_size=6),
    pick=st.integers(0, 5),
    by_email=st.booleans(),
    upper=st.booleans(),
)
def test_a_logged_touch_lands_on_the_person_it_resolved_to(
    people: list[tuple[str, str]], pick: int, by_email: bool, upper: bool
) -> None:
    rows = [[n, e] for n, e in people if n or e]
    if not rows:
        return
    chosen = rows[pick % len(rows)]
    query = chosen[1] if by_email else chosen[0]
    query = f"  {query.upper() if upper else query} "
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Email"], *rows]})
    config = make_config()
    try:
        plan = log_touch(backend, config, query, "coffee", day=TODAY, today=TODAY)
    except DataError:
        assert backend.writes == 0
        return
    result = sync(backend, config, TODAY, dry_run=True)
    assert not [p for p in result.problems if p.tab == "Log"], result.problems
    actions = result.plan.rows["next_action"]
    thanked = [int(r) + 1 for r in actions.index if "thank-you" in str(actions[r])]
    assert thanked == [plan.person.row]
    assert [n.casefold() for n in rows[plan.person.row - 2]].count(query.strip().casefold())
