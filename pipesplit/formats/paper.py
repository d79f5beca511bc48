"""The JSON formats of "Efficient Algorithms for Device Placement of DNN Graph Operators" (NeurIPS 2020).

Workload: ``maxSizePerFPGA``, ``maxFPGAs``, ``maxCPUs``, ``nodes[]`` (``id``, ``supportedOnFpga``,
``cpuLatency``, ``fpgaLatency``, ``isBackwardNode``, optional ``colorClass``, ``size``, ``name``,
``layerId``) and ``edges[]`` (``sourceId``, ``destId``, ``cost``). Split:
``{"maxLoad": x, "fpgas": [{"load": x, "nodes": [ids]}], "cpus": [...]}``.

Ids are JSON integers (``1``, not ``1.0`` or ``"1"``), names strings, ``layerId`` an integer or a string.
"""

from __future__ import annotations

import math

import numpy as np

from ..cluster import Cluster
from ..errors import PipesplitError
from ..placement import Evaluation, Placement
from ..workload import NO_CLASS, Workload, id_index
from .fields import EDGE_HINT, cluster_fields, endpoint, flag, integer, label, node_id, number, show, text


def workload_from_paper(data: dict) -> tuple[Workload, Cluster]:
    """Read the paper's workload JSON (already parsed) into a workload and its cluster."""
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise PipesplitError("not a workload: expected an object with a 'nodes' list and an 'edges' list")
    edges = data.get("edges")
    if not isinstance(edges, list):
        raise PipesplitError("the workload lacks the 'edges' list")
    ids, names, a, p, mem, ok, bwd, color, layer = [], [], [], [], [], [], [], [], []
    for k, node in enumerate(data["nodes"]):
        if not isinstance(node, dict):
            raise PipesplitError(f"node #{k} is not an object")
        if "id" not in node:
            raise PipesplitError(f"node #{k} lacks the field 'id'")
        nid = node_id(node["id"], f"node #{k}")
        where = f"node {nid}"
        ids.append(nid)
        names.append(text(node, "name", where, default=str(nid)))
        a.append(number(node, "fpgaLatency", where))
        p.append(number(node, "cpuLatency", where))
        mem.append(number(node, "size", where, default=0.0))
        ok.append(flag(node, "supportedOnFpga", where))
        bwd.append(flag(node, "isBackwardNode", where, default=False))
        c = integer(node, "colorClass", where)
        color.append(NO_CLASS if c is None else c)
        layer.append(label(node, "layerId", where))
    index = id_index(ids)
    n = len(ids)
    cost = np.zeros(n)
    cost_seen = np.zeros(n, dtype=bool)
    src, dst = [], []
    for j, e in enumerate(edges):
        if not isinstance(e, dict):
            raise PipesplitError(f"edge #{j} is not an object")
        for key in ("sourceId", "destId"):
            if key not in e:
                raise PipesplitError(f"edge #{j} lacks the field '{key}'")
        where = f"edge #{j} ({show(e['sourceId'], 20)} -> {show(e['destId'], 20)})"
        u, v = endpoint(e["sourceId"], index, where, EDGE_HINT), endpoint(e["destId"], index, where, EDGE_HINT)
        c = number(e, "cost", where)
        if cost_seen[u] and cost[u] != c:
            raise PipesplitError(f"edges out of node {ids[u]} have different costs ({cost[u]} and {c}); "
                                 "a node's output costs the same to send on every edge")
        cost[u], cost_seen[u] = c, True
        src.append(u)
        dst.append(v)
    workload = Workload(
        ids=np.asarray(ids, dtype=np.int64), acc_time=a, cpu_time=p, memory=mem, acc_ok=ok, backward=bwd,
        color=color, out_cost=cost, src=np.asarray(src, dtype=np.int64), dst=np.asarray(dst, dtype=np.int64),
        names=names, layer=layer if any(x is not None for x in layer) else None,
    )
    cluster = cluster_fields(data, "maxFPGAs", "maxSizePerFPGA", "maxCPUs", "the workload")
    return workload, cluster


