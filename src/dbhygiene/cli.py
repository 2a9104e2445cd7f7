"""Command line: ``dbhygiene check|columns|rules|rule|sample``.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage/input/config error.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ConfigError, DbHygieneError
from .report import REGISTRY as FORMATS
from .safe_text import escape

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class ToolError(click.ClickException):
    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        # one line whatever the message holds (zip member, sheet, path, value): see safe_text
        click.echo(f"dbhygiene: error: {escape(self.format_message(), max_len=2000)}", err=True)


class OneLineErrors:
    """Usage errors (bad option value, missing argument) print one line too, exit 2."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            hint = f" (see 'dbhygiene {info_name} --help')" if parent is not None else " (see 'dbhygiene --help')"
            raise ToolError(exc.format_message() + hint) from None


class Command(OneLineErrors, click.Command):
    pass


class Group(OneLineErrors, click.Group):
    command_class = Command

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise ToolError(exc.format_message() + " (see 'dbhygiene --help')") from None


def guard(fn):
    """Turn tool failures into one line on stderr and exit 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DbHygieneError as exc:
            raise ToolError(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise
        except MemoryError:
            raise ToolError("out of memory") from None
        except Exception as exc:  # an internal error is still exit 2, on one line
            raise ToolError(f"internal error: {type(exc).__name__}: {exc}") from None

    return wrapper


def parse_date(value: str | dt.date, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{what} must be a date as YYYY-MM-DD, got '{value}'") from None


def split_list(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def input_options(fn):
    for decorator in reversed([
        click.option("--profile", help="Jurisdiction profile: thresholds, vocabularies, ID formats (generic, ar)."),
        click.option("--map", "maps", multiple=True, metavar="COLUMN=field",
                     help='Map a column explicitly, e.g. --map "NRO DOC=national_id", or by its number '
                          '(1-based): --map "2=full_name". Repeatable.'),
        click.option("--header-row", "header_row", type=click.IntRange(min=1), metavar="N",
                     help="xlsx/CSV: the header is on row N (1-based; rows above it are skipped). "
                          "Default: detected under any title rows."),
        click.option("--no-header", "no_header", is_flag=True,
                     help="xlsx/CSV: the file has no header row; columns are column_1, column_2, ... "
                          "(map them by number). Default: detected."),
        click.option("--date-format", help="Day/month order of d/m/y dates: DMY, MDY or a pattern like %d/%m/%Y."),
        click.option("--as-of", help="Reference date for every age (YYYY-MM-DD). Default: today."),
        click.option("--sheet", help="Worksheet of an .xlsx file (default: the first)."),
        click.option("--encoding", help="Text encoding, if detection gets it wrong (e.g. cp1252)."),
        click.option("--delimiter", help="Field delimiter, if sniffing gets it wrong."),
        click.option("--group-by", "group_by", metavar="COLUMN",
                     help="Column holding one key per subject (OFSI 'Group ID', DFAT 'Reference'): alias rows "
                          "sharing it are one subject in statistics and identity rules. Detected when known."),
        click.option("--max-input-size", metavar="SIZE",
                     help="Largest input after decompression, e.g. 4G (default 1G; also lifts the "
                          "100-fold expansion limit on compressed input)."),
        click.option("--record-path", help="XML/JSON: where the records are (XML: data-set/record; JSON: data.items)."),
        click.option("--join", "join", multiple=True, metavar="FILE",
                     help="A child table (several birth dates, IDs, names per subject) joined onto the checked file "
                          "on --join-on; its columns become list-valued fields. Repeatable."),
        click.option("--join-on", metavar="COLUMN", help="The key column the checked file and every --join file share."),
        click.option("--password-env", "password_env", metavar="VAR",
                     help="Name of an environment variable holding the password of an encrypted .xlsx or zip "
                          "(decrypted in memory only; the password itself is never taken on the command line)."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Configuration file (default: nearest dbhygiene.toml or pyproject.toml)."),
    ]):
        fn = decorator(fn)
    return fn


def prefetch_first(files, config_path: Path | None, max_input_size) -> None:
    """Start reading (and hashing) the first file on another thread while pandas and pyarrow are
    imported (``opening.prefetch``), unless a size limit is set (``--max-input-size`` or the
    configuration's ``max-input-size``): a file over the user's limit is refused before any read."""
    from .config import find_config, read_config
    from .opening import prefetch

    if not files or max_input_size is not None:
        return
    try:
        path = config_path or find_config()
        if path is not None and (not path.is_file() or read_config(path).get("max-input-size") is not None):
            return
    except (ConfigError, OSError):  # build_settings says what is wrong with it
        return
    prefetch(files[0])


def build_settings(*, config_path, profile, maps, date_format, as_of, sheet, encoding, delimiter,
                   select=(), ignore=(), fail_on=None, show_pii=False, group_by=None,
                   max_input_size=None, record_path=None, join=(), join_on=None, password_env=None,
                   header_row=None, no_header=None):
    from .api import Settings
    from .config import find_config, read_config
    from .load import parse_size
    from .mapping import parse_map_option

    path = config_path or find_config()
    if config_path is not None and not config_path.is_file():
        raise ConfigError(f"configuration file {config_path} not found")
    conf = read_config(path) if path else {}
    delimiter = delimiter if delimiter is not None else conf.get("delimiter")
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise ConfigError("--delimiter must be one character (or 'tab')")
    if header_row is None and not no_header:  # the command line decides over the file, as a pair
        header_row, no_header = conf.get("header-row"), bool(conf.get("no-header", False))
    if header_row is not None and no_header:
        raise ConfigError("--header-row and --no-header exclude each other")
    columns = dict(conf.get("columns", {}))
    columns.update(parse_map_option(maps))
    group_by = group_by or conf.get("group-by")
    if group_by:
        columns["group_id"] = group_by  # --group-by COLUMN is --map "COLUMN=group_id"
    return Settings(
        select=split_list(select) or conf.get("select") or ["ALL"],
        ignore=split_list(ignore) or conf.get("ignore") or [],
        profile=profile or conf.get("profile", "generic"),
        as_of=parse_date(as_of or conf.get("as-of") or dt.date.today(), "--as-of"),
        date_format=date_format or conf.get("date-format"),
        columns=columns,
        sheet=sheet or conf.get("sheet"),
        encoding=encoding or conf.get("encoding"),
        delimiter=delimiter,
        record_path=record_path or conf.get("record-path"),
        header_row=header_row,
        no_header=no_header,
        joins=list(join) or list(conf.get("join", [])),
        join_on=join_on or conf.get("join-on"),
        rule_options=conf.get("rules", {}),
        show_pii=show_pii,
        fail_on=fail_on or conf.get("fail-on", "error"),
        max_input_size=None if (max_input_size or conf.get("max-input-size")) is None
        else parse_size(max_input_size or conf.get("max-input-size")),
        password=password_from_env(password_env or conf.get("password-env")),
    )


def deliver(render, output: Path | None, inputs: list[Path], color: bool | None = None) -> None:
    """Write what ``render(stream)`` writes: into ``output`` (a new owner-only file, see
    output.private_file) or onto standard output, as it is rendered; a report of 86,000 findings is
    never held whole in memory (about 90 MB at the run's peak). On a terminal the report is rendered
    first and shown through click (which drops colour codes unless ``color`` allows them).

    Piped standard output is written in chunks of a megabyte as they fill: when rendering fails half
    way (which is a bug; the run then exits 2 with one line on stderr), what was already written stays
    written, so a consumer must check the exit code. The file written with ``-o`` is all or nothing."""
    if output is not None:
        from .output import private_file

        with private_file(output, inputs) as stream:
            render(stream)
    elif sys.stdout is None:  # closed at start (>&-): nowhere to write, as click.echo would do
        return
    elif sys.stdout.isatty():
        buffer = io.StringIO()
        render(buffer)
        click.echo(buffer.getvalue(), nl=False, color=color)
    else:
        stream = _ThroughClick(color)
        render(stream)  # on an error the unwritten rest is dropped with the object
        stream.flush()


class _ThroughClick:
    """Standard output for a renderer (which only calls ``write``), passed to ``click.echo`` (its
    encoding and colour handling) a megabyte at a time. No file object: nothing is flushed behind
    the caller's back when it is collected after an error."""

    CHUNK = 1 << 20

    def __init__(self, color: bool | None):
        self._parts: list[str] = []
        self._size = 0
        self._color = color

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.CHUNK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._parts:
            text, self._parts, self._size = "".join(self._parts), [], 0
            click.echo(text, nl=False, color=self._color)


def password_from_env(var: str | None) -> str | None:
    """The password held by environment variable ``var`` (never a command-line value: that would show
    in the process list and the shell history)."""
    import os

    if not var:
        return None
    if var not in os.environ:
        raise ConfigError(f"--password-env {var}: no such environment variable is set")
    return os.environ[var]


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="dbhygiene")
def cli():
    """Lint watchlist and reference-database exports for the defects that become false arrests.

    \b
    Examples:
      dbhygiene check sample_data/conarc_sample.csv --profile ar
      dbhygiene columns export.xlsx
      dbhygiene rule MN01
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@input_options
@click.option("--select", multiple=True, help="Rules to run: codes, prefixes, names, families or ALL (comma-separated).")
@click.option("--ignore", multiple=True, help="Rules to skip, same forms as --select.")
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True,
              help="Report format: " + "; ".join(f"{k}: {r.description}" for k, r in FORMATS.items()) + ".")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (created readable by you only, mode 0600).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              help="Exit 1 when a finding is at or above this severity (default: error).")
@click.option("--show-pii", is_flag=True, help="Show names, IDs and birth dates in full (default: redacted).")
@click.option("--max-findings-per-rule", "--max-per-rule", "max_per_rule", type=click.IntRange(min=1),
              help="Findings shown per rule (all are still counted; the JSON is never capped). "
                   "Default: the format's own (text 20, all in machine formats).")
@click.option("--statistics", is_flag=True, help="Counts per rule instead of findings (text, markdown, csv).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes for the rules (default: 2 on a machine with two cores or more, for lists of "
                   "100,000 records or more; 1 elsewhere). The findings are the same either way.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display on stderr (it shows only on a terminal, "
              "after about a second, and never while a machine format goes to stdout).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Compare with a baseline: findings are marked new or unchanged; --fail-on counts new ones only.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Write this run's findings as a baseline (keyed fingerprints, no personal data; mode 0600).")
@click.option("--baseline-key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Secret for finding fingerprints (default: the DBHYGIENE_BASELINE_KEY environment variable).")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Waivers file (default: the nearest dbhygiene-waivers.toml).")
@guard
def check(files, config_path, profile, maps, date_format, as_of, sheet, encoding, delimiter, select, ignore,
          fmt, output, fail_on, show_pii, max_per_rule, statistics, group_by=None, baseline_path=None,
          write_baseline=None, baseline_key_file=None, waivers_path=None, quiet=False, jobs=None, **reading):
    """Check one or more exports and report findings.

    \b
    Example:
      dbhygiene check export.csv --profile ar --as-of 2020-05-01 -f json -o report.json
    """
    from .runtime import tune_memory

    tune_memory()  # first, before the large allocations
    prefetch_first(files, config_path, reading.get("max_input_size"))
    from .api import check_path
    from .catalogue import load_catalogue
    from .output import check_destination
    from .engine import exit_code, select_rules
    from .report import RenderOptions, Report, SourceReport, renderers

    renderer = renderers()[fmt]
    if statistics and not renderer.supports_statistics:
        supported = ", ".join(r.name for r in renderers().values() if r.supports_statistics)
        raise ConfigError(f"--statistics is not available with --format {fmt} (use {supported})")
    settings = build_settings(config_path=config_path, profile=profile, maps=maps, date_format=date_format,
                              as_of=as_of, sheet=sheet, encoding=encoding, delimiter=delimiter, select=select,
                              ignore=ignore, fail_on=fail_on, show_pii=show_pii, group_by=group_by,
                              **reading)
    settings.jobs = jobs
    specs = select_rules(load_catalogue(), settings.select, settings.ignore)
    if output is not None:
        check_destination(output, list(files))  # refuse a link, a device or an input before any work
    from .progress import Progress

    sources = []
    with Progress.for_run(quiet=quiet, machine_to_stdout=output is None and fmt != "text") as progress:
        for path in files:
            ctx, result = check_path(path, settings, progress)
            sources.append(SourceReport(ctx, result))
    report = Report(tool={"name": "dbhygiene", "version": __version__}, as_of=settings.as_of.isoformat(),
                    profile=settings.profile, sources=sources, selected_rules=[s.code for s in specs],
                    show_pii=settings.show_pii)
    from .baseline import controls

    counted = controls(report, files=list(files), baseline_path=baseline_path, write_baseline=write_baseline,
                       key_file=baseline_key_file, waivers_path=waivers_path)
    color = output is None and renderer.color and sys.stdout.isatty()
    options = RenderOptions(color=color, max_per_rule=max_per_rule, statistics=statistics)
    deliver(lambda stream: renderer.render(report, stream, options), output, list(files), color=color)
    if any(s.result.crashed for s in sources):
        crashed = ", ".join(c["rule"] for s in sources for c in s.result.crashed)
        raise ToolError(f"rule(s) crashed: {crashed}; the report above is incomplete")
    sys.exit(exit_code(counted, settings.fail_on))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@input_options
@click.option("--show-pii", is_flag=True, help="Show sample values in full (default: redacted).")
@guard
def columns(file, config_path, profile, maps, date_format, as_of, sheet, encoding, delimiter, show_pii,
            group_by=None, **reading):
    """Show how the export's columns map to canonical fields, with a redacted profile of each."""
    from .runtime import tune_memory

    tune_memory()  # first, before the large allocations
    from .api import prepare
    from .profile_columns import render_columns

    settings = build_settings(config_path=config_path, profile=profile, maps=maps, date_format=date_format,
                              as_of=as_of, sheet=sheet, encoding=encoding, delimiter=delimiter, show_pii=show_pii,
                              group_by=group_by,
                              **reading)
    ctx = prepare(file, settings)
    click.echo(render_columns(ctx, show_pii=show_pii), nl=False)


@cli.command("rules")
@click.option("--select", multiple=True, help="Only these codes, prefixes, names or families.")
@guard
def list_rules(select):
    """List the rule catalogue."""
    from .catalogue import load_catalogue
    from .engine import select_rules

    for spec in select_rules(load_catalogue(), split_list(select) or ["ALL"], []):
        click.echo(f"{spec.code}  {spec.name:<36} {spec.severity:<8} {spec.summary}")


@cli.command("rule")
@click.argument("code")
@guard
def show_rule(code):
    """Explain one rule: what it checks, why it matters, its options and examples."""
    from .catalogue import load_catalogue
    from .docs import rule_markdown

    catalogue = load_catalogue()
    by_name = {s.name: s for s in catalogue.values()}
    spec = catalogue.get(code.upper()) or by_name.get(code)
    if spec is None:
        raise ConfigError(f"no rule '{code}' (see 'dbhygiene rules')")
    click.echo(rule_markdown(spec), nl=False)


@cli.command()
@click.option("--rows", type=click.IntRange(min=100), default=5000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--as-of", default="2026-11-22", show_default=True, help="Reference date the planted ages refer to.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Where to write the export; the key goes beside it as <name>.key.json. "
                   "With --versions: a folder.")
@click.option("--encoding", default="cp1252", show_default=True)
@click.option("--versions", type=click.IntRange(min=2, max=12),
              help="Write this many dated versions of one list (for `dbhygiene history`) into the folder -o, "
                   "with history.key.json.")
@guard
def sample(rows, seed, as_of, output, encoding, versions=None):
    """Write a synthetic CONARC-like export with planted defects, and a key of what is where."""
    from .sample import write_sample

    if versions:
        from .sample_history import write_versions

        if output.exists() and not output.is_dir():
            raise ConfigError(f"with --versions, -o names a folder; {output} is a file")
        paths, key_path = write_versions(output, rows=rows, seed=seed, versions=versions)
        click.echo(escape(f"wrote {len(paths)} versions into {output} and {key_path}"))
        return
    if output.is_dir():
        raise ConfigError(f"-o {output} is a folder: give a file name (or use --versions)")

    key_path = write_sample(output, rows=rows, seed=seed, as_of=parse_date(as_of, "--as-of"), encoding=encoding)
    click.echo(escape(f"wrote {output} ({rows} records) and {key_path}"))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@input_options
@click.option("--dates", "dates_opt", multiple=True, metavar="YYYY-MM-DD,...",
              help="The date of each version, in the order of FILES (default: a date in each file name).")
@click.option("--since", help="Also report who was first listed after this date (YYYY-MM-DD).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv", "markdown", "html"]),
              default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (created readable by you only, mode 0600).")
