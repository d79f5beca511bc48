"""Pipeline schedules simulated by hand on tiny pipelines, their limits, and ``pipesplit simulate``."""

from __future__ import annotations

import doctest
import importlib
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from pipesplit import Cluster, Placement, evaluate
from pipesplit.cli import main
from pipesplit.errors import PipesplitError
from pipesplit.formats.native import split_to_native, workload_to_native
from pipesplit.runtime.simulate import ScheduleOptions, simulate, simulate_stages
from pipesplit.runtime.stages import Stage, pipeline_order, pipeline_stages
from pipesplit.workload import Workload


def stages(*times: tuple[float, float]) -> list[Stage]:
    return [Stage(i, f"acc{i}", f, b) for i, (f, b) in enumerate(times)]


def timeline(sim) -> list[tuple]:
    """(device, kind, micro-batch, start, finish), in each device's running order."""
    return sorted(((op.device, op.kind, op.microbatch, op.start, op.finish) for op in sim.ops),
                  key=lambda r: (r[0], r[3]))


def test_gpipe_two_stages_by_hand():
    sim = simulate_stages(stages((1, 2), (2, 3)), ScheduleOptions("gpipe", microbatches=2))
    assert timeline(sim) == [
        (0, "F", 0, 0, 1), (0, "F", 1, 1, 2), (0, "B", 0, 8, 10), (0, "B", 1, 11, 13),
        (1, "F", 0, 1, 3), (1, "F", 1, 3, 5), (1, "B", 0, 5, 8), (1, "B", 1, 8, 11)]
    assert sim.step_time == 13 and sim.time_per_sample == 6.5
    assert sim.peak_in_flight == [2, 2]
    assert sim.bubble_fraction == pytest.approx(1 - 16 / 26)


def test_1f1b_two_stages_by_hand():
    sim = simulate_stages(stages((1, 2), (2, 3)), ScheduleOptions("1f1b", microbatches=2))
    assert timeline(sim) == [
        (0, "F", 0, 0, 1), (0, "F", 1, 1, 2), (0, "B", 0, 6, 8), (0, "B", 1, 11, 13),
        (1, "F", 0, 1, 3), (1, "B", 0, 3, 6), (1, "F", 1, 6, 8), (1, "B", 1, 8, 11)]
    assert sim.peak_in_flight == [2, 1]


def test_1f1b_three_stages_by_hand():
    sim = simulate_stages(stages((1, 1), (1, 1), (1, 1)), ScheduleOptions("1f1b", microbatches=3))
    assert [op[1:] for op in timeline(sim) if op[0] == 1] == [
        ("F", 0, 1, 2), ("F", 1, 2, 3), ("B", 0, 4, 5), ("F", 2, 5, 6), ("B", 1, 6, 7), ("B", 2, 8, 9)]
    assert [op[1:] for op in timeline(sim) if op[0] == 0][-3:] == [("B", 0, 5, 6), ("B", 1, 7, 8), ("B", 2, 9, 10)]
    assert sim.step_time == 10
    assert sim.peak_in_flight == [3, 2, 1]


@pytest.mark.parametrize("p,m", [(1, 1), (2, 5), (3, 3), (4, 8), (4, 2)])
def test_uniform_stages_take_m_plus_p_minus_1_slots(p, m):
    """Equal stages: (M + p - 1) forward-backward slots in both schedules; 1F1B holds min(p - i, M), GPipe M."""
    for schedule in ("gpipe", "1f1b"):
        sim = simulate_stages(stages(*[(1.0, 2.0)] * p), ScheduleOptions(schedule, m))
        assert sim.step_time == pytest.approx((m + p - 1) * 3.0)
        assert sim.bubble_fraction == pytest.approx((p - 1) / (m + p - 1))
    assert simulate_stages(stages(*[(1.0, 2.0)] * p), ScheduleOptions("gpipe", m)).peak_in_flight == [m] * p
    assert simulate_stages(stages(*[(1.0, 2.0)] * p), ScheduleOptions("1f1b", m)).peak_in_flight == \
        [min(p - i, m) for i in range(p)]


def test_inference_runs_forwards_only():
    sim = simulate_stages(stages((1, 0), (2, 0)), ScheduleOptions("1f1b", 2), training=False)
    assert timeline(sim) == [(0, "F", 0, 0, 1), (0, "F", 1, 1, 2), (1, "F", 0, 1, 3), (1, "F", 1, 3, 5)]
    assert sim.peak_in_flight == [1, 1]


