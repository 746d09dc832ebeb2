"""`python -m sheets_keepup`: the same as the `sheets-keepup` command."""

from sheets_keepup.cli import main

main(prog_name="sheets-keepup")
