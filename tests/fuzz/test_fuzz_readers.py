"""Fuzzing the readers with hypothesis: valid workload and split documents of both formats, mutated
(fields dropped, values replaced by other types or extreme numbers, list entries repeated), and file
bytes cut or altered. A reader either returns a valid result or raises PipesplitError with a one-line
message; any other exception is a bug."""

from __future__ import annotations

import copy
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from documents import dumps, native_split, native_workload, paper_split, paper_workload  # noqa: E402

from pipesplit import Cluster, PipesplitError, Placement, Workload  # noqa: E402
from pipesplit.cluster import MAX_DEVICES  # noqa: E402
from pipesplit.formats import read_json, split_from_json, workload_from_json  # noqa: E402

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EXTREMES = [0, -1, 1, 2, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30, 10**400, MAX_DEVICES,
            MAX_DEVICES + 1, 1e308, -1e308, math.inf, -math.inf, math.nan, -0.0, 5e-324, 1.0, 1.5, -2.5,
            True, False, None, "", "1", "1.0", "NaN", "ñ\n\x00", [], {}, [1], {"id": 1}]
scalars = st.one_of(st.sampled_from(EXTREMES), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=4), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                            max_size=3), max_leaves=6)


def paths(doc, prefix=()) -> list[tuple]:
    """Every key or position path inside ``doc``."""
    found = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        found.append(prefix + (key,))
        found.extend(paths(value, prefix + (key,)))
    return found


def mutate(data, doc):
    """``doc`` changed one to three times: a field dropped, a value replaced, or a list entry repeated."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        where = paths(doc)
        if not where:
            break
        path = data.draw(st.sampled_from(where))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(("drop", "set", "set", "repeat")))
        if action == "drop":
            del parent[path[-1]]
        elif action == "set":
            parent[path[-1]] = data.draw(values)
        elif isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
    return doc


def assert_valid(workload: Workload, cluster: Cluster) -> None:
    """What every workload a reader returns satisfies."""
    n = workload.num_nodes
    assert n >= 1 and len(set(workload.ids.tolist())) == n and len(workload.names) == n
    for arr in (workload.acc_time, workload.cpu_time, workload.memory, workload.out_cost):
        assert arr.dtype == np.float64 and np.isfinite(arr).all() and (arr >= 0).all()
    assert ((workload.src >= 0) & (workload.src < n) & (workload.dst >= 0) & (workload.dst < n)).all()
    assert (workload.src != workload.dst).all()
    assert sorted(workload.topological_order.tolist()) == list(range(n))
    assert all(isinstance(x, str) for x in workload.names) and isinstance(workload.time_unit, str)
    assert 0 <= cluster.accelerators <= MAX_DEVICES and 0 <= cluster.cpus <= MAX_DEVICES
    assert cluster.accelerators + cluster.cpus >= 1 and cluster.memory >= 0


def read_workload(doc) -> None:
    try:
        result = workload_from_json(doc)
    except PipesplitError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert_valid(*result)


def read_split(doc, workload: Workload) -> None:
    try:
        placement = split_from_json(doc, workload)
    except PipesplitError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(placement, Placement) and len(placement.device) == workload.num_nodes
    assert ((placement.device >= 0) & (placement.device < placement.num_devices)).all()


@FUZZ
@given(st.data())
def test_mutated_paper_workloads(data):
    read_workload(mutate(data, paper_workload()))


@FUZZ
@given(st.data())
def test_mutated_native_workloads(data):
    read_workload(mutate(data, native_workload()))


@FUZZ
@given(st.data(), st.sampled_from([paper_split, native_split]))
def test_mutated_splits(data, make):
    read_split(mutate(data, make()), workload_from_json(paper_workload())[0])


@FUZZ
@given(values)
def test_any_json_value_as_a_workload_or_a_split(value):
    read_workload(value)
    read_split(value, workload_from_json(paper_workload())[0])


@FUZZ
@given(st.data(), st.sampled_from([paper_workload, native_workload]))
def test_altered_bytes(data, make):
    text = bytearray(dumps(make()).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text) - 1))
        text[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(text)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.json"
        path.write_bytes(bytes(text[:cut]))
        try:
            doc = read_json(path)
        except PipesplitError as e:
            assert "\n" not in str(e)
            return
    read_workload(doc)


def test_the_valid_documents_read():
    workload, cluster = workload_from_json(paper_workload())
    assert_valid(workload, cluster)
    assert_valid(*workload_from_json(native_workload()))
    for make in (paper_split, native_split):
        placement = split_from_json(make(), workload)
        assert placement.device.tolist() == [0, 0, 0, 1, 2]
