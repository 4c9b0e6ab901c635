"""The `reportal` command: Django's management commands with reportal's settings preset."""

from __future__ import annotations

import os
import sys


def _take_data_dir(argv: list[str]) -> None:
    """`--data-dir` must be known before settings load, so it is read here and passed on as REPORTAL_DATA_DIR."""
    for i, arg in enumerate(argv):
        if arg == "--data-dir" and i + 1 < len(argv):
            os.environ["REPORTAL_DATA_DIR"] = os.path.abspath(argv[i + 1])
        elif arg.startswith("--data-dir="):
            os.environ["REPORTAL_DATA_DIR"] = os.path.abspath(arg.split("=", 1)[1])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    _take_data_dir(sys.argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
