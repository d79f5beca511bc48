"""Run a split of a PyTorch model for real with ``torch.distributed.pipelining``, check it, time it, and
set the measurement beside the cost model's prediction.

``run_pipeline(factory, split, workload)`` maps the split back onto the model through the operator
names the PyTorch importer recorded, orders the used devices as the pipeline does (``pipeline_order``),
starts one process per stage (gloo on 127.0.0.1 with one thread each, or NCCL with one GPU each), and
returns a ``RunReport``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import PipesplitError
from ..formats import load_split, load_workload, read_json
from ..frontends.graph import output_bytes_of, torch_nodes_of
from ..placement import Evaluation, Placement, contiguity_violations, pipeline_order
from ..workload import Workload
from .calibrate import Link, fit_link
from .launch import free_port, run_workers
from .options import SCHEDULES, Job, RunOptions
from .predict import ModelEnds, predict

SLOPE_METHOD = ("slope of the step time between {m} and {m2} micro-batches, per micro-batch: the median over "
                "{r} interleaved pairs of steps")


@dataclass
class StageReport:
    """One stage: its device in the split, nodes, the predicted figures and the measured busy time (ms per
    micro-batch)."""

    index: int
    device: str
    nodes: int
    predicted_compute_ms: float
    predicted_transfer_in_ms: float
    predicted_transfer_out_ms: float
    predicted_load_ms: float
    measured_busy_ms: float | None


@dataclass
class RunReport:
    """What a run checked and measured, and what the cost model predicted."""

    stages: list[StageReport]
    check: dict
    link: Link | None
    options: RunOptions
    predicted_ms_per_microbatch: float
    measured_ms_per_microbatch: float | None = None
    step_ms: dict = field(default_factory=dict)
    method: str = ""

    @property
    def outputs_match(self) -> bool:
        return bool(self.check.get("outputs_match"))

    @property
    def predicted_ms_per_sample(self) -> float:
        return self.predicted_ms_per_microbatch / self.options.batch

    @property
    def measured_ms_per_sample(self) -> float | None:
        m = self.measured_ms_per_microbatch
        return None if m is None else m / self.options.batch

    def to_json(self) -> dict:
        """The report as plain JSON data."""
        link = None if self.link is None else {"latency_ms": self.link.latency_ms,
                                               "bandwidth_gb_s": self.link.bandwidth_gb_s,
                                               "samples": self.link.samples}
        measured, predicted = self.measured_ms_per_sample, self.predicted_ms_per_sample
        return {
            "outputs_match": self.outputs_match, "check": self.check,
            "predicted_ms_per_sample": predicted, "measured_ms_per_sample": measured,
            "ratio": None if measured is None or predicted <= 0 else measured / predicted,
            "predicted_ms_per_microbatch": self.predicted_ms_per_microbatch,
            "measured_ms_per_microbatch": self.measured_ms_per_microbatch, "method": self.method,
            "stages": [vars(s) for s in self.stages], "link": link,
            "step_ms": {str(k): v for k, v in self.step_ms.items()},
            "options": vars(self.options),
        }


@dataclass
class _Plan:
    workload: Workload
    stage: np.ndarray  # stage index per workload node
    order: list[int]
    names: list[str]  # device name per stage
    stage_of: dict[str, int]
    out_bytes: np.ndarray
    sources: list[list[str]]  # exported operator names per workload node


def plan_split(workload_path: str | Path, split_path: str | Path) -> _Plan:
    """The stage of every workload node and exported operator, from a split of a torch-imported workload."""
    workload, _ = load_workload(workload_path)
    data = read_json(workload_path)
    sources = torch_nodes_of(data)
    if sources is None:
        raise PipesplitError(f"{workload_path} does not record the model's operators behind its nodes; make it "
                             "with pipesplit import torch from the same factory")
    found = output_bytes_of(data)
    if found is None:
        raise PipesplitError(f"{workload_path} does not record each node's output bytes")
    placement = load_split(split_path, workload)
    _check_placement(workload, placement, split_path)
    order = pipeline_order(workload, placement)
    position = {d: i for i, d in enumerate(order)}
    stage = np.array([position[int(d)] for d in placement.device], dtype=np.int64)
    stage_of = {name: int(stage[k]) for k, i in enumerate(workload.ids.tolist()) for name in sources[i]}
    return _Plan(workload, stage, order, [placement.device_name(d) for d in order], stage_of,
                 np.array([found[int(i)] for i in workload.ids]), [sources[i] for i in workload.ids.tolist()])


def _check_placement(workload: Workload, placement: Placement, path) -> None:
    dev = placement.device
    unplaced = np.flatnonzero((dev < 0) | (dev >= placement.num_devices))
    if len(unplaced):
        raise PipesplitError(f"{path} leaves {len(unplaced)} node(s) of the workload unplaced (e.g. node "
                             f"{workload.label(int(unplaced[0]))}); is it a split of another workload?")
    cls = workload.class_of
    for c in np.unique(cls):
        if len(np.unique(dev[cls == c])) > 1:
            k = int(np.flatnonzero(cls == c)[0])
            raise PipesplitError(f"{path} splits the colocation class of node {workload.label(k)} (a forward node "
                                 "and its backward node must share a stage)")
    bad = contiguity_violations(workload, placement)
    if bad:
        raise PipesplitError(f"{path}: {bad[0]}; a pipeline needs a contiguous split")


def model_ends(factory: str, plan: _Plan, batch: int) -> ModelEnds:
    """Export the factory's model and check it against the workload; where its inputs go and its outputs
    come from, in workload node indices."""
    import torch

    from .worker import build_model
    from ..frontends.torch import export_model

    model, args, kwargs = build_model(factory, 1)
    ep = export_model(model, args, kwargs)
    graph = ep.graph_module.graph
    ops = {n.name for n in graph.nodes if n.op == "call_function" and (n.users or n.meta.get("val") is not None)}
    recorded = set(plan.stage_of)
    if ops != recorded:
        extra = sorted(ops - recorded) or sorted(recorded - ops)
        where = "the model has" if ops - recorded else "the workload names"
        raise PipesplitError(f"{factory} does not match the workload: {where} operator {extra[0]!r} that the other "
                             f"lacks ({len(ops ^ recorded)} differ); import the workload from this factory")
    node_of = {name: k for k, names in enumerate(plan.sources) for name in names}
    user = {s.arg.name for s in ep.graph_signature.input_specs if s.kind.name == "USER_INPUT"}
    inputs = []
    for n in graph.nodes:
        if n.op == "placeholder" and n.name in user:
            val = n.meta.get("val")
            nbytes = float(val.numel() * val.element_size()) * batch if isinstance(val, torch.Tensor) else 0.0
            inputs.append((nbytes, sorted({node_of[u.name] for u in n.users if u.name in node_of})))
    out_node = next(n for n in graph.nodes if n.op == "output")
    outputs = sorted({node_of[a.name] for a in torch.utils._pytree.tree_leaves(out_node.args)
                      if isinstance(a, torch.fx.Node) and a.name in node_of})
    return ModelEnds(inputs=inputs, outputs=outputs)


def run_pipeline(factory: str, split_path: str | Path, workload_path: str | Path,
                 options: RunOptions = RunOptions()) -> RunReport:
    """Run the split (see the module docstring); bad input raises PipesplitError."""
    _check_options(options)
    plan = plan_split(workload_path, split_path)
    s = len(plan.order)
    n = options.processes if options.processes is not None else s
    if n != s:
        raise PipesplitError(f"the split uses {s} devices, so the pipeline has {s} stages; {{processes}} {n} does not "
                             "match (one process per stage)")
    if options.schedule == "1f1b" and options.microbatches < s:
        raise PipesplitError(f"the 1f1b schedule needs at least as many micro-batches as stages ({s}); give "
                             f"{{microbatches}} {s} or more")
    if options.training and not plan.workload.is_training:
        raise PipesplitError("{training} needs a training workload (pipesplit import torch {training}): its "
                             "backward times are part of the prediction")
    try:
        import torch
    except ImportError:
        raise PipesplitError("pipesplit run needs torch: pip install 'pipesplit[torch]'") from None
    if options.device == "cuda" and torch.cuda.device_count() < s:
        raise PipesplitError(f"{{device}} cuda needs {s} GPUs (one per stage); this machine has "
                             f"{torch.cuda.device_count()}")
    ends = model_ends(factory, plan, options.batch)
    job = Job(factory=factory, stage_of=plan.stage_of, num_stages=s, options=options, port=free_port())
    results = run_workers("pipesplit.runtime.worker:worker_main", [job] * s, options.timeout)
    return _report(plan, ends, results, options)


def _check_options(o: RunOptions) -> None:
    if o.schedule not in SCHEDULES:
        raise PipesplitError(f"unknown schedule '{o.schedule}'; choose {' or '.join(SCHEDULES)}")
    if o.device not in ("cpu", "cuda"):
        raise PipesplitError(f"unknown device '{o.device}'; choose cpu or cuda")
    for name in ("microbatches", "batch", "repeats"):
        if getattr(o, name) < 1:
            raise PipesplitError(f"--{name} must be at least 1")
    if o.processes is not None and o.processes < 1:
        raise PipesplitError("{processes} must be at least 1")
    if o.warmup < 0 or not o.timeout > 0:
        raise PipesplitError("{warmup} must be non-negative and {timeout} positive")


def _report(plan: _Plan, ends: ModelEnds, results: list[dict], options: RunOptions) -> RunReport:
    samples = results[0]["link_samples"]
    link = fit_link(samples) if samples else Link(0.0, float("inf"), [])
    evaluation: Evaluation = predict(plan.workload, plan.stage, plan.out_bytes, link, ends, options.batch)
    stages = [StageReport(i, plan.names[i], int((plan.stage == i).sum()), d.compute, d.transfer_in,
                          d.transfer_out, d.load, r["busy_ms_per_microbatch"])
              for i, (d, r) in enumerate(zip(evaluation.devices, results))]
    report = RunReport(stages=stages, check=results[0]["check"], link=link if samples else None, options=options,
                       predicted_ms_per_microbatch=evaluation.max_load)
    times = results[0]["step_ms"]
    if times:
        m = options.microbatches
        report.step_ms = times
        report.measured_ms_per_microbatch = statistics.median((b - a) / m for a, b in zip(times[m], times[2 * m]))
        report.method = SLOPE_METHOD.format(m=m, m2=2 * m, r=options.repeats)
    return report
