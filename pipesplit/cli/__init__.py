"""The ``pipesplit`` command. Each subcommand is a module with ``add_parser(sub)``; its parser sets
``run(args) -> exit status``.

Bad input (files, flags, flag values) ends with one line on stderr, ``pipesplit: error: ...``, and
exit status 2; Ctrl-C with one line and exit status 130.
"""

from __future__ import annotations

import argparse
import re
import sys

from .. import __version__
from ..errors import PipesplitError
from . import compare, evaluate, export, import_, plot, run, simulate, solve

SUBCOMMANDS = [solve, evaluate, import_, compare, run, simulate, export, plot]


class UsageError(Exception):
    """A command line argparse cannot read (its message is argparse's, one line)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with a pointer to ``--help``), not a usage block."""

    def error(self, message: str):
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="pipesplit",
                    description="Optimal pipeline splits of DNN graphs across accelerators and CPU cores.")
    parser.add_argument("--version", action="version", version=f"pipesplit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def fail(message: str) -> int:
    """Print the one-line error and return exit status 2."""
    line = re.sub(r"\s*[\r\n]+\s*", " ", message.strip())
    print(f"pipesplit: error: {line}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line; bad input ends with a one-line error and exit status 2."""
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as e:
        return fail(str(e))
    except PipesplitError as e:
        return fail(e.for_command_line())
    except KeyboardInterrupt:
        print("pipesplit: interrupted", file=sys.stderr)
        return 130
