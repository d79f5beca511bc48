"""Reading and writing workloads and splits: round trips and one-line errors for bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from pipesplit import Cluster, PipesplitError, Placement, Workload, evaluate
from pipesplit.formats import load_split, load_workload, read_json, write_json
from pipesplit.formats.native import split_to_native, workload_to_native
from pipesplit.formats.paper import split_to_paper, workload_to_paper

ARRAYS = ("ids", "acc_time", "cpu_time", "memory", "acc_ok", "backward", "color", "out_cost", "src", "dst")


def assert_same_workload(a: Workload, b: Workload, names: bool = True) -> None:
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(a, name).dtype == getattr(b, name).dtype, name
    if names:
        assert a.names == b.names
    assert a.layer == b.layer


def training_workload() -> tuple[Workload, Cluster]:
    """Forward 1 -> 2 -> 3 with backward 13 -> 12 -> 11, colocated pairwise, with activations."""
    return Workload.from_lists(
        ids=[1, 2, 3, 11, 12, 13], acc_time=[1.5, 2.0, 0.25, 3.0, 4.0, 0.5], cpu_time=[15, 20, 2.5, 30, 40, 5],
        edges=[(1, 2), (2, 3), (13, 12), (12, 11), (1, 11), (2, 12), (3, 13)],
        out_cost={1: 0.125, 2: 0.5, 3: 0.0625, 13: 0.75, 12: 1.0},
        memory=[100.0, 2.5e9, 0.0, 100.0, 2.5e9, 0.0], acc_ok=[True, True, False, True, True, False],
        backward=[False, False, False, True, True, True], color=[0, 5, 9, 0, 5, 9],
        names=["embed", "attn", "loss", "embed.grad", "attn.grad", "loss.grad"],
    ), Cluster(accelerators=3, memory=8e9, cpus=2)


# ---------------------------------------------------------------- round trips


def test_paper_round_trip(tmp_path):
    w, cluster = training_workload()
    path = tmp_path / "w.json"
    write_json(path, workload_to_paper(w, cluster))
    w2, cluster2 = load_workload(path)
    assert_same_workload(w, w2)
    assert cluster2 == cluster


def test_paper_round_trip_of_every_shared_workload(shared_dir, tmp_path):
    files = sorted((shared_dir / "workloads" / "paper").glob("*/*/*.json"))
    assert files
    for i, path in enumerate(files):
        w, cluster = load_workload(path)
        out = tmp_path / f"{i}.json"
        write_json(out, workload_to_paper(w, cluster))
        w2, cluster2 = load_workload(out)
        assert_same_workload(w, w2)
        assert cluster2 == cluster, path
        # and the written JSON equals the original once both are read as data, up to key order and defaults
        orig = json.loads(path.read_text())
        again = json.loads(out.read_text())
        assert len(again["nodes"]) == len(orig["nodes"]) and len(again["edges"]) <= len(orig["edges"])


def test_native_round_trip(tmp_path):
    w, cluster = training_workload()
    w.op_type = ["Gather", "Attention", "Loss", None, None, None]
    w.time_unit = "us"
    path = tmp_path / "w.json"
    write_json(path, workload_to_native(w, cluster))
    w2, cluster2 = load_workload(path)
    assert_same_workload(w, w2)
    assert w2.op_type == w.op_type and w2.time_unit == "us"
    assert cluster2 == cluster


def test_native_round_trip_keeps_unlimited_memory(tmp_path):
    w, _ = training_workload()
    path = tmp_path / "w.json"
    write_json(path, workload_to_native(w, Cluster(2, cpus=1)))
    assert json.loads(path.read_text())["cluster"]["accelerator_memory_bytes"] is None
    assert load_workload(path)[1] == Cluster(2, memory=math.inf, cpus=1)


@pytest.mark.parametrize("writer", [split_to_paper, split_to_native])
def test_split_round_trip(tmp_path, writer):
    w, cluster = training_workload()
    p = Placement(np.array([0, 1, 3, 0, 1, 3]), accelerators=3, cpus=2)
    e = evaluate(w, cluster, p)
    assert e.feasible
    path = tmp_path / "split.json"
    write_json(path, writer(w, p, e))
    p2 = load_split(path, w)
    np.testing.assert_array_equal(p2.device, p.device)
    assert (p2.accelerators, p2.cpus) == (3, 2)
    assert evaluate(w, cluster, p2).max_load == e.max_load


def test_paper_split_fills_backward_nodes_from_their_class(write_file):
    w, cluster = training_workload()
    path = write_file("split.json", {"fpgas": [{"nodes": [1]}, {"nodes": [2]}], "cpus": [{"nodes": [3]}]})
    p = load_split(path, w)
    np.testing.assert_array_equal(p.device, [0, 1, 2, 0, 1, 2])
    assert evaluate(w, cluster, p).feasible


def test_paper_output_format(tmp_path):
    w, cluster = training_workload()
    p = Placement(np.array([0, 1, 3, 0, 1, 3]), accelerators=3, cpus=2)
    e = evaluate(w, cluster, p)
    data = split_to_paper(w, p, e)
    assert set(data) == {"maxLoad", "fpgas", "cpus"}
    assert data["maxLoad"] == e.max_load
    assert [d["nodes"] for d in data["fpgas"]] == [[1, 11], [2, 12], []]
    assert [d["nodes"] for d in data["cpus"]] == [[3, 13], []]
    assert [d["load"] for d in data["fpgas"] + data["cpus"]] == [d.load for d in e.devices]


# ---------------------------------------------------------------- accepted variants


@pytest.mark.parametrize("flag,expected", [(True, True), (False, False), (1, True), (0, False)])
def test_supported_on_fpga_as_bool_or_int(paper_data, write_file, flag, expected):
    paper_data["nodes"][0]["supportedOnFpga"] = flag
    paper_data["nodes"][0]["isBackwardNode"] = False if flag in (True, 1) else 0
    w, _ = load_workload(write_file("w.json", paper_data))
    assert bool(w.acc_ok[0]) is expected
    assert not w.backward[0]


def test_optional_fields_default(paper_data, write_file):
    for node in paper_data["nodes"]:
        for key in ("size", "isBackwardNode", "name"):
            node.pop(key)
    del paper_data["maxSizePerFPGA"], paper_data["maxCPUs"]
    w, cluster = load_workload(write_file("w.json", paper_data))
    assert cluster == Cluster(2, memory=math.inf, cpus=0)
    assert not w.backward.any() and (w.memory == 0).all()


def test_equal_costs_on_edges_out_of_one_node_are_accepted(paper_data, write_file):
    w, _ = load_workload(write_file("w.json", paper_data))
    np.testing.assert_array_equal(w.out_cost, [0.5, 0.25, 0.75, 1.0, 0.0])


# ---------------------------------------------------------------- errors


def error_of(path) -> str:
    with pytest.raises(PipesplitError) as info:
        load_workload(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message  # says which file
    return message


@pytest.mark.parametrize("value", [2, "yes", None, 0.5])
def test_bad_supported_on_fpga(paper_data, write_file, value):
    paper_data["nodes"][2]["supportedOnFpga"] = value
    message = error_of(write_file("w.json", paper_data))
    assert "node 3" in message and "supportedOnFpga" in message


@pytest.mark.parametrize("field", ["fpgaLatency", "cpuLatency", "supportedOnFpga", "id"])
def test_missing_node_field(paper_data, write_file, field):
    del paper_data["nodes"][1][field]
    message = error_of(write_file("w.json", paper_data))
    assert f"'{field}'" in message and ("node 2" in message or "node #1" in message)


@pytest.mark.parametrize("field", ["sourceId", "destId", "cost"])
def test_missing_edge_field(paper_data, write_file, field):
    del paper_data["edges"][3][field]
    message = error_of(write_file("w.json", paper_data))
    assert f"'{field}'" in message and "edge #3" in message


def test_missing_edges_list(paper_data, write_file):
    del paper_data["edges"]
    assert "edges" in error_of(write_file("w.json", paper_data))


def test_wrong_type_of_number(paper_data, write_file):
    paper_data["nodes"][1]["fpgaLatency"] = "fast"
    message = error_of(write_file("w.json", paper_data))
    assert "node 2" in message and "fpgaLatency" in message and "number" in message


def test_duplicate_id(paper_data, write_file):
    paper_data["nodes"][3]["id"] = 2
    message = error_of(write_file("w.json", paper_data))
    assert "duplicate node id 2" in message


def test_edge_to_unknown_node(paper_data, write_file):
    paper_data["edges"].append({"sourceId": 4, "destId": 77, "cost": 1.0})
    message = error_of(write_file("w.json", paper_data))
    assert "unknown node 77" in message and "edge #5" in message


def test_cycle_names_its_nodes(paper_data, write_file):
    paper_data["edges"].append({"sourceId": 4, "destId": 1, "cost": 1.0})
    message = error_of(write_file("w.json", paper_data))
    assert "cycle" in message
    cycle = message.split("cycle:")[1]
    for node in ("1", "4"):
        assert node in cycle
    assert "5" not in cycle  # node 5 is not on the cycle


def test_self_loop(paper_data, write_file):
    paper_data["edges"].append({"sourceId": 3, "destId": 3, "cost": 0.75})
    message = error_of(write_file("w.json", paper_data))
    assert "node 3" in message and "itself" in message


@pytest.mark.parametrize("field,label", [("fpgaLatency", "accelerator time"), ("cpuLatency", "CPU time"),
                                         ("size", "memory size")])
@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_bad_node_costs(paper_data, write_file, field, label, value):
    paper_data["nodes"][2][field] = value
    message = error_of(write_file("w.json", paper_data))  # json writes NaN and Infinity, as the reader accepts
    assert "node 3" in message and label in message


@pytest.mark.parametrize("value", [-0.5, float("nan")])
def test_bad_edge_cost(paper_data, write_file, value):
    for e in paper_data["edges"]:
        if e["sourceId"] == 4:
            e["cost"] = value
    message = error_of(write_file("w.json", paper_data))
    assert "node 4" in message and "transfer cost" in message


def test_inconsistent_costs_out_of_one_node(paper_data, write_file):
    paper_data["edges"][1]["cost"] = 0.6  # 1 -> 3; 1 -> 2 costs 0.5
    message = error_of(write_file("w.json", paper_data))
    assert "node 1" in message and "0.5" in message and "0.6" in message


def test_not_a_workload(write_file):
    assert "nodes" in error_of(write_file("w.json", [1, 2, 3]))
    assert "nodes" in error_of(write_file("w2.json", {"edges": []}))


def test_node_not_an_object(paper_data, write_file):
    paper_data["nodes"][1] = 5
    assert "node #1" in error_of(write_file("w.json", paper_data))


def test_not_json_and_missing_file(tmp_path, write_file):
    assert "not JSON" in error_of(write_file("w.json", "{ nodes: oops"))
    assert "no such file" in error_of(tmp_path / "absent.json")


def test_native_errors(write_file):
    good = {"format": "pipesplit.workload/1", "nodes": [{"id": 0, "accelerator_time": 1.0, "cpu_time": 2.0},
                                                         {"id": 1, "accelerator_time": 1.0, "cpu_time": 2.0}],
            "edges": [[0, 1]]}
    w, cluster = load_workload(write_file("ok.json", good))
    assert w.num_nodes == 2 and cluster == Cluster(1)
    cases = [
        ({"nodes": [{"id": 0, "cpu_time": 2.0}]}, "'accelerator_time'"),
        ({"edges": [[0, 5]]}, "unknown node 5"),
        ({"edges": [[0, 1], [1, 0]]}, "cycle"),
        ({"edges": [[0]]}, "edge #0"),
        ({"nodes": [{"id": 0, "accelerator_time": 1.0, "cpu_time": 2.0}] * 2, "edges": []}, "duplicate node id 0"),
        ({"nodes": [{"id": "a", "accelerator_time": 1.0, "cpu_time": 2.0}], "edges": []}, "node ids must be integers"),
        ({"nodes": [{"id": 0, "accelerator_time": -1.0, "cpu_time": 2.0}], "edges": []}, "accelerator time"),
    ]
    for i, (change, expected) in enumerate(cases):
        message = error_of(write_file(f"bad{i}.json", {**good, **change}))
        assert expected in message, (change, message)


def test_bad_splits(write_file):
    w, _ = training_workload()
    for data, expected in [
        ({"fpgas": [{"nodes": [1, 99]}]}, "node 99"),
        ({"fpgas": [{"nodes": [1]}, {"nodes": [1]}]}, "node 1 on two devices"),
        ({"fpgas": [{"load": 1}]}, "'nodes'"),
        ([], "not a split"),
    ]:
        path = write_file("split.json", data)
        with pytest.raises(PipesplitError) as info:
            load_split(path, w)
        assert expected in str(info.value) and str(path) in str(info.value)


def test_write_json_refuses_to_overwrite_an_input(tmp_path):
    src = tmp_path / "in.json"
    src.write_text('{"keep": true}')
    with pytest.raises(PipesplitError, match="input"):
        write_json(src, {"x": 1}, inputs=(src,))
    assert json.loads(src.read_text()) == {"keep": True}
    with pytest.raises(PipesplitError, match="does not exist"):
        write_json(tmp_path / "missing" / "out.json", {"x": 1})
    write_json(tmp_path / "out.json", {"x": 1}, inputs=(src,))
    assert read_json(tmp_path / "out.json") == {"x": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.json"]  # no temporary left behind



# ---------------------------------------------------------------- types of ids and fields


@pytest.mark.parametrize("value", [1.0, "1", True, 2**63])
def test_ids_must_be_json_integers(paper_data, write_file, value):
    # 1.0, "1" and true would collide with id 1 after conversion: every id must be written as an integer
    paper_data["nodes"][1]["id"] = value
    message = error_of(write_file("w.json", paper_data))
    assert "node #1" in message and "node ids must be integers" in message


@pytest.mark.parametrize("value", [1.0, "1", True, [1], None])
def test_edge_ends_must_be_json_integers(paper_data, write_file, value):
    paper_data["edges"][2]["sourceId"] = value
    message = error_of(write_file("w.json", paper_data))
    assert "edge #2" in message and "node ids are integers" in message


@pytest.mark.parametrize("value", [1.0, "1", True, [1]])
def test_split_entries_must_be_json_integers(write_file, value):
    w, _ = training_workload()
    path = write_file("split.json", {"fpgas": [{"nodes": [value, 2]}, {"nodes": [3]}], "cpus": []})
    with pytest.raises(PipesplitError, match="split device #0 names node .*node ids are integers"):
        load_split(path, w)


def test_a_split_that_leaves_a_node_out_is_an_error(write_file):
    w, _ = training_workload()
    path = write_file("split.json", {"fpgas": [{"nodes": [1]}, {"nodes": [2]}], "cpus": []})
    with pytest.raises(PipesplitError, match=r"does not place node 3 \(loss\) \(and 1 more\).*another workload"):
        load_split(path, w)


def test_a_workload_without_nodes(paper_data, write_file):
    paper_data["nodes"], paper_data["edges"] = [], []
    assert "the workload has no nodes" in error_of(write_file("w.json", paper_data))
    with pytest.raises(PipesplitError, match="the workload has no nodes"):
        Workload.from_lists(ids=[], acc_time=[], cpu_time=[], edges=[])


@pytest.mark.parametrize("field,value,expected", [
    ("cluster", None, "'cluster' = null; expected an object"),
    ("cluster", [4], "'cluster' = [4]; expected an object"),
    ("units", "ms", "'units' = \"ms\"; expected an object"),
    ("units", {"time": 5}, "'time' = 5; expected a string"),
])
def test_native_sections_must_be_objects(write_file, field, value, expected):
    w, cluster = training_workload()
    data = workload_to_native(w, cluster)
    data[field] = value
    assert expected in error_of(write_file("w.json", data))


BOUNDS = "whole number of devices from 0 to 65536"


@pytest.mark.parametrize("token,expected", [
    ("1e400", "'maxFPGAs' = Infinity; expected a " + BOUNDS), ("NaN", "'maxFPGAs' = NaN; expected a " + BOUNDS),
    ("1.5", "'maxFPGAs' = 1.5; expected a " + BOUNDS), ("-1", "'maxFPGAs' = -1; expected a " + BOUNDS),
    ("70000", "'maxFPGAs' = 70000; expected a " + BOUNDS), ("1" + "0" * 30, "; expected a " + BOUNDS),
    ("1" + "0" * 400, "too large a number; give a value below 1e308"),
])
def test_device_counts_must_be_whole_and_bounded(paper_data, write_file, token, expected):
    text = json.dumps(paper_data).replace('"maxFPGAs": 2', f'"maxFPGAs": {token}')
    assert expected in error_of(write_file("w.json", text))


@pytest.mark.parametrize("field,value", [("name", 5), ("layerId", [1]), ("colorClass", 1.5)])
def test_node_fields_of_the_wrong_type(paper_data, write_file, field, value):
    paper_data["nodes"][2][field] = value
    message = error_of(write_file("w.json", paper_data))
    assert "node 3" in message and f"'{field}'" in message


def test_names_with_control_characters_stay_on_one_line(paper_data, write_file):
    paper_data["nodes"][0]["name"] = "two\nlines"
    paper_data["edges"].append({"sourceId": 4, "destId": 1, "cost": 1.0})
    message = error_of(write_file("w.json", paper_data))
    assert "1 (two\\nlines)" in message


@pytest.mark.parametrize("text,expected", [("[" * 3000, "nested too deeply"), ("1" * 5000, "4300 digits"),
                                           (b"\xff\xfe{}", "cannot read it")])
def test_unreadable_json(tmp_path, text, expected):
    path = tmp_path / "w.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert expected in error_of(path)


def test_a_split_or_an_unknown_format_given_as_a_workload(write_file):
    assert "this is a split, not a workload" in error_of(write_file("s.json", {"format": "pipesplit.split/1"}))
    assert "unknown format 'x/2'" in error_of(write_file("x.json", {"format": "x/2", "nodes": []}))


@pytest.mark.parametrize("field,what", [("fpgaLatency", "times"), ("size", "memory sizes")])
def test_costs_that_add_up_beyond_any_float(paper_data, write_file, field, what):
    for node in paper_data["nodes"]:
        node[field] = 1e308
    assert f"the workload's {what} add up to more than 1e308" in error_of(write_file("w.json", paper_data))
