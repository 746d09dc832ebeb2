"""The pure core: parse a sheet, apply the rules, plan and diff the writes.

Nothing here reads a file, opens a socket or prints. Every function takes data (tabs,
settings, `today`) and returns data, so it is tested without fakes.
"""
