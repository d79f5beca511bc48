"""The command line: ``pipesplit solve`` and ``pipesplit evaluate``, in-process and as a real process."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipesplit import Cluster, evaluate
from pipesplit.cli import main
from pipesplit.formats import load_split, load_workload
from pipesplit.solvers.dp import dp_split

REPO = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2, (code, out, err)
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("pipesplit: error: "), err
    assert "Traceback" not in err and out == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def printed_max_load(out: str) -> float:
    return float(re.search(r"^max load: ([0-9.]+) ms per sample$", out, re.M).group(1))


@pytest.fixture
def workload(paper_data, write_file) -> Path:
    return write_file("w.json", paper_data)


# ---------------------------------------------------------------- solve


def test_solve_prints_table_and_summary(capsys, workload):
    code, out, err = run_cli(capsys, "solve", workload, "-q")
    assert code == 0, err
    w, cluster = load_workload(workload)
    best = dp_split(w, cluster).value
    header = out.splitlines()[0].split()
    assert header[:2] == ["device", "nodes"] and "load" in header
    for name in ("acc0", "acc1", "cpu0"):
        assert re.search(rf"^{name}\s", out, re.M), out
    assert "*" in out  # the bottleneck is marked
    assert printed_max_load(out) == pytest.approx(best, abs=1e-6)
    assert re.search(r"^method: dp\b", out, re.M)
    assert re.search(r"^optimal: proven", out, re.M)
    assert re.search(r"^solve time: [0-9.]+ s$", out, re.M)
    assert "violation" not in out


def test_solve_linear_method_is_not_claimed_optimal(capsys, workload):
    code, out, _ = run_cli(capsys, "solve", workload, "-q", "--method", "dp-linear")
    assert code == 0
    assert re.search(r"^method: dp-linear", out, re.M) and re.search(r"^optimal: not proven", out, re.M)


def test_solve_json_agrees_with_evaluate(capsys, workload, write_file):
    code, out, _ = run_cli(capsys, "solve", workload, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["method"] == "dp" and data["optimal"] is True and data["violations"] == []
    w, cluster = load_workload(workload)
    placement = load_split(write_file("printed.json", data), w)
    e = evaluate(w, cluster, placement, contiguous=True)
    assert e.feasible
    assert data["max_load"] == pytest.approx(e.max_load, rel=1e-12)
    assert data["max_load"] == pytest.approx(dp_split(w, cluster).value, rel=1e-12)
    assert [d["load"] for d in data["devices"]] == pytest.approx([d.load for d in e.devices], rel=1e-12)


def test_solve_writes_paper_split_that_evaluate_reads_back(capsys, workload, tmp_path):
    out_file = tmp_path / "out.json"
    code, out, _ = run_cli(capsys, "solve", workload, "-q", "-o", out_file, "--format", "paper")
    assert code == 0
    assert f"split written to {out_file} (paper format)" in out
    solved = printed_max_load(out)
    data = json.loads(out_file.read_text())
    assert set(data) == {"maxLoad", "fpgas", "cpus"}
    assert len(data["fpgas"]) == 2 and len(data["cpus"]) == 1
    assert sorted(i for d in data["fpgas"] + data["cpus"] for i in d["nodes"]) == [1, 2, 3, 4, 5]
    assert data["maxLoad"] == pytest.approx(solved, abs=1e-6)

    code, out, _ = run_cli(capsys, "evaluate", workload, out_file)
    assert code == 0
    assert printed_max_load(out) == solved
    assert "contiguous: yes" in out and "feasible: yes" in out

    code, out, _ = run_cli(capsys, "evaluate", workload, out_file, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["max_load"] == pytest.approx(data["maxLoad"], rel=1e-12)
    assert result["feasible"] is True and result["contiguous"] is True and result["violations"] == []


def test_solve_writes_native_split_that_evaluate_reads_back(capsys, workload, tmp_path):
    out_file = tmp_path / "out.json"
    code, out, _ = run_cli(capsys, "solve", workload, "-q", "-o", out_file)
    assert code == 0
    data = json.loads(out_file.read_text())
    assert data["format"] == "pipesplit.split/1" and data["method"] == "dp"
    code, out2, _ = run_cli(capsys, "evaluate", workload, out_file)
    assert code == 0 and printed_max_load(out2) == printed_max_load(out)


@pytest.mark.parametrize("spelling", ["same", "dotted"])
def test_output_onto_the_input_is_refused(capsys, workload, spelling):
    before = workload.read_bytes()
    target = workload if spelling == "same" else workload.parent / "." / workload.name
    assert_one_line_error(*run_cli(capsys, "solve", workload, "-q", "-o", target), "input")
    assert workload.read_bytes() == before
    assert sorted(p.name for p in workload.parent.iterdir()) == ["w.json"]  # nothing else written


def test_output_into_a_missing_folder_is_refused_before_solving(capsys, workload, tmp_path):
    assert_one_line_error(*run_cli(capsys, "solve", workload, "-q", "-o", tmp_path / "no" / "out.json"),
                          "does not exist")


def make_acc_ok(data):
    data["nodes"][4]["supportedOnFpga"] = 1
    return data


BAD_INPUTS = {
    # name: (change to the paper data or raw text, extra flags, fragments of the message)
    "not json": ("{nodes: [", [], ["not JSON"]),
    "cycle": (lambda d: d["edges"].append({"sourceId": 4, "destId": 1, "cost": 1.0}), [], ["cycle", "1", "4"]),
    "missing field": (lambda d: d["nodes"][2].pop("cpuLatency"), [], ["node 3", "'cpuLatency'"]),
    "unknown edge node": (lambda d: d["edges"].append({"sourceId": 4, "destId": 9, "cost": 1.0}), [],
                          ["unknown node 9"]),
    "duplicate id": (lambda d: d["nodes"][1].update(id=1), [], ["duplicate node id 1"]),
    "inconsistent costs": (lambda d: d["edges"][1].update(cost=2.0), [], ["node 1", "different costs"]),
    "negative time": (lambda d: d["nodes"][3].update(fpgaLatency=-2.0), [], ["node 4", "accelerator time"]),
    "node bigger than memory": (make_acc_ok, ["--cpus", "0", "--memory", "25"],
                                ["node 4", "30 bytes", "memory", "--cpus"]),
    "accelerator-only node without cpu": (None, ["--cpus", "0"], ["node 5", "cannot run on an accelerator"]),
    "too little memory in all": (make_acc_ok, ["--cpus", "0", "--accelerators", "1", "--memory", "70"],
                                 ["needs 80 bytes", "1 accelerators"]),
    "no devices": (None, ["--cpus", "0", "--accelerators", "0"], ["no devices"]),
    "negative device count": (None, ["--accelerators", "-1"], ["non-negative"]),
    "bad memory size": (None, ["--memory", "lots"], ["memory size 'lots'"]),
    "unknown method": (None, ["--method", "nope"], ["invalid choice: 'nope'", "pipesplit solve --help"]),
    "not a number": (None, ["--cpus", "two"], ["--cpus", "invalid int value"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(capsys, paper_data, write_file, case):
    change, flags, fragments = BAD_INPUTS[case]
    if isinstance(change, str):
        path = write_file("w.json", change)
    else:
        if change is not None:
            change(paper_data)
        path = write_file("w.json", paper_data)
    assert_one_line_error(*run_cli(capsys, "solve", path, "-q", *flags), *fragments)


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "absent.json"
    assert_one_line_error(*run_cli(capsys, "solve", missing), "no such file", str(missing))
    assert_one_line_error(*run_cli(capsys, "evaluate", missing, missing), "no such file")


def test_infeasible_contiguous_instance(capsys, paper_data, write_file):
    # sizes 10, 20, 20, 30, 0 on two accelerators of 45 with no core: only {1, 4} | {2, 3, 5} fits,
    # and 1 -> 2 -> 4 makes it a device cycle
    make_acc_ok(paper_data)
    path = write_file("w.json", paper_data)
    assert_one_line_error(*run_cli(capsys, "solve", path, "-q", "--cpus", "0", "--memory", "45"),
                          "no contiguous split")
    split = write_file("split.json", {"fpgas": [{"nodes": [1, 4]}, {"nodes": [2, 3, 5]}], "cpus": []})
    code, out, _ = run_cli(capsys, "evaluate", path, split, "--cpus", "0", "--memory", "45")
    assert code == 0 and "contiguous: no" in out


@pytest.mark.parametrize("flags,cluster", [
    ([], Cluster(2, 100.0, 1)),
    (["--accelerators", "3"], Cluster(3, 100.0, 1)),
    (["-k", "1", "--cpus", "2"], Cluster(1, 100.0, 2)),
    (["--memory", "45"], Cluster(2, 45.0, 1)),
    (["--memory", "inf", "--cpus", "1", "--accelerators", "4"], Cluster(4, math.inf, 1)),
    (["-m", "1KiB", "-l", "0"], None),
])
def test_cluster_flags_override_the_file(capsys, paper_data, write_file, flags, cluster):
    if cluster is None:  # node 5 cannot run without a core, so let it
        make_acc_ok(paper_data)
        cluster = Cluster(2, 1024.0, 0)
    path = write_file("w.json", paper_data)
    code, out, err = run_cli(capsys, "solve", path, "--json", *flags)
    assert code == 0, err
    data = json.loads(out)
    kinds = [d["kind"] for d in data["devices"]]
    assert kinds.count("accelerator") == cluster.accelerators and kinds.count("cpu") == cluster.cpus
    w, _ = load_workload(path)
    assert data["max_load"] == pytest.approx(dp_split(w, cluster).value, rel=1e-12)
    for d in data["devices"]:
        if d["kind"] == "accelerator":
            assert d["memory_bytes"] <= cluster.memory


def test_memory_flag_changes_the_answer(capsys, workload):
    loose = json.loads(run_cli(capsys, "solve", workload, "--json")[1])["max_load"]
    tight = json.loads(run_cli(capsys, "solve", workload, "--json", "--memory", "30")[1])["max_load"]
    assert tight > loose


# ---------------------------------------------------------------- evaluate


def test_evaluate_infeasible_split_exits_1_and_lists_violations(capsys, workload, write_file):
    split = write_file("split.json", {"fpgas": [{"nodes": [1, 2, 3]}, {"nodes": [4, 5]}], "cpus": [{"nodes": []}]})
    code, out, err = run_cli(capsys, "evaluate", workload, split)
    assert code == 1 and err == ""
    assert "feasible: NO" in out
    violations = [line for line in out.splitlines() if line.startswith("violation: ")]
    assert len(violations) == 1 and "node 5" in violations[0] and "cannot run on an accelerator" in violations[0]
    code, out, _ = run_cli(capsys, "evaluate", workload, split, "--json")
    data = json.loads(out)
    assert code == 1 and data["feasible"] is False and len(data["violations"]) == 1


def test_evaluate_reports_memory_and_contiguity(capsys, workload, write_file):
    # {1, 4} and {2, 3}: 1 -> 2 and 3 -> 4 make a device cycle; 40 bytes on acc0
    split = write_file("split.json", {"fpgas": [{"nodes": [1, 4]}, {"nodes": [2, 3]}], "cpus": [{"nodes": [5]}]})
    code, out, _ = run_cli(capsys, "evaluate", workload, split, "--memory", "39")
    assert code == 1
    assert "contiguous: no" in out and re.search(r"^violation: acc0 holds 40 bytes", out, re.M)
    code, out, _ = run_cli(capsys, "evaluate", workload, split)
    assert code == 0 and "contiguous: no" in out and "feasible: yes" in out  # a non-contiguous split is allowed


def test_evaluate_bad_split(capsys, workload, write_file):
    split = write_file("split.json", {"fpgas": [{"nodes": [1, 42]}], "cpus": []})
    assert_one_line_error(*run_cli(capsys, "evaluate", workload, split), "node 42")
    assert_one_line_error(*run_cli(capsys, "evaluate", workload, write_file("s2.json", "[")), "not JSON")


# ---------------------------------------------------------------- as a real process


def run_process(*argv, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "pipesplit", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_real_process(workload, tmp_path):
    done = run_process("solve", workload.name, "-q", "-o", "out.json", "--format", "paper", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "max load:" in done.stdout and "optimal: proven" in done.stdout
    assert done.stderr == ""
    again = run_process("evaluate", workload.name, "out.json", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["max_load"] == pytest.approx(printed_max_load(done.stdout), abs=1e-6)

    bad = run_process("solve", "absent.json", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("pipesplit: error: absent.json")

    version = run_process("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("pipesplit ")
