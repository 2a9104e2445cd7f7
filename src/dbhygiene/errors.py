"""Exceptions for tool failures. Data problems are findings, never exceptions."""


class DbHygieneError(Exception):
    """Base class: the CLI turns every one of these into one line on stderr and exit 2."""


class ConfigError(DbHygieneError):
    """Bad configuration file, option or selector."""


class LoadError(DbHygieneError):
    """The input could not be read as a table (empty, binary, truncated, unreadable)."""


class CatalogueError(DbHygieneError):
    """The shipped or user rule catalogue is inconsistent."""
