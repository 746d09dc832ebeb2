"""Orchestration: the config file, one sync, the nightly job and the state it keeps.

The app wires the core to a backend: it reads, plans, snapshots, writes, locks, mails and
schedules. It never prints; the CLI turns its results and errors into text.
"""
