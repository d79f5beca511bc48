"""The Python interface: what the command line does, as plain functions.

>>> import pipesplit
>>> w = pipesplit.Workload.from_lists(ids=[1, 2, 3], acc_time=[2, 3, 2], cpu_time=[20, 30, 20],
...                                   edges=[(1, 2), (1, 3)], out_cost={1: 1.0})
>>> sol = pipesplit.solve(w, pipesplit.Cluster(2))
>>> sol.value, sol.optimal, sol.method
(5.0, True, 'dp')
>>> [(r.method, r.value) for r in pipesplit.compare(w, pipesplit.Cluster(2), methods=["dp", "one-accelerator"])]
[('dp', 5.0), ('one-accelerator', 7.0)]
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cluster import Cluster
from .errors import PipesplitError, as_python
from .formats import load_split, load_workload, write_json
from .formats.native import split_to_native, workload_to_native
from .formats.paper import latency_split_to_paper, split_to_paper, workload_to_paper
from .placement import Placement, evaluate
from .solvers.result import Solution
from .workload import Workload

__all__ = ["MethodResult", "compare", "import_onnx", "import_torch", "load_split", "load_workload", "reprice",
           "save_split", "save_workload", "solve"]


def _settings(settings: dict):
    """``MethodSettings`` from keyword arguments; an unknown one is an error naming it."""
    from .solvers.run import MethodSettings
    return _dataclass_of(MethodSettings, settings, "setting")


def _dataclass_of(cls, values: dict, what: str):
    """``cls(**values)``, an unknown key being a one-line error that names it and the known ones."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise PipesplitError(f"unknown {what} '{unknown[0]}'; choose among {', '.join(sorted(known))}")
    return cls(**values)


def _cluster(cluster: Cluster | None) -> Cluster:
    if cluster is None:
        raise PipesplitError("give a Cluster (load_workload returns the one a workload file names)")
    return cluster


def solve(workload: Workload, cluster: Cluster | None = None, method: str | None = None,
          objective: str = "throughput", *, progress: bool = False, **settings) -> Solution:
    """The best split by ``method`` (default ``auto`` for throughput, ``ip`` for latency), its value
    checked against the cost model. ``settings``: ``time_limit``, ``gap``, ``split_objective``,
    ``calls_per_accelerator``, ``expert`` (a split file), ``restarts``, ``seed``."""
    from .solvers.run import run_method
    method = method or ("ip" if objective == "latency" else "auto")
    return run_method(workload, _cluster(cluster), method, objective, _settings(settings), progress)


@dataclass
class MethodResult:
    """One method's outcome in ``compare``: its solution or the error that stopped it."""

    method: str
    solution: Solution | None
    error: PipesplitError | None
    seconds: float
    ratio: float | None = None  # value / the best feasible value

    @property
    def value(self) -> float | None:
        return None if self.solution is None else self.solution.value

    def as_dict(self, flags: bool = False) -> dict:
        """A JSON-ready row; with ``flags`` errors name command-line flags rather than settings."""
        if self.solution is None:
            text = self.error.for_command_line() if flags else str(self.error)
            return {"method": self.method, "value": None, "error": text, "seconds": self.seconds}
        s = self.solution
        gap = 0.0 if s.optimal and "gap" not in s.stats else s.stats.get("gap")
        return {"method": self.method, "value": s.value, "feasible": s.feasible, "violations": s.violations,
                "optimal": bool(s.optimal), "proof": s.proof, "gap": gap, "bound": s.stats.get("bound"),
                "seconds": s.seconds, "ratio": self.ratio}


def compare(workload: Workload, cluster: Cluster | None = None, methods: list[str] | None = None,
            objective: str = "throughput", *, progress=None, **settings) -> list[MethodResult]:
    """Every applicable method (or ``methods``) on one workload; ``progress`` (a callable) hears
    "running METHOD ..." before each."""
    from .solvers.registry import METHOD_NAMES
    from .solvers.run import applicable_methods, run_method
    cluster = _cluster(cluster)
    ms = _settings(settings)
    if methods is None:
        methods = applicable_methods(objective, expert=bool(ms.expert))
    unknown = [m for m in methods if m not in METHOD_NAMES]
    if unknown:
        raise PipesplitError(f"unknown method '{unknown[0]}'; choose from {', '.join(METHOD_NAMES)}")
    results = []
    for method in methods:
        if progress:
            progress(f"running {method} ...")
        started = time.perf_counter()
        try:
            sol = run_method(workload, cluster, method, objective, ms)
            results.append(MethodResult(method, sol, None, sol.seconds))
        except PipesplitError as e:
            results.append(MethodResult(method, None, e, time.perf_counter() - started))
    best = min((r.value for r in results if r.solution is not None and r.solution.feasible), default=math.nan)
    for r in results:
        if r.value is not None and best and math.isfinite(best):
            r.ratio = r.value / best
    return results


