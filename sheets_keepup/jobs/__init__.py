"""Nightly-job machinery: scheduling, locking, status, logging and the mail digest."""