def workload_to_paper(workload: Workload, cluster: Cluster) -> dict:
    """The paper's workload JSON for a workload and cluster."""
    w = workload
    nodes = []
    for k in range(w.num_nodes):
        node = {
            "id": int(w.ids[k]), "name": w.names[k], "supportedOnFpga": int(w.acc_ok[k]),
            "cpuLatency": float(w.cpu_time[k]), "fpgaLatency": float(w.acc_time[k]),
            "isBackwardNode": int(w.backward[k]), "size": float(w.memory[k]),
        }
        if w.color[k] != NO_CLASS:
            node["colorClass"] = int(w.color[k])
        if w.layer is not None and w.layer[k] is not None:
            node["layerId"] = w.layer[k]
        nodes.append(node)
    edges = [{"sourceId": int(w.ids[u]), "destId": int(w.ids[v]), "cost": float(w.out_cost[u])}
             for u, v in zip(w.src.tolist(), w.dst.tolist())]
    return {
        "maxSizePerFPGA": cluster.memory if math.isfinite(cluster.memory) else 1e300,
        "maxFPGAs": cluster.accelerators, "maxCPUs": cluster.cpus, "nodes": nodes, "edges": edges,
    }


def split_to_paper(workload: Workload, placement: Placement, evaluation: Evaluation) -> dict:
    """The paper's output JSON for a split."""
    groups: list[list[int]] = [[] for _ in range(placement.num_devices)]
    for k, d in enumerate(placement.device.tolist()):
        if 0 <= d < placement.num_devices:
            groups[d].append(int(workload.ids[k]))
    entries = [{"load": dev.load, "nodes": sorted(g)} for dev, g in zip(evaluation.devices, groups)]
    k = placement.accelerators
    return {"maxLoad": evaluation.max_load, "fpgas": entries[:k], "cpus": entries[k:]}


def latency_split_to_paper(workload: Workload, placement: Placement, latency: float) -> dict:
    """The paper's latency output: one ``fpgas`` entry per accelerator, one ``cpus`` entry."""
    k, dev = placement.accelerators, placement.device
    fpgas = [{"nodes": sorted(int(i) for i in workload.ids[dev == d])} for d in range(k)]
    return {"totalLatency": latency, "fpgas": fpgas, "cpus": [{"nodes": sorted(int(i) for i in workload.ids[dev >= k])}]}


def split_from_paper(data: dict, workload: Workload) -> Placement:
    """Read the paper's output JSON. Backward nodes it does not list (an inference split given for a
    training workload) go where their colocation class is, as the paper does; every other node must be
    listed."""
    if not isinstance(data, dict) or not ("fpgas" in data or "cpus" in data):
        raise PipesplitError("not a split: expected an object with 'fpgas' and 'cpus' lists")
    fpgas, cpus = data.get("fpgas", []), data.get("cpus", [])
    for key, entries in (("fpgas", fpgas), ("cpus", cpus)):
        if not isinstance(entries, list):
            raise PipesplitError(f"the split has '{key}' = {show(entries)}; expected a list of devices")
    device = np.full(workload.num_nodes, -1, dtype=np.int64)
    for d, entry in enumerate(fpgas + cpus):
        if not isinstance(entry, dict) or not isinstance(entry.get("nodes"), list):
            raise PipesplitError(f"split device #{d} lacks its 'nodes' list")
        for nid in entry["nodes"]:
            k = endpoint(nid, workload.index_of, f"split device #{d}", "is the split for another workload?")
            if device[k] >= 0 and device[k] != d:
                raise PipesplitError(f"the split places node {nid} on two devices")
            device[k] = d
    fill_from_classes(workload, device)
    missing = np.flatnonzero(device < 0)
    if len(missing):
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise PipesplitError(f"the split does not place node {workload.label(int(missing[0]))}{more}; a split must "
                             "place every node of the workload (is it for another workload?)")
    return Placement(device, accelerators=len(fpgas), cpus=len(cpus))


def fill_from_classes(workload: Workload, device: np.ndarray) -> None:
    """Give each unplaced node the device of a placed node of its colocation class (in place)."""
    cls = workload.class_of
    placed = device >= 0
    class_dev = np.full(cls.max() + 1 if len(cls) else 0, -1)
    class_dev[cls[placed]] = device[placed]
    missing = ~placed
    device[missing] = class_dev[cls[missing]]