def save_workload(path: str | Path, workload: Workload, cluster: Cluster, *, format: str = "native",
                  output_bytes: np.ndarray | None = None) -> None:
    """Write a workload with its cluster (``native`` or ``paper`` format), atomically; ``output_bytes``
    (per node) lets a later ``reprice`` change the link."""
    if format not in ("native", "paper"):
        raise PipesplitError(f"unknown format '{format}'; choose native or paper")
    if output_bytes is not None:
        from .frontends.graph import workload_document
        data = workload_document(workload, cluster, np.asarray(output_bytes, dtype=np.float64), format)
    else:
        data = workload_to_native(workload, cluster) if format == "native" else workload_to_paper(workload, cluster)
    write_json(path, data)


def save_split(path: str | Path, workload: Workload, split: Solution | Placement, cluster: Cluster | None = None,
               *, format: str = "native") -> None:
    """Write a split (a solution, or a placement evaluated on ``cluster``) in the ``native`` or ``paper``
    format, atomically."""
    if format not in ("native", "paper"):
        raise PipesplitError(f"unknown format '{format}'; choose native or paper")
    if isinstance(split, Solution):
        placement, evaluation = split.placement, split.evaluation
        info = {"method": split.method, "optimal": split.optimal, "proof": split.proof,
                "seconds": round(split.seconds, 6), "stats": split.stats}
        latency = split.value if split.latency is not None else None
    else:
        placement, info, latency = split, {}, None
        evaluation = evaluate(workload, _cluster(cluster), placement)
    if format == "paper":
        data = (latency_split_to_paper(workload, placement, latency) if latency is not None
                else split_to_paper(workload, placement, evaluation))
    else:
        data = split_to_native(workload, placement, evaluation, **info)
    write_json(path, data)


def reprice(workload: Workload, output_bytes, link: str, accelerator: str | None = None) -> Workload:
    """The workload with each node's transfer cost its output bytes (an array, or a map from node id)
    over a catalog link's bandwidth (``nvlink``: the ``accelerator``'s own generation)."""
    from .frontends.catalog import get_link, transfer_ms
    preset = get_link(link, accelerator)
    if isinstance(output_bytes, dict):
        missing = [int(i) for i in workload.ids if int(i) not in output_bytes]
        if missing:
            raise PipesplitError(f"no output bytes for node {missing[0]}; every node needs them to price its "
                                 "transfers over a link")
        output_bytes = [output_bytes[int(i)] for i in workload.ids]
    if len(output_bytes) != workload.num_nodes:
        raise PipesplitError(f"{len(output_bytes)} output sizes for {workload.num_nodes} nodes")
    for i, b in zip(workload.ids.tolist(), output_bytes):
        if not 0 <= b < math.inf:
            raise PipesplitError(f"node {i} records {b} output bytes; expected a finite, non-negative number "
                                 "(import the model again)")
    cost = np.array([transfer_ms(b, preset) for b in output_bytes], dtype=np.float64)
    return dataclasses.replace(workload, out_cost=cost, names=list(workload.names))


@dataclass
class ImportedModel:
    """An imported model: its workload, each node's output bytes (for ``reprice`` and ``save_workload``)
    and what the importer noted."""

    workload: Workload
    output_bytes: np.ndarray
    notes: list[str]


def _imported(graph, link: str, accelerator: str | None) -> ImportedModel:
    from .frontends.catalog import get_link
    from .frontends.graph import to_workload
    return ImportedModel(to_workload(graph, get_link(link, accelerator)), graph.out_bytes,
                         [as_python(note) for note in graph.notes])


def import_torch(model, inputs=None, *, link: str = "pcie4", accelerator: str | None = None,
                 **options) -> ImportedModel:
    """A PyTorch model as a workload: ``model`` is a ``torch.nn.Module`` called with ``inputs`` (a tensor,
    a tuple of positional inputs or a dict of keyword inputs), or a ``"MODULE:FACTORY"`` string.
    ``options`` are ``TorchOptions`` fields (granularity, depth, training, profile, estimate, dtype, ...)."""
    from .frontends import torch as frontend
    opts = _dataclass_of(frontend.TorchOptions, options, "option")
    if isinstance(model, str):
        result = frontend.import_torch(model, opts)
    else:
        result = frontend.import_module(*frontend.call_factory(lambda: (model, inputs), "the model"), options=opts)
    return _imported(result.graph, link, accelerator or opts.estimate)


def import_onnx(model, *, link: str = "pcie4", accelerator: str | None = None, **options) -> ImportedModel:
    """An ONNX model (an ``onnx.ModelProto`` or a file) as a workload; ``options`` are ``OnnxOptions``
    fields (profile, estimate, dtype, ...) and the ``ShapeBinding`` of symbolic dimensions (``batch``,
    ``seq_len``, ``input_shapes``, ``dims``)."""
    from .frontends import onnx as frontend
    bind = {k: options.pop(k) for k in [f.name for f in dataclasses.fields(frontend.ShapeBinding)] if k in options}
    opts = _dataclass_of(frontend.OnnxOptions, {**options, "binding": frontend.ShapeBinding(**bind)}, "option")
    return _imported(frontend.import_onnx(model, opts).graph, link, accelerator or opts.estimate)