def test_interleaved_matches_megatron_bubble():
    """V chunks per device on D devices: step (M V + D - 1) chunk slots; peak (D - d - 1) 2 + (V - 1) D + 1."""
    for m in (2, 4, 8):
        sim = simulate_stages(stages(*[(1.0, 2.0)] * 4), ScheduleOptions("interleaved", m, chunks=2))
        assert sim.devices == ["acc0", "acc1"]
        assert sim.step_time == pytest.approx((m * 2 + 1) * 3.0)
        assert sim.peak_in_flight == [min(5, 2 * m), min(3, 2 * m)]
        assert {op.device for op in sim.ops if op.stage in (0, 2)} == {0}
    # six stages as three chunks on two devices
    sim = simulate_stages(stages(*[(1.0, 1.0)] * 6), ScheduleOptions("interleaved", 4, chunks=3))
    assert sim.step_time == pytest.approx((4 * 3 + 1) * 2.0) and sim.max_load == 6.0


@pytest.mark.parametrize("options,fragment", [
    (ScheduleOptions("interleaved", 4, chunks=2), "multiple of 2"),  # 3 stages
    (ScheduleOptions("interleaved", 4, chunks=1), "at least 2 chunks"),
    (ScheduleOptions("1f1b", 0), "at least 1"),
    (ScheduleOptions("zigzag", 4), "unknown schedule"),
])
def test_bad_options_are_refused(options, fragment):
    with pytest.raises(PipesplitError, match=fragment):
        simulate_stages(stages((1, 1), (1, 1), (1, 1)), options)


def test_interleaved_needs_microbatches_a_multiple_of_devices():
    with pytest.raises(PipesplitError, match="multiple of the 2 devices"):
        simulate_stages(stages(*[(1, 1)] * 4), ScheduleOptions("interleaved", 3, chunks=2))


stage_times = st.lists(st.tuples(st.floats(0, 3), st.floats(0, 3)), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(stage_times, st.integers(1, 20))
def test_time_per_sample_tends_to_the_max_load(times, m):
    """M L <= step <= (M + p - 1) L: time per sample is within (p - 1) / M of the max load L (1F1B);
    GPipe converges likewise to max forward + max backward, which can exceed it."""
    p = len(times)
    sim = simulate_stages(stages(*times), ScheduleOptions("1f1b", m))
    load = max(f + b for f, b in times)
    assert m * load - 1e-9 <= sim.step_time <= (m + p - 1) * load + 1e-9
    gp = simulate_stages(stages(*times), ScheduleOptions("gpipe", m))
    fb = max(f for f, _ in times) + max(b for _, b in times)
    assert m * fb - 1e-9 <= gp.step_time <= (m + p - 1) * fb + 1e-9


def test_ratio_to_max_load_falls_with_microbatches():
    st_ = stages((1.0, 2.5), (1.5, 2.0), (0.5, 3.0), (1.2, 2.2))
    ratios = [simulate_stages(st_, ScheduleOptions("1f1b", m)).time_per_sample / 3.5 for m in (1, 4, 16, 64, 256)]
    assert all(a > b for a, b in zip(ratios, ratios[1:]))
    assert ratios[0] > 2 and 1 < ratios[-1] <= 1 + 3 / 256  # within (p - 1) / M


# ---------------------------------------------------------------- stages of a split


def training_chain() -> Workload:
    """Forward 1 -> 2 -> 3, backward 6 -> 5 -> 4, each backward colocated with its forward node."""
    return Workload.from_lists(
        ids=[1, 2, 3, 4, 5, 6], acc_time=[1, 2, 3, 2, 4, 6], cpu_time=[10] * 6,
        edges=[(1, 2), (2, 3), (3, 6), (6, 5), (5, 4), (1, 4), (2, 5)],
        out_cost={1: 0.5, 2: 0.25, 6: 0.1, 5: 0.2}, backward=[0, 0, 0, 1, 1, 1], color=[0, 1, 2, 0, 1, 2])


def test_stages_split_each_load_into_forward_and_backward():
    w = training_chain()
    placement = Placement(np.array([2, 0, 1, 2, 0, 1]), accelerators=3, cpus=0)
    evaluation = evaluate(w, Cluster(3), placement)
    st_ = pipeline_stages(w, Cluster(3), placement)
    assert [s.name for s in st_] == ["acc2", "acc0", "acc1"]  # pipeline order, not device numbers
    assert [s.forward for s in st_] == [1.5, 2.75, 3.25]  # compute + forward edges' transfers
    for s in st_:
        assert s.load == pytest.approx(evaluation.devices[s.device].load)
    assert max(s.load for s in st_) == pytest.approx(evaluation.max_load)


def test_a_device_cycle_has_no_pipeline_order():
    w = training_chain()
    with pytest.raises(PipesplitError, match="not contiguous"):
        pipeline_order(w, Placement(np.array([0, 1, 0, 0, 1, 0]), accelerators=2, cpus=0))


def test_cpu_stage_pays_no_transfer():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1, 1], cpu_time=[4, 4], edges=[(1, 2)], out_cost={1: 0.5})
    st_ = pipeline_stages(w, Cluster(1, cpus=1), Placement(np.array([0, 1]), accelerators=1, cpus=1))
    assert [(s.name, s.forward) for s in st_] == [("acc0", 1.5), ("cpu0", 4.0)]
    sim = simulate(w, Cluster(1, cpus=1), Placement(np.array([0, 1]), 1, 1), ScheduleOptions("gpipe", 4))
    assert sim.step_time == 1.5 + 4 * 4.0 and not sim.training


