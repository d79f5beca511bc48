"""The ``pipesplit`` command. Each subcommand is a module with ``add_parser(sub)``; its parser sets
``run(args) -> exit status``."""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import PipesplitError
from . import compare, evaluate, import_, run, solve

SUBCOMMANDS = [solve, evaluate, import_, compare, run]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipesplit", description="Optimal pipeline splits of DNN graphs across accelerators and CPU cores.")
    parser.add_argument("--version", action="version", version=f"pipesplit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; bad input ends with a one-line error and exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except PipesplitError as e:
        print(f"pipesplit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pipesplit: interrupted", file=sys.stderr)
        return 130
