"""pipesplit's own JSON formats, with explicit units.

Workload (``"format": "pipesplit.workload/1"``)::

    {"format": "pipesplit.workload/1",
     "units": {"time": "ms", "memory": "bytes"},
     "cluster": {"accelerators": 4, "accelerator_memory_bytes": 17179869184, "cpus": 1},
     "nodes": [{"id": 0, "name": "embed", "accelerator_time": 0.8, "cpu_time": 9.5,
                "memory_bytes": 1.2e8, "output_transfer_time": 0.05, "accelerator_ok": true,
                "backward": false, "colocation": null, "layer": null, "op_type": "Gather"}],
     "edges": [[0, 1]]}

Every time (``accelerator_time``, ``cpu_time``, ``output_transfer_time``, the time to send the node's
output to another device) is in ``units.time``; memory is in bytes. ``accelerator_memory_bytes`` may be
null for no limit. ``colocation`` is an integer class shared by nodes that must sit on one device.
Ids are JSON integers (``1``, not ``1.0`` or ``"1"``); ``name``, ``op_type`` and ``units.time`` are
strings, ``layer`` an integer or a string; an absent ``cluster`` is one accelerator.
Importers add ``output_bytes`` per node, and the PyTorch importer ``torch_nodes`` (the exported graph's
operator names behind the node); readers ignore fields they do not know.

Split (``"format": "pipesplit.split/1"``): ``devices[]`` with ``name``, ``kind`` (``accelerator`` or
``cpu``), ``nodes`` (ids) and the device's figures, plus ``max_load``, ``method`` and ``optimal``.
"""

from __future__ import annotations

import math

import numpy as np

from ..cluster import Cluster
from ..errors import PipesplitError
from ..placement import Evaluation, Placement
from ..workload import NO_CLASS, Workload, id_index
from .fields import EDGE_HINT, cluster_fields, endpoint, flag, integer, label, node_id, number, section, show, text

WORKLOAD_FORMAT = "pipesplit.workload/1"
SPLIT_FORMAT = "pipesplit.split/1"


def workload_from_native(data: dict) -> tuple[Workload, Cluster]:
    """Read the native workload JSON (already parsed)."""
    nodes, edges = data.get("nodes"), data.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise PipesplitError("the workload needs a 'nodes' list and an 'edges' list")
    cols: dict[str, list] = {k: [] for k in ("ids", "names", "a", "p", "mem", "c", "ok", "bwd", "color", "layer", "op")}
    for k, node in enumerate(nodes):
        if not isinstance(node, dict) or "id" not in node:
            raise PipesplitError(f"node #{k} needs an integer 'id'")
        nid = node_id(node["id"], f"node #{k}")
        where = f"node {nid}"
        cols["ids"].append(nid)
        cols["names"].append(text(node, "name", where, default=str(nid)))
        cols["a"].append(number(node, "accelerator_time", where))
        cols["p"].append(number(node, "cpu_time", where))
        cols["mem"].append(number(node, "memory_bytes", where, default=0.0))
        cols["c"].append(number(node, "output_transfer_time", where, default=0.0))
        cols["ok"].append(flag(node, "accelerator_ok", where, default=True))
        cols["bwd"].append(flag(node, "backward", where, default=False))
        c = integer(node, "colocation", where)
        cols["color"].append(NO_CLASS if c is None else c)
        cols["layer"].append(label(node, "layer", where))
        cols["op"].append(text(node, "op_type", where))
    index = id_index(cols["ids"])
    src, dst = [], []
    for j, e in enumerate(edges):
        if not isinstance(e, (list, tuple)) or len(e) != 2:
            raise PipesplitError(f"edge #{j} is {show(e)}; expected [source id, target id]")
        where = f"edge #{j} ({show(e[0], 20)} -> {show(e[1], 20)})"
        src.append(endpoint(e[0], index, where, EDGE_HINT))
        dst.append(endpoint(e[1], index, where, EDGE_HINT))
    units = section(data, "units", "the workload")
    workload = Workload(
        ids=np.asarray(cols["ids"], dtype=np.int64), acc_time=cols["a"], cpu_time=cols["p"], memory=cols["mem"],
        acc_ok=cols["ok"], backward=cols["bwd"], color=cols["color"], out_cost=cols["c"],
        src=np.asarray(src, dtype=np.int64), dst=np.asarray(dst, dtype=np.int64), names=cols["names"],
        layer=cols["layer"] if any(x is not None for x in cols["layer"]) else None,
        op_type=cols["op"] if any(x is not None for x in cols["op"]) else None,
        time_unit=text(units, "time", "the workload's units", default="ms"),
    )
    cluster = cluster_fields(section(data, "cluster", "the workload"), "accelerators", "accelerator_memory_bytes",
                             "cpus", "the cluster")
    return workload, cluster


def workload_to_native(workload: Workload, cluster: Cluster) -> dict:
    """The native workload JSON."""
    w = workload
    nodes = []
    for k in range(w.num_nodes):
        nodes.append({
            "id": int(w.ids[k]), "name": w.names[k], "accelerator_time": float(w.acc_time[k]),
            "cpu_time": float(w.cpu_time[k]), "memory_bytes": float(w.memory[k]),
            "output_transfer_time": float(w.out_cost[k]), "accelerator_ok": bool(w.acc_ok[k]),
            "backward": bool(w.backward[k]), "colocation": None if w.color[k] == NO_CLASS else int(w.color[k]),
            "layer": None if w.layer is None else w.layer[k], "op_type": None if w.op_type is None else w.op_type[k],
        })
    return {
        "format": WORKLOAD_FORMAT,
        "units": {"time": w.time_unit, "memory": "bytes"},
        "cluster": {"accelerators": cluster.accelerators, "cpus": cluster.cpus,
                    "accelerator_memory_bytes": cluster.memory if math.isfinite(cluster.memory) else None},
        "nodes": nodes,
        "edges": [[int(w.ids[u]), int(w.ids[v])] for u, v in zip(w.src.tolist(), w.dst.tolist())],
    }


def split_to_native(workload: Workload, placement: Placement, evaluation: Evaluation, **info) -> dict:
    """The native split JSON; ``info`` (method, optimal, ...) is stored alongside."""
    devices = []
    for d, dev in enumerate(evaluation.devices):
        devices.append({
            "name": dev.name, "kind": dev.kind, "load": dev.load, "compute": dev.compute,
            "transfer_in": dev.transfer_in, "transfer_out": dev.transfer_out, "memory_bytes": dev.memory,
            "nodes": sorted(int(i) for i in workload.ids[placement.device == d]),
        })
    return {"format": SPLIT_FORMAT, **info, "time_unit": workload.time_unit, "max_load": evaluation.max_load,
            "devices": devices}


def split_from_native(data: dict, workload: Workload) -> Placement:
    """Read the native split JSON."""
    devices = data.get("devices")
    if not isinstance(devices, list):
        raise PipesplitError("the split lacks its 'devices' list")
    accs = [d for d in devices if isinstance(d, dict) and d.get("kind") == "accelerator"]
    cpus = [d for d in devices if isinstance(d, dict) and d.get("kind") == "cpu"]
    if len(accs) + len(cpus) != len(devices):
        raise PipesplitError("every split device needs 'kind' 'accelerator' or 'cpu'")
    from .paper import (
        split_from_paper,  # one reader for the node lists and class filling
    )

    return split_from_paper({"fpgas": accs, "cpus": cpus}, workload)
