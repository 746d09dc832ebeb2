"""Keep professional relationships alive from a spreadsheet."""

__version__ = "0.1.0"