@pytest.mark.parametrize("module", ["pipesplit.runtime.simulate", "pipesplit.runtime.stages"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and result.failed == 0


# ---------------------------------------------------------------- the command


@pytest.fixture
def files(tmp_path):
    w = training_chain()
    placement = Placement(np.array([2, 0, 1, 2, 0, 1]), accelerators=3, cpus=0)
    wpath, spath = tmp_path / "w.json", tmp_path / "s.json"
    wpath.write_text(json.dumps(workload_to_native(w, Cluster(3))))
    spath.write_text(json.dumps(split_to_native(w, placement, evaluate(w, Cluster(3), placement))))
    return wpath, spath


def test_cli_prints_summary_and_json(capsys, files):
    wpath, spath = files
    assert main(["simulate", str(spath), "--workload", str(wpath), "--schedule", "1f1b", "-M", "4"]) == 0
    out = capsys.readouterr().out
    expected = simulate_stages(pipeline_stages(*_load(wpath, spath)), ScheduleOptions("1f1b", 4))
    assert f"time per sample: {expected.time_per_sample:.6f} ms" in out
    assert "peak in-flight micro-batches: acc2 3, acc0 2, acc1 1" in out
    assert main(["simulate", str(spath), "--workload", str(wpath), "--schedule", "gpipe", "-M", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["peak_in_flight"] for d in data["devices"]] == [4, 4, 4]
    assert len(data["ops"]) == 3 * 4 * 2


def _load(wpath, spath):
    from pipesplit.formats import load_split, load_workload

    w, cluster = load_workload(wpath)
    return w, cluster, load_split(spath, w)


def test_cli_draws_gantt(capsys, files, tmp_path):
    pytest.importorskip("matplotlib")
    wpath, spath = files
    png = tmp_path / "g.png"
    assert main(["simulate", str(spath), "--workload", str(wpath), "-M", "4", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("extra,fragment", [
    (["--schedule", "interleaved"], "multiple of 2"),
    (["-M", "0"], "at least 1"),
])
def test_cli_bad_input_is_one_line(capsys, files, tmp_path, extra, fragment):
    wpath, spath = files
    png = tmp_path / "g.png"
    code = main(["simulate", str(spath), "--workload", str(wpath), "-o", str(png), *extra])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pipesplit: error: ")
    assert fragment in err and not png.exists()


def test_cli_missing_matplotlib_names_the_extra(capsys, files, tmp_path, no_matplotlib):
    wpath, spath = files
    code = main(["simulate", str(spath), "--workload", str(wpath), "-o", str(tmp_path / "g.png")])
    out, err = capsys.readouterr()
    assert code == 2 and "pip install 'pipesplit[plot]'" in err and err.count("\n") == 1


def test_bundled_training_split_approaches_its_max_load():
    """BERT-large training layers, split by the exact program over 4 accelerators."""
    from pipesplit.formats import load_workload
    from pipesplit.solvers.dp import dp_split

    w, cluster = load_workload("examples/bert-large/layers-training.json")
    cluster = Cluster(4, cluster.memory, 0)
    solution = dp_split(w, cluster)
    for m in (1, 16, 256):
        sim = simulate(w, cluster, solution.placement, ScheduleOptions("1f1b", m))
        assert sim.max_load == pytest.approx(solution.value)
        assert solution.value <= sim.time_per_sample * (1 + 1e-12) <= solution.value * (1 + 3 / m) * (1 + 1e-12)
    assert sim.time_per_sample / solution.value < 1.012 and sim.peak_in_flight == [4, 3, 2, 1]
