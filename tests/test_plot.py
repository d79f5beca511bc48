"""The picture of a split: layout, what each panel shows, and ``pipesplit plot`` / ``solve --plot``."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from pipesplit import Cluster, Placement, evaluate  # noqa: E402
from pipesplit.cli import main  # noqa: E402
from pipesplit.formats import load_workload  # noqa: E402
from pipesplit.formats.native import split_to_native, workload_to_native  # noqa: E402
from pipesplit.report.plot import PlotOptions, layered_positions, split_figure, write_split_plot  # noqa: E402
from pipesplit.workload import Workload  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def diamond() -> Workload:
    """1 -> {2, 3} -> 4 -> 5, with 1 -> 4 as well."""
    return Workload.from_lists(ids=[1, 2, 3, 4, 5], acc_time=[1, 3, 2, 4, 1], cpu_time=[9] * 5,
                               edges=[(1, 2), (1, 3), (2, 4), (3, 4), (1, 4), (4, 5)],
                               out_cost={1: 0.5, 2: 0.25, 3: 0.25, 4: 1.0}, memory=[60, 50, 10, 10, 0],
                               names=["in", "a", "b", "join", "out"])


def by_topological_chunks(w: Workload, k: int) -> Placement:
    """A contiguous split: the topological order cut into k runs of equal node count."""
    device = np.empty(w.num_nodes, dtype=np.int64)
    device[w.topological_order] = np.arange(w.num_nodes) * k // w.num_nodes
    return Placement(device, accelerators=k, cpus=0)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_layered_positions_are_columns_by_longest_path():
    pos = layered_positions(diamond(), np.arange(5))
    assert {v: x for v, (x, _) in pos.items()} == {0: 0, 1: 1, 2: 1, 3: 2, 4: 3}
    assert sorted([pos[1][1], pos[2][1]]) == [-0.5, 0.5]  # the two branches, centred
    assert pos[3][1] == 0.0


def test_small_graph_shows_nodes_coloured_by_device_and_the_bottleneck():
    w = diamond()
    placement = Placement(np.array([0, 0, 1, 1, 2]), accelerators=2, cpus=1)
    cluster = Cluster(2, memory=100, cpus=1)
    fig = split_figure(w, cluster, placement)
    graph, loads, memory = fig.axes
    dots = graph.collections[0]
    colours = dots.get_facecolors()
    assert len(dots.get_offsets()) == 5
    assert (colours[0] == colours[1]).all() and (colours[2] == colours[3]).all() and not (colours[1] == colours[2]).all()
    e = evaluate(w, cluster, placement)
    assert len(loads.patches) == 3 * 3  # compute, in, out per device
    bottleneck = [t for t in texts(loads) if "bottleneck" in t]
    assert bottleneck == [f" {e.max_load:.4g} * bottleneck"]
    assert [t.get_text() for t in loads.get_yticklabels()] == ["acc0", "acc1", "cpu0"]  # pipeline order
    assert [t.get_text() for t in memory.get_yticklabels()] == ["acc0", "acc1"]
    assert [t for t in texts(memory) if "over the limit" in t] == [" 110 B (110.0%) over the limit"]


def test_large_graph_becomes_a_strip_in_pipeline_order(tmp_path):
    w, cluster = load_workload("examples/gpt2/ops-inference.json")
    placement = by_topological_chunks(w, 4)
    placement.device = 3 - placement.device  # device numbers against pipeline order
    fig = split_figure(w, Cluster(4, cluster.memory, 0), placement, PlotOptions(max_graph_nodes=150))
    strip = fig.axes[0]
    assert len(strip.patches) == w.num_nodes
    labels = [t for t in texts(strip) if t.startswith("acc")]
    assert [t.split()[0] for t in labels] == ["acc3", "acc2", "acc1", "acc0"]
    assert sum(int(t.split("(")[1].rstrip(")")) for t in labels) == w.num_nodes
    assert not any("not contiguous" in t for t in texts(strip))
    write_split_plot(w, cluster, placement, tmp_path / "ops.png")
    assert (tmp_path / "ops.png").read_bytes()[:8] == PNG


def test_a_non_contiguous_split_is_marked_on_the_strip():
    w, cluster = load_workload("examples/gpt2/ops-inference.json")
    device = np.empty(w.num_nodes, dtype=np.int64)
    device[w.topological_order] = np.arange(w.num_nodes) % 2  # alternating: devices feed each other
    fig = split_figure(w, cluster, Placement(device, 2, 0))
    assert any("not contiguous" in t for t in texts(fig.axes[0]))


def test_training_graph_shows_forward_nodes():
    w, cluster = load_workload("examples/gpt2/layers-training.json")
    fig = split_figure(w, cluster, by_topological_chunks(w, 4))
    assert len(fig.axes[0].collections[0].get_offsets()) == int((~w.backward).sum())
    assert "forward nodes of a training graph" in fig.axes[0].get_title()


def test_dot_layout_needs_graphviz(monkeypatch):
    import pipesplit.report.plot as plot

    w = diamond()
    placement = Placement(np.array([0, 0, 1, 1, 1]), 2, 0)
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)
    with pytest.raises(plot.PipesplitError, match="graphviz"):
        split_figure(w, Cluster(2), placement, PlotOptions(layout="dot"))


def test_dot_layout_places_every_node():
    import shutil

    if not shutil.which("dot"):
        pytest.skip("graphviz's dot is not installed")
    from pipesplit.report.plot import dot_positions

    pos = dot_positions(diamond(), np.arange(5))
    assert sorted(pos) == [0, 1, 2, 3, 4] and pos[0][0] < pos[3][0] < pos[4][0]


# ---------------------------------------------------------------- the commands


@pytest.fixture
def files(tmp_path):
    w = diamond()
    placement = Placement(np.array([0, 0, 1, 1, 1]), 2, 0)
    wpath, spath = tmp_path / "w.json", tmp_path / "s.json"
    wpath.write_text(json.dumps(workload_to_native(w, Cluster(2))))
    spath.write_text(json.dumps(split_to_native(w, placement, evaluate(w, Cluster(2), placement))))
    return wpath, spath


def test_plot_command_writes_a_png(capsys, files, tmp_path):
    wpath, spath = files
    out = tmp_path / "split.png"
    assert main(["plot", str(wpath), str(spath), "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and f"picture written to {out}" in capsys.readouterr().out


def test_solve_plot_writes_the_split_and_its_picture(capsys, files, tmp_path):
    wpath, _ = files
    out, split = tmp_path / "split.png", tmp_path / "split.json"
    assert main(["solve", str(wpath), "-q", "-o", str(split), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and split.exists()


@pytest.mark.parametrize("argv,fragment", [
    (["plot", "{w}", "{tmp}/missing.json", "-o", "{tmp}/x.png"], "no such file"),
    (["plot", "{w}", "{s}", "-o", "{w}"], "is an input file"),
    (["plot", "{w}", "{s}", "-o", "{tmp}/nowhere/x.png"], "does not exist"),
    (["solve", "{w}", "-q", "--plot", "{tmp}/nowhere/x.png"], "does not exist"),
])
def test_bad_input_is_one_line_and_writes_nothing(capsys, files, tmp_path, argv, fragment):
    wpath, spath = files
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main([a.format(w=wpath, s=spath, tmp=tmp_path) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pipesplit: error: ")
    assert fragment in err and sorted(p.name for p in tmp_path.iterdir()) == before


def test_missing_matplotlib_is_named_before_solving(capsys, files, tmp_path, no_matplotlib):
    wpath, _ = files
    code = main(["solve", str(wpath), "-q", "--plot", str(tmp_path / "x.png")])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "pip install 'pipesplit[plot]'" in err


def test_docstring_examples():
    import doctest

    import pipesplit.report.plot as plot

    result = doctest.testmod(plot)
    assert result.attempted and result.failed == 0
