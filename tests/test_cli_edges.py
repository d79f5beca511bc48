"""The command line at its edges: Ctrl-C, strict JSON, exit status 1 for a split that breaks a
constraint, notes for ignored flags, outputs that cannot be written."""

from __future__ import annotations

import json
import math

import pytest

import pipesplit.formats
import pipesplit.solvers.run
from pipesplit.cli import main
from pipesplit.formats import dump_json, load_workload
from pipesplit.solvers.result import Solution


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def strict_json(text: str):
    """Parse JSON, refusing NaN and Infinity as a strict parser does."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def workload(paper_data, write_file):
    return write_file("w.json", paper_data)


@pytest.fixture
def unlimited(paper_data, write_file):
    paper_data.pop("maxSizePerFPGA")
    return write_file("unlimited.json", paper_data)


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_during_a_solve_exits_130_with_one_line_and_no_file(capsys, workload, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipesplit.solvers.run, "run_method", interrupted)
    before = files_in(tmp_path)
    code, out, err = run_cli(capsys, "solve", workload, "-q", "-o", tmp_path / "out.json")
    assert code == 130 and out == "" and err == "pipesplit: interrupted\n"
    assert files_in(tmp_path) == before


def test_ctrl_c_while_writing_leaves_no_partial_file(capsys, workload, tmp_path, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipesplit.formats.os, "replace", interrupted)
    before = files_in(tmp_path)
    code, _, err = run_cli(capsys, "solve", workload, "-q", "-o", tmp_path / "out.json")
    assert code == 130 and err == "pipesplit: interrupted\n"
    assert files_in(tmp_path) == before  # neither out.json nor its temporary


# ---------------------------------------------------------------- strict JSON


def test_json_of_a_workload_with_unlimited_memory(capsys, unlimited):
    assert load_workload(unlimited)[1].memory == math.inf
    for argv in (["solve", unlimited, "--json"], ["solve", unlimited, "--json", "--objective", "latency"],
                 ["compare", unlimited, "--json", "--methods", "dp,dp-linear,one-accelerator"],
                 ["compare", unlimited, "--json", "--objective", "latency", "--methods", "greedy,dp"]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, err
        assert isinstance(strict_json(out), dict)


def test_json_maps_infinities_and_nan_to_null(capsys, workload, monkeypatch):
    real = pipesplit.solvers.run.run_method

    def with_infinite_stats(*args, **kwargs):
        sol = real(*args, **kwargs)
        sol.stats.update(bound=math.inf, gap=math.nan, lower=-math.inf)
        return sol

    monkeypatch.setattr(pipesplit.solvers.run, "run_method", with_infinite_stats)
    code, out, _ = run_cli(capsys, "solve", workload, "--json")
    assert code == 0
    stats = strict_json(out)["stats"]
    assert stats["bound"] is None and stats["gap"] is None and stats["lower"] is None
    code, out, _ = run_cli(capsys, "compare", workload, "--json", "--methods", "dp")
    assert strict_json(out)["results"][0]["bound"] is None
    assert dump_json({"a": [1.5, math.inf], "b": (math.nan,)}) == '{"a": [1.5, null], "b": [null]}'


def test_written_split_is_strict_json(capsys, workload, tmp_path, monkeypatch):
    real = pipesplit.solvers.run.run_method
    monkeypatch.setattr(pipesplit.solvers.run, "run_method",
                        lambda *a, **k: _with(real(*a, **k), upper_bound=math.inf))
    out_file = tmp_path / "out.json"
    assert run_cli(capsys, "solve", workload, "-q", "-o", out_file)[0] == 0
    assert strict_json(out_file.read_text())["stats"]["upper_bound"] is None


def _with(sol: Solution, **stats) -> Solution:
    sol.stats.update(stats)
    return sol


# ---------------------------------------------------------------- exit status of solve


def test_solve_exits_1_when_its_split_breaks_a_constraint(capsys, paper_data, write_file):
    # one-accelerator puts 80 bytes on an accelerator of 50
    path = write_file("w.json", {**paper_data, "maxSizePerFPGA": 50})
    code, out, err = run_cli(capsys, "solve", path, "-q", "--method", "one-accelerator")
    assert code == 1 and err == ""
    assert "violation: acc0 holds 80 bytes" in out
    code, out, _ = run_cli(capsys, "solve", path, "--json", "--method", "one-accelerator")
    assert code == 1 and strict_json(out)["violations"]
    assert run_cli(capsys, "solve", path, "-q")[0] == 0  # the DP's split fits


def test_solve_with_an_expert_split_that_breaks_a_constraint(capsys, workload, write_file):
    split = write_file("s.json", {"fpgas": [{"nodes": [1, 2, 3, 4, 5]}], "cpus": []})
    code, out, _ = run_cli(capsys, "solve", workload, "-q", "--method", "expert", "--expert", split)
    assert code == 1 and "cannot run on an accelerator" in out


# ---------------------------------------------------------------- ignored flags


@pytest.mark.parametrize("flags,named", [
    (["--method", "dp", "--time-limit", "5"], "--time-limit"),
    (["--method", "dp-linear", "--gap", "0"], "--gap"),
    (["--calls-per-accelerator", "2"], "--calls-per-accelerator"),
    (["--expert", "s.json"], "--expert"),
    (["--fwd-bwd", "--method", "local-search"], "--fwd-bwd"),
    (["--objective", "latency", "--method", "greedy", "--fwd-bwd"], "--fwd-bwd"),
])
def test_an_ignored_flag_gets_one_note(capsys, workload, flags, named):
    code, _, err = run_cli(capsys, "solve", workload, "-q", *flags)
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipesplit: note: ") and named in lines[0], err
    assert "ignored" in lines[0]


@pytest.mark.parametrize("flags", [
    ["--method", "ip", "--time-limit", "30", "--gap", "0.001"],
    ["--objective", "latency", "--calls-per-accelerator", "2"],
    ["--method", "dp"],
])
def test_no_note_when_the_method_reads_the_flag(capsys, workload, flags):
    code, _, err = run_cli(capsys, "solve", workload, "-q", *flags)
    assert code == 0 and err == ""


def test_compare_notes_a_flag_no_method_reads(capsys, workload):
    code, _, err = run_cli(capsys, "compare", workload, "-q", "--methods", "dp,dp-linear", "--time-limit", "9")
    assert code == 0 and err.count("\n") == 1 and "--time-limit is ignored" in err
    code, _, err = run_cli(capsys, "compare", workload, "-q", "--methods", "dp,ip", "--time-limit", "30")
    assert code == 0 and err == ""


# ---------------------------------------------------------------- outputs that cannot be written


def test_an_unwritable_output_is_refused_before_solving(capsys, workload, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    solved = []
    monkeypatch.setattr(pipesplit.formats.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(pipesplit.solvers.run, "run_method", lambda *a, **k: solved.append(1))
    code, out, err = run_cli(capsys, "solve", workload, "-q", "-o", tmp_path / "out.json")
    assert code == 2 and out == "" and not solved
    assert err.count("\n") == 1 and "cannot write" in err and "Permission denied" in err


def test_a_failing_write_leaves_nothing(capsys, workload, tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipesplit.formats.os, "replace", full)
    code, _, err = run_cli(capsys, "solve", workload, "-q", "-o", tmp_path / "out.json")
    assert code == 2 and err.count("\n") == 1 and "No space left on device" in err
    assert files_in(tmp_path) == ["w.json"]

