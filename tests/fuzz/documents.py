"""Valid documents of every format, the bad values each field can take, and JSON text with the tokens
Python's json module cannot write (``1e400``, 400-digit integers), for the malformed-input tests."""

from __future__ import annotations

import copy
import json

class Raw:
    """A JSON token written as it is (``Raw("1e400")``)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def dumps(data: object) -> str:
    """JSON text of ``data``, with each ``Raw`` token in place (NaN and Infinity as Python writes them)."""
    raws: list[str] = []

    def mark(x):
        if isinstance(x, Raw):
            raws.append(x.token)
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(x, dict):
            return {k: mark(v) for k, v in x.items()}
        if isinstance(x, list):
            return [mark(v) for v in x]
        return x

    text = json.dumps(mark(data))
    for i, token in enumerate(raws):
        text = text.replace(f'"@@raw{i}@@"', token)
    return text


def paper_node(nid: int, acc: float, cpu: float, ok=1, size=0.0, **extra) -> dict:
    return {"id": nid, "name": f"n{nid}", "supportedOnFpga": ok, "cpuLatency": cpu, "fpgaLatency": acc,
            "isBackwardNode": 0, "size": size, **extra}


def paper_workload() -> dict:
    """A diamond 1 -> {2, 3} -> 4 -> 5 in the paper's format; node 5 runs only on a CPU core."""
    return {
        "maxSizePerFPGA": 100.0, "maxFPGAs": 2, "maxCPUs": 1,
        "nodes": [paper_node(1, 1.0, 10.0, size=10), paper_node(2, 3.0, 30.0, size=20),
                  paper_node(3, 2.0, 20.0, size=20, colorClass=3), paper_node(4, 4.0, 40.0, size=30, layerId=2),
                  paper_node(5, 0.0, 1.5, ok=0)],
        "edges": [{"sourceId": 1, "destId": 2, "cost": 0.5}, {"sourceId": 1, "destId": 3, "cost": 0.5},
                  {"sourceId": 2, "destId": 4, "cost": 0.25}, {"sourceId": 3, "destId": 4, "cost": 0.75},
                  {"sourceId": 4, "destId": 5, "cost": 1.0}],
    }


def native_workload() -> dict:
    """The same diamond in the native format."""
    paper = paper_workload()
    nodes = [{"id": n["id"], "name": n["name"], "accelerator_time": n["fpgaLatency"], "cpu_time": n["cpuLatency"],
              "memory_bytes": n["size"], "output_transfer_time": 0.0, "accelerator_ok": bool(n["supportedOnFpga"]),
              "backward": False, "colocation": n.get("colorClass"), "layer": n.get("layerId"), "op_type": "MatMul"}
             for n in paper["nodes"]]
    for e in paper["edges"]:
        nodes[e["sourceId"] - 1]["output_transfer_time"] = e["cost"]
    return {"format": "pipesplit.workload/1", "units": {"time": "ms", "memory": "bytes"},
            "cluster": {"accelerators": 2, "accelerator_memory_bytes": 100.0, "cpus": 1},
            "nodes": nodes, "edges": [[e["sourceId"], e["destId"]] for e in paper["edges"]]}


def paper_split() -> dict:
    """A feasible split of the diamond in the paper's output format."""
    return {"maxLoad": 7.0, "fpgas": [{"load": 6.0, "nodes": [1, 2, 3]}, {"load": 5.0, "nodes": [4]}],
            "cpus": [{"load": 1.5, "nodes": [5]}]}


def native_split() -> dict:
    """The same split in the native format."""
    return {"format": "pipesplit.split/1", "method": "dp", "optimal": True, "time_unit": "ms", "max_load": 7.0,
            "devices": [{"name": "acc0", "kind": "accelerator", "nodes": [1, 2, 3]},
                        {"name": "acc1", "kind": "accelerator", "nodes": [4]},
                        {"name": "cpu0", "kind": "cpu", "nodes": [5]}]}


def fresh(make) -> dict:
    return copy.deepcopy(make())


# values no field of their kind accepts
BAD_COSTS = [None, "1", "NaN", [], {}, True, -1, -1e-9, Raw("NaN"), Raw("Infinity"), Raw("-Infinity"),
             Raw("1e400"), Raw("1" + "0" * 400)]
BAD_FLAGS = [None, "true", 2, -1, 0.5, [], {}, Raw("NaN")]
BAD_IDS = [None, "1", 1.0, 1.5, True, [1], {"id": 1}, 2**63, -(2**63) - 1, Raw("1e400")]
BAD_CLASSES = ["1", -1, 1.5, True, [], {}, 2**63]
BAD_TEXT = [5, 1.5, True, [], {"a": 1}]
BAD_LAYERS = [1.5, True, [], {}, 2**63]
BAD_COUNTS = [-1, 1.5, "2", True, Raw("NaN"), Raw("Infinity"), Raw("1e400"), 10**30, 65537, [], {}]
BAD_MEMORY = [-1, "16GiB", True, [], {}, Raw("NaN"), Raw("-Infinity"), Raw("1" + "0" * 400)]

# per format: the node fields and the values each must not take (None: the field is required)
PAPER_NODE_FIELDS = {"id": BAD_IDS, "fpgaLatency": BAD_COSTS, "cpuLatency": BAD_COSTS, "size": BAD_COSTS,
                     "supportedOnFpga": BAD_FLAGS, "isBackwardNode": BAD_FLAGS, "colorClass": BAD_CLASSES,
                     "name": BAD_TEXT, "layerId": BAD_LAYERS}
PAPER_REQUIRED = ("id", "fpgaLatency", "cpuLatency", "supportedOnFpga")
PAPER_CLUSTER_FIELDS = {"maxFPGAs": BAD_COUNTS, "maxCPUs": BAD_COUNTS, "maxSizePerFPGA": BAD_MEMORY}
NATIVE_NODE_FIELDS = {"id": BAD_IDS, "accelerator_time": BAD_COSTS, "cpu_time": BAD_COSTS,
                      "memory_bytes": BAD_COSTS, "output_transfer_time": BAD_COSTS,
                      "accelerator_ok": BAD_FLAGS, "backward": BAD_FLAGS, "colocation": BAD_CLASSES,
                      "name": BAD_TEXT, "layer": BAD_LAYERS, "op_type": BAD_TEXT}
NATIVE_REQUIRED = ("id", "accelerator_time", "cpu_time")
NATIVE_CLUSTER_FIELDS = {"accelerators": BAD_COUNTS, "cpus": BAD_COUNTS, "accelerator_memory_bytes": BAD_MEMORY}
NOT_OBJECTS = [None, 5, "x", [], True]
NOT_LISTS = [None, 5, "x", {}, True]
