"""dbhygiene: a linter for watchlist and reference-database exports."""

__version__ = "0.1.0"
