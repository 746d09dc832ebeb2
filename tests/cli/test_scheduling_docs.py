"""The deployment examples in docs/scheduling.md invoke commands that exist and parse."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from sheets_keepup.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\d+(-\d+)?))*$")


def blocks(lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(DOC.read_text()) if kind == lang]


def parse_command(command: str) -> tuple[str, dict[str, Any]]:
    """Parse a `sheets-keepup ...` command line with click, without running it."""
    words = shlex.split(command)
    assert Path(words[0]).name == "sheets-keepup", command
    name, args = words[1], words[2:]
    root = click.Context(main, info_name="sheets-keepup")
    sub = main.get_command(root, name)
    assert sub is not None, f"no command {name!r} in {command!r}"
    context = sub.make_context(name, args, parent=root)  # raises on unknown/bad options
    return name, context.params


def ini(body: str) -> tuple[str, configparser.ConfigParser]:
    first = body.splitlines()[0]
    assert first.startswith(("#", ";")), "each unit starts with a comment naming its file"
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(body)
    return first.lstrip("#; ").strip(), parser


def test_the_cron_line_runs_once_at_a_valid_time() -> None:
    (body,) = blocks("crontab")
    entries = [
        line
        for line in body.splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^\w+=", line)
    ]
    assert len(entries) == 1
    fields = entries[0].split(None, 5)
    for field in fields[:5]:
        assert CRON_FIELD.match(field), field
    name, params = parse_command(fields[5])
    assert name == "run" and params["once"] is True
    assert params["config_path"] is not None and params["log_file"] is not None


def systemd_units() -> dict[str, configparser.ConfigParser]:
    units = {}
    for body in blocks("ini"):
        path, parser = ini(body)
        if path.endswith((".service", ".timer")):
            units[Path(path).name] = parser
    return units


def test_the_systemd_oneshot_service_and_timer_pair() -> None:
    units = systemd_units()
    service, timer = units["sheets-keepup.service"], units["sheets-keepup.timer"]
    assert service["Service"]["Type"] == "oneshot"
    name, params = parse_command(service["Service"]["ExecStart"])
    assert name == "run" and params["once"] is True
    # A timer starts the service of the same name.
    assert "Unit" not in timer["Timer"]
    assert timer["Timer"]["OnCalendar"] == "*-*-* 06:00:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_long_running_systemd_service() -> None:
    service = systemd_units()["sheets-keepup-run.service"]["Service"]
    name, params = parse_command(service["ExecStart"])
    assert name == "run" and params["once"] is False
    assert service["Restart"] == "on-failure"
    assert service["SuccessExitStatus"] == "130"
    assert service.get("Type", "simple") == "simple"


def test_the_supervisord_program() -> None:
    programs = [p for path, p in map(ini, blocks("ini")) if path.endswith(".conf")]
    (program,) = programs
    section = program["program:sheets-keepup"]
    name, params = parse_command(section["command"])
    assert name == "run" and params["once"] is False
    assert "130" in section["exitcodes"].split(",")
    assert section["stopsignal"] == "TERM"


def test_the_github_actions_workflow_keeps_credentials_in_secrets() -> None:
    (body,) = [b for b in blocks("yaml") if "runs-on" in b]
    workflow = yaml.safe_load(body)
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads on: as True
    (cron,) = [item["cron"] for item in triggers["schedule"]]
    assert all(CRON_FIELD.match(f) for f in cron.split())
    steps = workflow["jobs"]["sync"]["steps"]
    (sync,) = [s for s in steps if "sheets-keepup" in s.get("run", "")]
    commands = [line for line in sync["run"].splitlines() if line.startswith("sheets-keepup")]
    (command,) = commands
    name, params = parse_command(command)
    assert name == "run" and params["once"] is True
    assert sync["env"]["SERVICE_ACCOUNT_JSON"] == "${{ secrets.GOOGLE_SERVICE_ACCOUNT_JSON }}"
    assert "GOOGLE_APPLICATION_CREDENTIALS" in sync["run"]
    assert "echo" not in sync["run"], "the key is never printed"


@pytest.mark.parametrize("bad", ["sheets-keepup run --onse", "sheets-keepup nightly --once"])
def test_the_checker_rejects_what_would_not_run(bad: str) -> None:
    with pytest.raises((click.UsageError, AssertionError)):
        parse_command(bad)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` finds no unknown keys or bad values in the examples."""
    fake = tmp_path / "bin" / "sheets-keepup"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    paths = []
    for body in blocks("ini"):
        name, _parser = ini(body)
        if not name.endswith((".service", ".timer")):
            continue
        path = tmp_path / Path(name).name
        path.write_text(body.replace("%h/.local/bin/sheets-keepup", str(fake)))
        paths.append(str(path))
    assert len(paths) == 3
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    problems = [line for line in checked.stderr.splitlines() if str(tmp_path) in line]
    assert problems == []


def test_the_cron_command_expands_as_cron_runs_it(tmp_path: Path) -> None:
    """cron hands the command to /bin/sh with HOME set: run it with a stand-in binary."""
    (body,) = blocks("crontab")
    line = next(x for x in body.splitlines() if x[:1].isdigit() or x.startswith("*"))
    command = line.split(None, 5)[5]
    fake = tmp_path / ".local" / "bin" / "sheets-keepup"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n')
    fake.chmod(0o755)
    ran = subprocess.run(
        ["/bin/sh", "-c", command],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    args = ran.stdout.splitlines()
    name, params = parse_command(shlex.join(["sheets-keepup", *args]))
    assert name == "run" and params["once"] is True
    assert params["config_path"] == tmp_path / ".config/sheets-keepup/sheets-keepup.yaml"
