"""Nightly-job machinery: scheduling, locking, status, logging and the mail digest.

Wiring into a ``run`` command (the sync is any ``Callable[[], JobOutcome]``)::

    configure_logging(level, log_file)
    runner = NightlyRunner(sync, at="02:00", timezone="Europe/London",
                           state_dir=default_state_dir())
    status = runner.run_once() if once else runner.serve()
    sys.exit(int(status))

The sync may raise an exception with an ``exit_status`` attribute (an
``sheets_keepup.errors.ExitStatus``) to choose the exit code of ``--once``; other
exceptions give ERROR. ``sheets_keepup.nightly.NightlyJob`` is the job that
``sheets-keepup run`` passes in.
"""