@click.option("--people", "people_opt", type=click.Choice(["notable", "all"]), default="notable", show_default=True,
              help="Per-person rows: minors, returned and added after --since (notable), or everyone.")
@click.option("--show-pii", is_flag=True, help="Show names and IDs in full (default: redacted).")
@guard
def history(files, dates_opt, since, fmt, output, people_opt, show_pii, **inputs):
    """The history of a list across dated versions: added, removed, returned, minors.

    \b
    Records are linked across versions by normalised ID, else name and birth date. Each version is
    read and mapped on its own, so columns, encoding and format may differ between them.
    Example:
      dbhygiene history conarc_2017-06-01.csv conarc_2019-05-06.xlsx --since 2019-05-01
    """
    from .runtime import tune_memory

    tune_memory()  # first, before the large allocations
    from .history import history_of
    from .history_report import RENDERERS
    from .output import check_destination

    settings = build_settings(**inputs, show_pii=show_pii)  # every input option, as `check` takes them
    dates = [parse_date(d, "--dates") for d in split_list(dates_opt)] or None
    since_date = parse_date(since, "--since") if since else None
    if output is not None:
        check_destination(output, list(files))
    hist = history_of(list(files), settings, dates=dates, since=since_date)
    deliver(lambda stream: RENDERERS[fmt](hist, stream, show_pii=show_pii, everyone=people_opt == "all"),
            output, list(files))


