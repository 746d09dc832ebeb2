"""Benchmarks for sheets-keepup: the planner alone, and whole syncs against the offline API."""
