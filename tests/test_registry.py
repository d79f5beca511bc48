"""The method registry is the one place the methods are described: the README, --help and compare agree."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from pipesplit.cli import build_parser
from pipesplit.solvers.registry import METHODS_INFO, compare_methods_for, methods_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_method_table_is_the_registrys():
    assert methods_table() in README.read_text()


@pytest.mark.parametrize("name", list(METHODS_INFO))
def test_every_entry_names_a_function(name):
    info = METHODS_INFO[name]
    for target in (info.throughput, info.latency):
        if target:
            module, func = target.split(":")
            assert callable(getattr(importlib.import_module(f"pipesplit.solvers.{module}"), func))


def test_solve_help_lists_every_method(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["solve", "--help"])
    out = " ".join(capsys.readouterr().out.split()).replace("- ", "-")  # argparse breaks lines at hyphens
    assert all(f"{name}:" in out for name in METHODS_INFO)


def test_compare_runs_latency_methods_first_and_no_latency_only_method_for_throughput():
    assert compare_methods_for("latency")[0] == "ip"
    assert not {"greedy", "chain", "auto", "expert"} & set(compare_methods_for("throughput"))
    assert compare_methods_for("throughput", expert=True)[-1] == "expert"
