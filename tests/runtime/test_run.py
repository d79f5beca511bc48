"""pipesplit run: 2- and 3-process gloo pipelines checked against the unsplit model, and bad input.

Every run is bounded by its own timeout (the runtime stops its processes) and leaves no process behind.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from pipesplit.cli import main  # noqa: E402
from pipesplit.errors import PipesplitError  # noqa: E402
from pipesplit.runtime import RunOptions, run_pipeline  # noqa: E402

FACTORIES = Path(__file__).resolve().parents[2] / "examples" / "models" / "factories.py"
FAST = ["--runs", "2", "--warmup", "1"]
RUN_FAST = ["--microbatches", "2", "--repeats", "2", "--warmup", "1", "--timeout", "120"]


def factory(name: str) -> str:
    return f"{FACTORIES}:{name}"


def imported(tmp: Path, name: str, stages: int, *flags: str) -> tuple[Path, Path]:
    """(workload, split) of the factory ``name`` split across ``stages`` devices."""
    workload, split = tmp / f"{name}{''.join(flags)}.json", tmp / f"{name}{''.join(flags)}-{stages}.json"
    if not workload.exists():
        assert main(["import", "torch", factory(name), "-o", str(workload), *FAST, *flags]) == 0
    assert main(["solve", str(workload), "-k", str(stages), "-l", "0", "-o", str(split), "--quiet"]) == 0
    return workload, split


def run_json(capsys, name: str, workload: Path, split: Path, *flags: str) -> dict:
    capsys.readouterr()
    status = main(["run", factory(name), "--split", str(split), "--workload", str(workload), "--json", *RUN_FAST,
                   *flags])
    out = capsys.readouterr().out
    assert status == 0, out
    assert multiprocessing.active_children() == []
    return json.loads(out)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("run")


def check_report(report: dict, stages: int) -> None:
    assert report["outputs_match"] is True
    assert len(report["stages"]) == stages
    assert report["predicted_ms_per_sample"] > 0 and report["measured_ms_per_sample"] is not None
    assert report["predicted_ms_per_microbatch"] == pytest.approx(max(s["predicted_load_ms"] for s in report["stages"]))
    assert all(s["measured_busy_ms"] > 0 for s in report["stages"])
    assert report["link"]["latency_ms"] >= 0 and report["link"]["bandwidth_gb_s"] > 0
    assert "slope" in report["method"]


def test_skip_cnn_three_processes_relay_the_skips(tmp, capsys):
    workload, split = imported(tmp, "skip_cnn", 3, "--granularity", "op")
    report = run_json(capsys, "skip_cnn", workload, split, "--batch", "2")
    check_report(report, 3)
    assert report["options"]["batch"] == 2
    assert report["predicted_ms_per_sample"] == pytest.approx(report["predicted_ms_per_microbatch"] / 2)
    # the middle stage relays the stem's output: it pays it in and out, so it has inputs and outputs to pay
    middle = report["stages"][1]
    assert middle["predicted_transfer_in_ms"] > 0 and middle["predicted_transfer_out_ms"] > 0


def test_skip_cnn_three_processes_training_1f1b_gradients_match(tmp, capsys):
    workload, split = imported(tmp, "skip_cnn", 3, "--training", "--depth", "1")
    report = run_json(capsys, "skip_cnn", workload, split, "--training", "--schedule", "1f1b", "--microbatches", "3")
    check_report(report, 3)
    c = report["check"]
    assert c["losses_match"] and c["grads_match"] and c["parameters"] == 10


def test_gpt2_two_processes_training_with_tied_embeddings(tmp, capsys):
    pytest.importorskip("transformers")
    workload, split = imported(tmp, "gpt2_tiny", 2, "--training")
    report = run_json(capsys, "gpt2_tiny", workload, split, "--training")
    check_report(report, 2)
    assert report["check"]["grads_match"] and report["check"]["parameters"] > 20


def test_bert_two_processes_inference_operators_from_python(tmp):
    pytest.importorskip("transformers")
    workload, _ = imported(tmp, "bert_tiny", 2, "--granularity", "op")
    # the first 7 operators on stage 0: integer tensors (token positions, the mask) cross to stage 1
    ids = [node["id"] for node in json.loads(workload.read_text())["nodes"]]
    split = tmp / "bert-7.json"
    split.write_text(json.dumps({"format": "pipesplit.split/1", "devices": [
        {"name": "acc0", "kind": "accelerator", "nodes": ids[:7]},
        {"name": "acc1", "kind": "accelerator", "nodes": ids[7:]}]}))
    report = run_pipeline(factory("bert_tiny"), split, workload,
                          RunOptions(microbatches=2, repeats=2, warmup=1, timeout=120))
    assert report.outputs_match and len(report.stages) == 2
    assert report.measured_ms_per_sample > 0 and report.predicted_ms_per_sample > 0
    assert multiprocessing.active_children() == []


def test_timeout_stops_every_process(tmp):
    workload, split = imported(tmp, "skip_cnn", 2)
    with pytest.raises(PipesplitError, match="did not finish within 2 s"):
        run_pipeline(factory("skip_cnn"), split, workload, RunOptions(timeout=2))
    assert multiprocessing.active_children() == []


def one_line_error(capsys, argv: list[str], match: str) -> None:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pipesplit: error: ") and match in err, err


def test_bad_input_is_one_line(tmp, capsys, write_file):
    workload, split = imported(tmp, "skip_cnn", 2)
    args = ["--split", str(split), "--workload", str(workload)]
    one_line_error(capsys, ["run", factory("skip_cnn"), *args, "--processes", "3"], "has 2 stages; --processes 3")
    one_line_error(capsys, ["run", factory("skip_cnn"), *args, "--processes", "1"], "--processes 1 does not match")
    one_line_error(capsys, ["run", factory("mlp"), *args], "has no function 'mlp'")
    # a factory whose model is not the workload's
    cnn_w, _ = imported(tmp, "skip_cnn", 2, "--granularity", "op")
    bert_w, bert_split = imported(tmp, "bert_tiny", 2, "--granularity", "op") if _has_transformers() else (None, None)
    if bert_w is not None:
        one_line_error(capsys, ["run", factory("skip_cnn"), "--split", str(bert_split), "--workload", str(bert_w)],
                       "does not match the workload")
        # a split of another workload
        one_line_error(capsys, ["run", factory("skip_cnn"), "--split", str(bert_split), "--workload", str(cnn_w)],
                       "is the split for another workload")
    paper = write_file("paper.json", {"maxSizePerFPGA": 1, "maxFPGAs": 1, "maxCPUs": 0,
                                      "nodes": [{"id": 1, "supportedOnFpga": 1, "cpuLatency": 1, "fpgaLatency": 1,
                                                 "isBackwardNode": 0}], "edges": []})
    one_line_error(capsys, ["run", factory("skip_cnn"), "--split", str(split), "--workload", str(paper)],
                   "does not record the model's operators")
    one_line_error(capsys, ["run", factory("skip_cnn"), *args, "--training"], "needs a training workload")
    one_line_error(capsys, ["run", factory("skip_cnn"), *args, "--schedule", "1f1b", "--microbatches", "1"],
                   "at least as many micro-batches as stages (2)")
    assert multiprocessing.active_children() == []


def test_a_model_that_does_not_export(tmp, capsys, write_file):
    workload, split = imported(tmp, "skip_cnn", 2)
    models = write_file("branchy.py", "import torch\n\nclass B(torch.nn.Module):\n    def forward(self, x):\n"
                                      "        return x * 2 if x.sum() > 0 else x\n\n"
                                      "def branchy():\n    return B(), torch.randn(3)\n")
    one_line_error(capsys, ["run", f"{models}:branchy", "--split", str(split), "--workload", str(workload)],
                   "does not export")


def _has_transformers() -> bool:
    return importlib.util.find_spec("transformers") is not None
