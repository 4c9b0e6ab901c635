"""The `reportal` command: Django's management commands with reportal's settings preset.

Only `reportal migrate` and `reportal demo` create a data directory. Any other command that needs the database,
run where there is none (no REPORTAL_DATA_DIR and no ./var, or a database never migrated), says what to do and
exits with status 2, instead of a traceback or files left behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# These make the data directory (and the database in it).
CREATES_DATA = frozenset({"migrate", "demo"})
# These work without a database.
NO_DATABASE = frozenset(
    {
        "help",
        "version",
        "check",
        "compilemessages",
        "makemessages",
        "makemigrations",
        "squashmigrations",
        "collectstatic",
        "diffsettings",
        "startapp",
        "startproject",
        "test",
        "sendtestemail",
    }
)
# Sub-commands that check files against a public key, so a member or the police can run them with no installation.
NO_DATABASE_SUBCOMMANDS = frozenset({("lists", "verify"), ("cases", "verify")})
NOT_SET_UP = 2


def _take_data_dir(argv: list[str]) -> None:
    """`--data-dir` must be known before settings load, so it is read here and passed on as REPORTAL_DATA_DIR."""
    for i, arg in enumerate(argv):
        if arg == "--data-dir" and i + 1 < len(argv):
            os.environ["REPORTAL_DATA_DIR"] = os.path.abspath(argv[i + 1])
        elif arg.startswith("--data-dir="):
            os.environ["REPORTAL_DATA_DIR"] = os.path.abspath(arg.split("=", 1)[1])


def _command(argv: list[str]) -> str:
    return next((arg for arg in argv[1:] if not arg.startswith("-")), "help")


def _needs_database(argv: list[str]) -> bool:
    words = [arg for arg in argv[1:] if not arg.startswith("-")]
    command = words[0] if words else "help"
    if command in NO_DATABASE | CREATES_DATA:
        return False
    return (command, words[1] if len(words) > 1 else "") not in NO_DATABASE_SUBCOMMANDS


def data_dir() -> Path:
    """The same directory settings.py will use."""
    return Path(os.environ.get("REPORTAL_DATA_DIR") or Path.cwd() / "var").resolve()


def _where(directory: Path) -> str:
    if os.environ.get("REPORTAL_DATA_DIR"):
        return f"in {directory} (REPORTAL_DATA_DIR)"
    return f"in {directory} (REPORTAL_DATA_DIR is not set, so reportal looks in ./var under the current directory)"


def _no_database_message(directory: Path) -> str:
    return (
        f"reportal: there is no reportal database {_where(directory)}.\n"
        "  To start a new installation here:  reportal migrate   (then `reportal demo` for the demo)\n"
        "  To use an existing installation:   set REPORTAL_DATA_DIR (or pass --data-dir) to its data directory,\n"
        "                                     or DATABASE_URL to its PostgreSQL database.\n"
        "Nothing was created.\n"
    )


def _is_missing_table(error: BaseException) -> bool:
    text = str(error).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    _take_data_dir(sys.argv)
    command = _command(sys.argv)
    directory = data_dir()
    embedded = not os.environ.get("DATABASE_URL")
    if command in CREATES_DATA and not directory.exists():
        directory.mkdir(parents=True)
        sys.stderr.write(f"reportal: created the data directory {directory}.\n")
    elif _needs_database(sys.argv) and embedded and not (directory / "reportal.sqlite3").exists():
        sys.stderr.write(_no_database_message(directory))
        raise SystemExit(NOT_SET_UP)

    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, ProgrammingError) as exc:
        if command in CREATES_DATA or not _is_missing_table(exc):
            raise
        where = _where(directory) if embedded else "at DATABASE_URL"
        sys.stderr.write(
            f"reportal: the database {where} is not set up, or not up to date ({exc}).\n"
            "  Run `reportal migrate` first (it is safe to run again), then this command.\n"
        )
        raise SystemExit(NOT_SET_UP) from None


if __name__ == "__main__":
    main()
