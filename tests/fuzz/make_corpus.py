"""Write the malformed-input corpus: ``python tests/fuzz/make_corpus.py`` (deterministic; it replaces
``tests/fuzz/corpus/``).

Each case is one small JSON file ``NNNN-slug.json``::

    {"description": "one line", "kind": "workload" | "split" | "argv" | "onnx",
     "reader": "error" | "ok" | null, "files": {"w.json": {"text": ...} or {"base64": ...}},
     "commands": [["solve", "w.json", "-q", "-o", "out.json"], ...]}

``files`` are written into an empty folder before the commands run there; ``w.json`` (a valid workload)
and ``split.json`` (a valid split of it) are added unless the case gives its own. ``reader`` says what
the file readers do with ``w.json`` (kind workload) or ``s.json`` (kind split): raise the one-line error,
or (``ok``) read a well-formed document whose request no split can meet. Every command must end with
exit status 2 and one line ``pipesplit: error: ...`` and write nothing. ``tests/fuzz/test_corpus.py``
runs them and checks that the stored corpus is what this script writes.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from documents import (BAD_COSTS, BAD_IDS, NATIVE_CLUSTER_FIELDS, NATIVE_NODE_FIELDS, NATIVE_REQUIRED,  # noqa: E402
                       NOT_LISTS, NOT_OBJECTS, PAPER_CLUSTER_FIELDS, PAPER_NODE_FIELDS, PAPER_REQUIRED, BAD_TEXT,
                       Raw, dumps, fresh, native_split, native_workload, paper_split, paper_workload)

CORPUS = HERE / "corpus"

WORKLOAD_COMMANDS = [
    ["solve", "w.json", "-q", "-o", "out.json"],
    ["solve", "w.json", "--objective", "latency", "--json", "-o", "out.json", "--format", "paper"],
    ["evaluate", "w.json", "split.json", "--json"],
    ["compare", "w.json", "-q", "--methods", "dp,dp-linear"],
]
SPLIT_COMMANDS = [
    ["evaluate", "w.json", "s.json"],
    ["solve", "w.json", "-q", "--method", "expert", "--expert", "s.json", "-o", "out.json"],
    ["compare", "w.json", "-q", "--json", "--methods", "expert", "--expert", "s.json"],
]


def file_entry(content: str | bytes) -> dict:
    """How a case stores a file: as text when it is UTF-8, else as base64."""
    if isinstance(content, str):
        return {"text": content}
    try:
        return {"text": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(content).decode("ascii")}


class Corpus:
    """The cases being built. ``pick`` takes a share of a pool of bad values (one in ``STEP``, a
    different share at each call); with ``held_back`` it takes the rest instead, so that the held-back
    cases are others than the stored ones."""

    STEP = 4

    def __init__(self, held_back: bool = False) -> None:
        self.cases: list[dict] = []
        self.held_back = held_back
        self.calls = 0

    def pick(self, values: list) -> list:
        self.calls += 1
        return [v for j, v in enumerate(values) if ((j + self.calls) % self.STEP == 0) != self.held_back]

    def add(self, description: str, kind: str, files: dict[str, str | bytes | None], commands: list[list[str]],
            reader: str | None = "error") -> None:
        """A case; a file given as None is a folder."""
        self.cases.append({"description": description, "kind": kind, "reader": reader,
                           "files": {name: {"folder": True} if c is None else file_entry(c) for name, c in files.items()},
                           "commands": commands})

    def workload(self, description: str, content: str | bytes, reader: str = "error") -> None:
        """A bad workload; one the readers accept (``reader="ok"``) is not evaluated, since evaluating a
        split against it is a fair question (answered with exit status 1 and the violations)."""
        commands = [cmd for cmd in WORKLOAD_COMMANDS if reader == "error" or cmd[0] != "evaluate"]
        self.add(description, "workload", {"w.json": content}, commands, reader)

    def split(self, description: str, content: str | bytes, workload: str | None = None) -> None:
        files = {"s.json": content} if workload is None else {"s.json": content, "w.json": workload}
        self.add(description, "split", files, SPLIT_COMMANDS)

    def argv(self, description: str, *argv: str, files: dict | None = None) -> None:
        self.add(description, "argv", files or {}, [list(argv)], reader=None)


def set_path(doc: dict, path: tuple, value) -> dict:
    """``doc`` with the value at ``path`` (keys and list positions) replaced; ``...`` deletes it."""
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


def field_cases(c: Corpus, fmt: str) -> None:
    """Every field of a node, an edge and the cluster with every value it must not take; each missing
    required field; every container of the wrong type."""
    make = paper_workload if fmt == "paper" else native_workload
    node_fields = PAPER_NODE_FIELDS if fmt == "paper" else NATIVE_NODE_FIELDS
    for field, values in node_fields.items():
        for v in c.pick(values):
            c.workload(f"{fmt} workload: node 3 has '{field}' = {v!r}", dumps(set_path(fresh(make), ("nodes", 2, field), v)))
    for field in PAPER_REQUIRED if fmt == "paper" else NATIVE_REQUIRED:
        c.workload(f"{fmt} workload: node 2 lacks '{field}'", dumps(set_path(fresh(make), ("nodes", 1, field), ...)))
    if fmt == "paper":
        for field, values in PAPER_CLUSTER_FIELDS.items():
            for v in c.pick(values):
                c.workload(f"paper workload: '{field}' = {v!r}", dumps(set_path(fresh(make), (field,), v)))
        for key in ("sourceId", "destId"):
            for v in c.pick(BAD_IDS + [99, -1]):
                c.workload(f"paper workload: edge #3 has '{key}' = {v!r}", dumps(set_path(fresh(make), ("edges", 3, key), v)))
        for v in c.pick(BAD_COSTS):
            c.workload(f"paper workload: edge #4 has cost {v!r}", dumps(set_path(fresh(make), ("edges", 4, "cost"), v)))
        for key in ("sourceId", "destId", "cost"):
            c.workload(f"paper workload: edge #2 lacks '{key}'", dumps(set_path(fresh(make), ("edges", 2, key), ...)))
        for v in NOT_OBJECTS + [[1, 2]]:
            c.workload(f"paper workload: edge #1 is {v!r}", dumps(set_path(fresh(make), ("edges", 1), v)))
    else:
        for field, values in NATIVE_CLUSTER_FIELDS.items():
            for v in c.pick(values):
                c.workload(f"native workload: cluster '{field}' = {v!r}", dumps(set_path(fresh(make), ("cluster", field), v)))
        for end in (0, 1):
            for v in c.pick(BAD_IDS + [99, -1]):
                c.workload(f"native workload: edge #3 end {end} is {v!r}", dumps(set_path(fresh(make), ("edges", 3, end), v)))
        for v in c.pick(NOT_LISTS + [[1], [1, 2, 3], [], {"sourceId": 1, "destId": 2}, "1-2"]):
            c.workload(f"native workload: edge #1 is {v!r}", dumps(set_path(fresh(make), ("edges", 1), v)))
        for key in ("cluster", "units"):
            for v in c.pick(NOT_OBJECTS):
                c.workload(f"native workload: '{key}' = {v!r}", dumps(set_path(fresh(make), (key,), v)))
        for v in BAD_TEXT + [None]:
            if v is not None:
                c.workload(f"native workload: units.time = {v!r}", dumps(set_path(fresh(make), ("units", "time"), v)))
        for v in ("pipesplit.workload/2", "pipesplit.split/1", 1, "", "PIPESPLIT.WORKLOAD/1"):
            c.workload(f"native workload: 'format' = {v!r}", dumps(set_path(fresh(make), ("format",), v)))
    for key in ("nodes", "edges"):
        for v in NOT_LISTS:
            c.workload(f"{fmt} workload: '{key}' = {v!r}", dumps(set_path(fresh(make), (key,), v)))
        c.workload(f"{fmt} workload: no '{key}' field", dumps(set_path(fresh(make), (key,), ...)))
    for v in NOT_OBJECTS + [[]]:
        c.workload(f"{fmt} workload: node #1 is {v!r}", dumps(set_path(fresh(make), ("nodes", 1), v)))


def edge(fmt: str, u, v, cost=0.5):
    return {"sourceId": u, "destId": v, "cost": cost} if fmt == "paper" else [u, v]


def graph_cases(c: Corpus, fmt: str) -> None:
    """Empty graphs, self-loops, cycles, duplicate and colliding ids, duplicate edges that disagree,
    unicode and control characters in names."""
    make = paper_workload if fmt == "paper" else native_workload
    c.workload(f"{fmt} workload: no nodes and no edges", dumps({**fresh(make), "nodes": [], "edges": []}))
    c.workload(f"{fmt} workload: no nodes but an edge", dumps({**fresh(make), "nodes": []}))
    doc = fresh(make)
    doc["edges"].append(edge(fmt, 3, 3, 0.75))
    c.workload(f"{fmt} workload: self-loop on node 3", dumps(doc))
    doc = fresh(make)
    doc["edges"].append(edge(fmt, 2, 1))
    c.workload(f"{fmt} workload: cycle 1 -> 2 -> 1", dumps(doc))
    doc = fresh(make)
    doc["edges"].append(edge(fmt, 5, 1, 2.0))
    c.workload(f"{fmt} workload: cycle through every node", dumps(doc))
    doc = fresh(make)
    doc["edges"] += [edge(fmt, 4, 5, 1.0), edge(fmt, 5, 4, 2.0)]
    c.workload(f"{fmt} workload: duplicate edge 4 -> 5 and a back edge", dumps(doc))
    for k, nid in ((1, 1), (4, 4), (3, 1)):
        doc = fresh(make)
        doc["nodes"][k]["id"] = nid
        c.workload(f"{fmt} workload: node #{k} repeats id {nid}", dumps(doc))
    for other in c.pick([1.0, "1", True, Raw("1e0"), Raw("1.0"), 1]):
        doc = fresh(make)
        doc["nodes"].append({**doc["nodes"][0], "id": other})
        c.workload(f"{fmt} workload: ids 1 and {other!r} collide after conversion", dumps(doc))
    for name in c.pick(["ñodo-α", "节点", "🙂" * 3, "a\nb", "tab\there", "\x1b[31mred\x1b[0m", "x" * 2000, ""]):
        doc = fresh(make)
        doc["nodes"][0]["name"] = name
        doc["edges"].append(edge(fmt, 4, 1, 1.0))
        c.workload(f"{fmt} workload: cycle through a node named {name[:20]!r}", dumps(doc))
    for field in ("fpgaLatency", "size") if fmt == "paper" else ("cpu_time", "output_transfer_time"):
        doc = fresh(make)
        for node in doc["nodes"]:
            node[field] = 1e308
        c.workload(f"{fmt} workload: every node's '{field}' is 1e308, so that they add up beyond any float", dumps(doc))
    if fmt == "paper":
        doc = fresh(make)
        doc["edges"].append({"sourceId": 1, "destId": 2, "cost": 0.6})
        c.workload("paper workload: duplicate edge 1 -> 2 with another cost", dumps(doc))
        doc = fresh(make)
        doc["edges"][1]["cost"] = 5.0
        c.workload("paper workload: edges out of node 1 with different costs", dumps(doc))


def cluster_cases(c: Corpus) -> None:
    """Well-formed workloads whose cluster cannot hold them (the readers accept them; solving fails)."""
    doc = fresh(paper_workload)
    doc.update(maxFPGAs=0, maxCPUs=0)
    c.workload("paper workload: 0 accelerators and 0 CPU cores", dumps(doc))
    doc = fresh(native_workload)
    doc["cluster"].update(accelerators=0, cpus=0)
    c.workload("native workload: 0 accelerators and 0 CPU cores", dumps(doc))
    doc = fresh(paper_workload)
    doc.update(maxSizePerFPGA=0, maxCPUs=0)
    c.workload("paper workload: memory 0 and no CPU core", dumps(doc), reader="ok")
    doc = fresh(paper_workload)
    doc.update(maxCPUs=0)
    c.workload("paper workload: node 5 runs only on a CPU core and there is none", dumps(doc), reader="ok")
    doc = fresh(paper_workload)
    doc.update(maxCPUs=0, maxSizePerFPGA=25)
    doc["nodes"][4]["supportedOnFpga"] = 1
    c.workload("paper workload: node 4 is bigger than an accelerator's memory, no CPU core", dumps(doc), reader="ok")
    doc = fresh(native_workload)
    doc["cluster"].update(cpus=0, accelerators=1, accelerator_memory_bytes=70)
    doc["nodes"][4]["accelerator_ok"] = True
    c.workload("native workload: 80 bytes of nodes on one accelerator of 70", dumps(doc), reader="ok")


def text_cases(c: Corpus, save, name: str, valid: str) -> None:
    """Truncated, non-UTF-8, empty and not-quite-JSON versions of a valid document."""
    data = valid.encode("utf-8")
    cases: list[tuple[str, bytes | str]] = []
    add = lambda description, content: cases.append((description, content))  # noqa: E731
    for frac in (0.0, 0.1, 0.5, 0.9):
        cut = max(1, int(len(data) * frac))
        add(f"{name} truncated to {cut} of {len(data)} bytes", data[:cut])
    add(f"{name} without its last byte", data[:-1])
    add(f"{name}: empty file", b"")
    add(f"{name}: only whitespace", b" \n\t ")
    add(f"{name} encoded as UTF-16", valid.encode("utf-16"))
    add(f"{name} with a Latin-1 byte in a string", data.replace(b'"n1"', b'"n\xe9"').replace(b'"acc0"', b'"acc\xe9"'))
    add(f"{name} with an invalid UTF-8 sequence at the start", b"\xc3\x28" + data)
    add(f"{name} behind a UTF-8 byte-order mark", b"\xef\xbb\xbf" + data)
    add(f"{name} with a NUL byte", data[:20] + b"\x00" + data[20:])
    add(f"{name}: binary garbage", bytes((i * 37 + 11) % 256 for i in range(200)))
    add(f"{name} written twice", data + data)
    add(f"{name} with a trailing comma", data[:-1] + b",}")
    add(f"{name} with single quotes", data.replace(b'"', b"'"))
    add(f"{name} inside 3000 brackets", b"[" * 3000 + data + b"]" * 3000)
    add(f"{name}: a 5000-digit number", b"1" * 5000)
    for top in ("[]", "null", "5", '"text"', "true", "NaN"):
        add(f"{name}: the document is {top}", top)
    for description, content in c.pick(cases):
        save(description, content)


def split_cases(c: Corpus) -> None:
    """Splits of the wrong shape, with bad node entries, for another workload, or not splits at all."""
    for v in NOT_OBJECTS + [[[1, 2]], {}]:
        c.split(f"paper split: the document is {v!r}", dumps(v))
    for key in ("fpgas", "cpus"):
        for v in NOT_LISTS:
            c.split(f"paper split: '{key}' = {v!r}", dumps(set_path(fresh(paper_split), (key,), v)))
    for v in NOT_OBJECTS + [{}, {"load": 1.0}]:
        c.split(f"paper split: device #1 is {v!r}", dumps(set_path(fresh(paper_split), ("fpgas", 1), v)))
    for v in NOT_LISTS:
        c.split(f"paper split: device #0 'nodes' = {v!r}", dumps(set_path(fresh(paper_split), ("fpgas", 0, "nodes"), v)))
    for v in c.pick(BAD_IDS + [99, -1, 0]):
        c.split(f"paper split: device #1 lists node {v!r}", dumps(set_path(fresh(paper_split), ("fpgas", 1, "nodes", 0), v)))
    doc = fresh(paper_split)
    doc["cpus"][0]["nodes"].append(1)
    c.split("paper split: node 1 on two devices", dumps(doc))
    doc = fresh(paper_split)
    doc["fpgas"][1]["nodes"] = []
    c.split("paper split: node 4 on no device", dumps(doc))
    c.split("paper split: for another workload (ids 10 to 14)",
            dumps({"fpgas": [{"nodes": [10, 11, 12]}, {"nodes": [13]}], "cpus": [{"nodes": [14]}]}))
    c.split("paper split: for a smaller workload (nodes 1 and 2 only)",
            dumps({"fpgas": [{"nodes": [1]}], "cpus": [{"nodes": [2]}]}))
    c.split("paper split: ids as strings", dumps({"fpgas": [{"nodes": ["1", "2", "3"]}, {"nodes": ["4"]}],
                                                 "cpus": [{"nodes": ["5"]}]}))
    c.split("paper split: ids as floats", dumps({"fpgas": [{"nodes": [1.0, 2.0, 3.0]}, {"nodes": [4.0]}],
                                                "cpus": [{"nodes": [5.0]}]}))
    for v in NOT_LISTS:
        c.split(f"native split: 'devices' = {v!r}", dumps(set_path(fresh(native_split), ("devices",), v)))
    for v in NOT_OBJECTS:
        c.split(f"native split: device #1 is {v!r}", dumps(set_path(fresh(native_split), ("devices", 1), v)))
    for v in (..., None, "gpu", 1, "Accelerator"):
        c.split(f"native split: device #0 kind {'missing' if v is ... else repr(v)}",
                dumps(set_path(fresh(native_split), ("devices", 0, "kind"), v)))
    for v in NOT_LISTS + [["1"], [1.5], [True]]:
        c.split(f"native split: device #2 'nodes' = {v!r}", dumps(set_path(fresh(native_split), ("devices", 2, "nodes"), v)))
    for v in ("pipesplit.split/9", 7, ""):
        c.split(f"native split: 'format' = {v!r}", dumps(set_path(fresh(native_split), ("format",), v)))
    c.split("a paper workload given as the split", dumps(paper_workload()))
    c.split("a native workload given as the split", dumps(native_workload()))
    text_cases(c, lambda d, content: c.split(d, content), "paper split", dumps(paper_split()))
    c.split("native split of the diamond for a native workload that lacks node 5",
            dumps(native_split()), workload=dumps(set_path(
                set_path(fresh(native_workload), ("nodes",), native_workload()["nodes"][:4]), ("edges",),
                [[1, 2], [1, 3], [2, 4], [3, 4]])))


W, S = "w.json", "split.json"


def argv_cases(c: Corpus) -> None:
    """Bad flags and flag values of every subcommand, and outputs that cannot be written."""
    a = c.argv
    a("no command at all")
    a("an unknown command", "frobnicate")
    a("an unknown global flag", "--bogus", "solve", W)
    for cmd in (["solve"], ["evaluate"], ["evaluate", W], ["compare"], ["import"], ["import", "onnx"],
                ["import", "caffe", "m"], ["import", "onnx", "m.onnx"], ["import", "torch", "mod:f"]):
        a(f"{' '.join(cmd)}: missing arguments", *cmd)
    for cmd in ("solve", "compare"):
        pick = (lambda x: x) if cmd == "solve" else c.pick
        for flags in pick([["--cpus", "-1"], ["--cpus", "x"], ["--cpus", "1.5"], ["--accelerators", "-3"],
                      ["--accelerators", "1e3"], ["--accelerators", "99999999"], ["-k", "0", "-l", "0"],
                      ["--memory", "-1"], ["--memory", "lots"], ["--memory", "3XB"], ["--memory", "nan"],
                      ["--memory", ""], ["--objective", "speed"], ["--time-limit", "-1"], ["--time-limit", "0"],
                      ["--time-limit", "nan"], ["--time-limit", "soon"], ["--gap", "-0.1"], ["--gap", "1"],
                      ["--gap", "nan"], ["--gap", "inf"], ["--calls-per-accelerator", "0", "--objective", "latency"],
                      ["--calls-per-accelerator", "-2"], ["--calls-per-accelerator", "1.5"],
                      ["--accelerator", "tpu9"], ["--link", "carrier-pigeon"], ["--link", "pcie4"],
                      ["--link", "nvlink", "--accelerator", "t4"], ["--no-such-flag"], ["--memory"]]):
            a(f"{cmd} {' '.join(flags)}", cmd, W, "-q", *flags)
        a(f"{cmd}: the workload file does not exist", cmd, "absent.json", "-q")
        a(f"{cmd}: the workload is a folder", cmd, "folder", "-q", files={"folder": None})
        a(f"{cmd}: a split given as the workload", cmd, S, "-q")
        a(f"{cmd} --method expert with a missing --expert file", cmd, W, "-q",
          *(["--method", "expert"] if cmd == "solve" else ["--methods", "expert"]), "--expert", "absent.json")
    a("solve --method nope", "solve", W, "-q", "--method", "nope")
    a("solve --method greedy for throughput", "solve", W, "-q", "--method", "greedy")
    a("solve --method expert without --expert", "solve", W, "-q", "--method", "expert")
    a("solve --format xml", "solve", W, "-q", "--format", "xml", "-o", "out.json")
    a("solve -o onto the workload", "solve", W, "-q", "-o", W)
    a("solve -o onto the workload, spelled ./w.json", "solve", W, "-q", "-o", "./w.json")
    a("solve -o a folder", "solve", W, "-q", "-o", "folder", files={"folder": None})
    a("solve -o into a missing folder", "solve", W, "-q", "-o", "missing/out.json")
    a("solve -o into a path under a file", "solve", W, "-q", "-o", "w.json/out.json")
    a("solve -o with a file name too long to create", "solve", W, "-q", "-o", "o" * 300 + ".json")
    a("solve -o with an empty file name", "solve", W, "-q", "-o", "")
    a("compare --methods empty", "compare", W, "-q", "--methods", "")
    a("compare --methods of commas", "compare", W, "-q", "--methods", ",,")
    a("compare --methods nope", "compare", W, "-q", "--methods", "dp,nope")
    a("compare --methods greedy only, for throughput", "compare", W, "-q", "--methods", "greedy")
    a("compare --methods expert without --expert", "compare", W, "-q", "--methods", "expert")
    for flags in (["--cpus", "-1"], ["--memory", "-5GiB"], ["--accelerators", "x"], ["--link", "nope"],
                  ["--accelerators", "70000"], ["--json", "--memory", "0.5.5"]):
        a(f"evaluate {' '.join(flags)}", "evaluate", W, S, *flags)
    a("evaluate: the split file does not exist", "evaluate", W, "absent.json")
    a("evaluate: the split is a folder", "evaluate", W, "folder", files={"folder": None})
    a("evaluate: the workload given as the split", "evaluate", W, W)
    a("evaluate: the split given as the workload", "evaluate", S, S)
    for v in (Raw("1" + "0" * 400), Raw("1e400"), Raw("NaN"), -5, "many", None):
        doc = fresh(native_workload)
        for k, node in enumerate(doc["nodes"]):
            node["output_bytes"] = v if k == 2 else 1000.0
        a(f"solve --link pcie4 with node 3 recording {v!r} output bytes", "solve", "b.json", "-q", "--link", "pcie4",
          files={"b.json": dumps(doc)})
    a("import torch: not MODULE:FACTORY", "import", "torch", "no_colon_here", "-o", "out.json")
    a("import torch: a module that does not exist", "import", "torch", "no_such_module_x:f", "-o", "out.json")
    a("import torch: a factory that does not exist", "import", "torch", "json:no_such_factory", "-o", "out.json")
    a("import torch: a factory file that does not exist", "import", "torch", "absent.py:f", "-o", "out.json")
    a("import torch --depth -1", "import", "torch", "json:dumps", "-o", "out.json", "--depth", "-1")
    a("import torch --granularity node", "import", "torch", "json:dumps", "-o", "out.json", "--granularity", "node")


# a valid one-node ONNX model, Relu on a 1x4 float tensor (onnx.helper: graph "tiny", node "relu",
# opset 13, IR version 8, producer "pipesplit-corpus"), stored so that the corpus does not depend on
# how an onnx version serializes
ONNX_MODEL = base64.b64decode("CAgSEHBpcGVzcGxpdC1jb3JwdXM6RAoSCgF4EgF5GgRyZWx1IgRSZWx1EgR0aW55WhMKAXgSDgoMCAESCAoCCAEK"
                              "AggEYhMKAXkSDgoMCAESCAoCCAEKAggEQgQKABAN")


def onnx_cases(c: Corpus) -> None:
    """Model files that are not ONNX models, and bad flags on a valid one."""
    good = ONNX_MODEL

    def bad_model(description: str, content: bytes | None) -> None:
        c.add(f"import onnx: {description}", "onnx", {"m.onnx": content},
              [["import", "onnx", "m.onnx", "-o", "out.json", "--estimate", "a100"]], reader=None)

    bad_model("empty file", b"")
    bad_model("binary garbage", bytes((i * 53 + 7) % 256 for i in range(300)))
    bad_model("a JSON workload", dumps(paper_workload()).encode())
    bad_model("the model truncated to half", good[: len(good) // 2])
    bad_model("the model without its last byte", good[:-1])
    bad_model("a folder", None)
    c.add("import onnx: the model file does not exist", "onnx", {},
          [["import", "onnx", "absent.onnx", "-o", "out.json"]], reader=None)
    for flags in (["--batch", "0"], ["--batch", "-1"], ["--seq-len", "0"], ["--runs", "0"], ["--warmup", "-1"],
                  ["--threads", "0"], ["--dim", "x"], ["--dim", "x=y"], ["--input-shape", "x"],
                  ["--input-shape", "x=1,a"], ["--input-shape", "nope=1,4"], ["--input-shape", "x=1,4,4"],
                  ["--input-shape", "x=0,4"], ["--accelerators", "-1"], ["--cpus", "70000"], ["-k", "0", "-l", "0"],
                  ["--memory", "big"], ["--estimate", "abacus"], ["--accelerator", "abacus"], ["--link", "smoke"],
                  ["--dtype", "fp64"], ["--profile", "tpu"], ["--format", "xml"], ["--optimizer", "adam"]):
        c.add(f"import onnx {' '.join(flags)}", "onnx", {"m.onnx": good},
              [["import", "onnx", "m.onnx", "-o", "out.json", *flags]], reader=None)
    c.add("import onnx -o onto the model", "onnx", {"m.onnx": good}, [["import", "onnx", "m.onnx", "-o", "m.onnx"]],
          reader=None)
    c.add("import onnx -o into a missing folder", "onnx", {"m.onnx": good},
          [["import", "onnx", "m.onnx", "-o", "missing/w.json"]], reader=None)


def build(held_back: bool = False) -> list[dict]:
    """Every case, in a fixed order (``held_back``: the other share of each pool of bad values)."""
    c = Corpus(held_back)
    for fmt in ("paper", "native"):
        field_cases(c, fmt)
        graph_cases(c, fmt)
    cluster_cases(c)
    text_cases(c, c.workload, "paper workload", dumps(paper_workload()))
    text_cases(c, c.workload, "native workload", dumps(native_workload()))
    split_cases(c)
    argv_cases(c)
    onnx_cases(c)
    return c.cases


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-")


def file_names(cases: list[dict]) -> list[str]:
    return [f"{i:04d}-{slug(case['description'])}.json" for i, case in enumerate(cases)]


def encode(case: dict) -> str:
    return json.dumps(case, ensure_ascii=True, separators=(",", ":")) + "\n"


def main() -> None:
    cases = build()
    shutil.rmtree(CORPUS, ignore_errors=True)
    CORPUS.mkdir()
    for name, case in zip(file_names(cases), cases):
        (CORPUS / name).write_text(encode(case))
    size = sum(p.stat().st_size for p in CORPUS.iterdir())
    print(f"{len(cases)} cases, {size / 1024:.0f} KiB in {CORPUS}")


if __name__ == "__main__":
    main()