@cli.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@input_options
@click.option("--select", multiple=True, help="Rules to run: codes, prefixes, names, families or ALL (comma-separated).")
@click.option("--ignore", multiple=True, help="Rules to skip, same forms as --select.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (created readable by you only, mode 0600).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              help="Exit 1 when a NEW finding is at or above this severity (default: error).")
@click.option("--show-pii", is_flag=True, help="Show names, IDs and birth dates in full (default: redacted).")
@guard
def diff(old, new, select, ignore, fmt, output, fail_on, show_pii, **inputs):
    """Findings new, resolved and persisting between two exports of one list.

    \b
    Findings are matched by rule and the normalised identity of their records, not by row number.
    Example:
      dbhygiene diff conarc_2019-05-06.csv conarc_2020-01-15.csv --profile ar
    """
    from .api import check_path
    from .diff import RENDERERS, as_dict, diff_sources, failing
    from .output import check_destination
    from .report import SourceReport

    if output is not None:
        check_destination(output, [old, new])
    settings = build_settings(**inputs, select=select, ignore=ignore, fail_on=fail_on, show_pii=show_pii)
    sources = [SourceReport(*check_path(path, settings)) for path in (old, new)]
    parts = diff_sources(*sources)
    data = as_dict(*sources, parts, show_pii, settings.as_of.isoformat(), settings.profile)
    deliver(lambda stream: RENDERERS[fmt](data, stream), output, [old, new])
    sys.exit(EXIT_FINDINGS if failing(parts, settings.fail_on) else EXIT_CLEAN)


@cli.command()
@click.argument("fingerprint")
@click.option("--rule", "rule_code", help="The finding's rule code (read from --report when given).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A JSON report of the finding: FINGERPRINT may then be the prefix the text report shows.")
@click.option("--reason", required=True, help="Why the finding is accepted.")
@click.option("--reviewer", required=True, help="Who accepted it (a role or a name).")
@click.option("--expires", required=True, help="Until when (YYYY-MM-DD); then the finding counts again.")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Waivers file to append to (default: the nearest dbhygiene-waivers.toml, else ./).")
@guard
def waive(fingerprint, rule_code, report_path, reason, reviewer, expires, waivers_path):
    """Accept one finding until a date: append an entry to dbhygiene-waivers.toml.

    \b
    The entry holds the rule, the finding's keyed fingerprint, the reason, the reviewer and the
    expiry date: no personal data. Fingerprints appear in reports when DBHYGIENE_BASELINE_KEY is set.
    Example:
      dbhygiene waive 3fa2c81d09b7 --report report.json --reason "two warrants" --reviewer steward \\
        --expires 2027-06-30
    """
    from .baseline import WAIVERS_FILE, find_waivers, resolve_fingerprint, waiver_toml

    until = parse_date(expires, "--expires")
    fingerprint, rule_code = resolve_fingerprint(fingerprint, rule_code, report_path)
    path = waivers_path or find_waivers() or Path(WAIVERS_FILE)
    entry = waiver_toml(rule_code, fingerprint, reason, reviewer, until, dt.date.today())
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(entry)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"waived {rule_code} finding {fingerprint[:12]} until {until.isoformat()} in {path}")


def main() -> None:
    try:
        cli(prog_name="dbhygiene")
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_FINDINGS)
    except SystemExit as exc:
        leave(exc.code)


def _silence_stdout() -> None:
    # the reader went away (e.g. `dbhygiene rules | head`): stop quietly, as Python's docs advise
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def leave(code) -> None:
    """End the process with ``code`` without tearing down the heap.

    After a large check, freeing the frames, the memoised arrays and the findings object by object
    takes 0.2-0.6 s on a 1M-row list, for nothing: the process is about to end. So the command line
    flushes its streams, runs the ``atexit`` handlers as a normal exit would, and leaves with
    ``os._exit``. A code that is not a number (``sys.exit("message")``) takes the normal exit.
    """
    if code is not None and not isinstance(code, int):
        raise SystemExit(code)
    try:
        if sys.stdout is not None:  # None when the process started with stdout closed
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = EXIT_FINDINGS
    except (OSError, ValueError):
        pass
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
    import atexit

    atexit._run_exitfuncs()
    os._exit(code or 0)
