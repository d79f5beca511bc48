"""One pipeline process: build the model, keep its own stage, check the pipeline against the unsplit
model, and time it.

Rank r runs stage r. Every process calls the factory (seeded) and then takes rank 0's weights and
inputs, so all hold the same model; each exports it and keeps the partition of its stage. Rank 0 feeds
the micro-batches and compares what the pipeline computed (outputs, and with training the losses and
every parameter's gradient, summed over the stages that hold a copy of a shared weight) with the eager
unsplit model. Only when they match are warm steps timed, with M and 2M micro-batches interleaved.
"""

from __future__ import annotations

import time
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.utils._pytree as pytree
from torch.distributed.pipelining import PipelineStage, Schedule1F1B, ScheduleGPipe

from ..errors import PipesplitError
from ..frontends.torch import _first_line, call_factory, export_model, load_factory
from .calibrate import ping_pong
from .options import Job
from .torch_stages import StageModule, flat_module, split_stages

SCHEDULE_CLASSES = {"gpipe": ScheduleGPipe, "1f1b": Schedule1F1B}


def worker_main(rank: int, job: Job, results) -> None:
    """Entry point of a spawned process: runs ``work`` and puts its result (or its error) on ``results``."""
    try:
        torch.set_num_threads(1)
        cuda = job.options.device == "cuda"
        device = torch.device(f"cuda:{rank}") if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if cuda else "gloo", init_method=f"tcp://127.0.0.1:{job.port}", rank=rank,
                                world_size=job.num_stages, timeout=timedelta(seconds=job.options.timeout))
        results.put((rank, "ok", work(rank, job, device)))
        # Stay connected until the parent, holding every result, stops this process: a process that left
        # first would reset connections that a slower peer is still reading from its last barrier.
        time.sleep(job.options.timeout)
    except PipesplitError as e:
        results.put((rank, "error", e.args[0] if e.args else ""))  # the message with its settings in braces
    except BaseException as e:  # noqa: BLE001 - a worker reports whatever ends it
        results.put((rank, "error", f"pipeline process {rank} failed ({e.__class__.__name__}: {_first_line(e)})"))


def tile(value, copies: int):
    """Every tensor in ``value`` repeated ``copies`` times along dimension 0."""
    if copies == 1:
        return value
    return pytree.tree_map(lambda t: torch.cat([t] * copies) if isinstance(t, torch.Tensor) else t, value)


def build_model(factory: str, batch: int):
    """(model in eval mode, args, kwargs) from the factory, seeded, inputs tiled ``batch`` times."""
    torch.manual_seed(0)
    model, args, kwargs = call_factory(load_factory(factory), factory)
    model.eval()
    args, kwargs = tile((args, kwargs), batch)
    return model, args, kwargs


def flat_inputs(ep, args: tuple, kwargs: dict) -> tuple[list, object]:
    """The model's inputs as the exported graph takes them (a flat list of tensors), and their tree spec."""
    from torch.export._tree_utils import reorder_kwargs

    leaves, spec = pytree.tree_flatten((args, reorder_kwargs(kwargs, ep.call_spec.in_spec)))
    for t in leaves:
        if not isinstance(t, torch.Tensor) or t.dim() == 0:
            raise PipesplitError("pipesplit run needs inputs that are all tensors with a batch dimension first; "
                                 f"the factory gives a {type(t).__name__}"
                                 + (" without dimensions" if isinstance(t, torch.Tensor) else ""))
    return leaves, spec


def pipeline_loss(output, target=None) -> torch.Tensor:
    """The training loss of a run: the sum over floating-point outputs of their mean square."""
    outs = output if isinstance(output, (tuple, list)) else (output,)
    floats = [o for o in outs if isinstance(o, torch.Tensor) and o.is_floating_point()]
    if not floats:
        raise PipesplitError("{training} needs a model with a floating-point output")
    return sum((o.float() ** 2).mean() for o in floats)


def _broadcast(tensors: list[torch.Tensor], device) -> None:
    with torch.no_grad():
        for t in tensors:
            buf = t.detach().to(device)
            dist.broadcast(buf, 0)
            t.copy_(buf)


def _microbatches(flat: list, m: int) -> list[list]:
    """Micro-batch j: the inputs with floating-point tensors scaled by 1 + j/10 (so that they differ)."""
    return [[t * (1 + j / 10) if t.is_floating_point() else t for t in flat] for j in range(m)]


class _Busy:
    """Accumulates the time a stage spends in forward and backward calls (not in waits for its peers)."""

    def __init__(self, stage, cuda: bool):
        self.ms, self.on, self.cuda = 0.0, False, cuda
        for name in ("forward_one_chunk", "backward_one_chunk"):
            setattr(stage, name, self._timed(getattr(stage, name)))

    def _timed(self, fn):
        def call(*a, **k):
            begin = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                if self.cuda:
                    torch.cuda.synchronize()
                if self.on:
                    self.ms += (time.perf_counter() - begin) * 1e3
        return call


def work(rank: int, job: Job, device) -> dict:
    """This process's part of the run (see the module docstring)."""
    opts, s = job.options, job.num_stages
    model, args, kwargs = build_model(job.factory, opts.batch)
    _broadcast(list(model.state_dict().values()) + [t for t in pytree.tree_leaves((args, kwargs))
                                                    if isinstance(t, torch.Tensor)], device)
    ep = export_model(model, args, kwargs)
    gm = flat_module(ep)
    split, specs = split_stages(gm, job.stage_of, s)
    module = StageModule(split, specs[rank], gm, s - 1).to(device)
    first_name = {id(p): name for name, p in model.named_parameters()}
    canonical = {local: first_name[id(model.get_parameter(target))] for local, target in module.param_names.items()}
    flat, spec = flat_inputs(ep, args, kwargs)
    flat = [t.to(device) for t in flat]
    dist.barrier()  # no process is still exporting while the link is measured
    samples = ping_pong(rank, 1 - rank, device) if s > 1 and rank < 2 else []
    dist.barrier()

    example_in, example_out = stage_example(split, specs, gm, module, flat, opts.training)

    def make(m: int):
        stage = PipelineStage(module, rank, s, device, input_args=example_in, output_args=example_out)
        schedule = SCHEDULE_CLASSES[opts.schedule](stage, m, loss_fn=pipeline_loss if opts.training else None,
                                                   scale_grads=False)
        return stage, schedule

    def step(schedule, m: int, losses: list | None = None) -> float:
        mbs = _microbatches(flat, opts.microbatches)
        inputs = [torch.cat([mbs[j % len(mbs)][k] for j in range(m)]) for k in range(len(flat))] if rank == 0 else []
        module.zero_grad(set_to_none=True)
        dist.barrier()
        begin = time.perf_counter()
        if opts.training:
            target = torch.zeros(m, device=device) if rank == s - 1 else None
            schedule.step(*inputs, target=target, losses=losses, return_outputs=False)
        else:
            with torch.no_grad():
                schedule.step(*inputs, return_outputs=False)
        dist.barrier()
        return (time.perf_counter() - begin) * 1e3

    m = opts.microbatches
    stage, schedule = make(m)
    step(schedule, m)  # a warm-up step first
    losses: list = []
    module.record = [] if rank == s - 1 else None
    step(schedule, m, losses)
    mine = {"outputs": module.record,
            "losses": [float(x.detach()) for x in losses] if rank == s - 1 else None,
            "grads": {canonical[k]: p.grad.detach().cpu() for k, p in module.named_parameters() if p.grad is not None}}
    gathered = [None] * s if rank == 0 else None
    dist.gather_object(mine, gathered, dst=0)
    check = compare(model, spec, _microbatches(flat, m), gathered, opts.training) if rank == 0 else None
    box = [check]
    dist.broadcast_object_list(box, src=0)
    check = box[0]
    module.record = None
    result = {"rank": rank, "check": check, "link_samples": samples, "step_ms": {}, "busy_ms_per_microbatch": None}
    if not check["match"]:
        return result

    runs = {m: (stage, schedule), 2 * m: make(2 * m)}
    busy = {count: _Busy(st, device.type == "cuda") for count, (st, _) in runs.items()}
    for count, (_, sch) in runs.items():
        for _ in range(opts.warmup):
            step(sch, count)
    times: dict[int, list[float]] = {count: [] for count in runs}
    for _ in range(opts.repeats):
        for count, (_, sch) in runs.items():
            busy[count].on = True
            times[count].append(step(sch, count))
            busy[count].on = False
    result["step_ms"] = times
    result["busy_ms_per_microbatch"] = sum(b.ms for b in busy.values()) / (opts.repeats * sum(runs))
    return result


def stage_example(split, specs: list, gm, module: StageModule, flat: list, training: bool) -> tuple[tuple, tuple]:
    """(inputs, outputs) of this process's stage on the example inputs, from running the stages before it
    here. Given to ``PipelineStage``, they spare it inferring shapes by running stages on uninitialized
    tensors (which breaks on integer inputs such as token positions)."""
    live = tuple(flat)
    with torch.set_grad_enabled(training):
        for spec in specs[:module.spec.index]:
            live = StageModule(split, spec, gm, module.last).to(flat[0].device)(*live)
        return live, module(*live)


def compare(model, spec, mbs: list[list], gathered: list[dict], training: bool) -> dict:
    """Rank 0: the pipeline's outputs, losses and gradients against the eager unsplit model's (on the CPU)."""
    ref_out, ref_loss = [], []
    for inputs in mbs:
        a, kw = pytree.tree_unflatten([t.cpu() for t in inputs], spec)
        with torch.set_grad_enabled(training):
            out = [t for t in pytree.tree_leaves(model(*a, **kw)) if isinstance(t, torch.Tensor)]
        if training:
            loss = pipeline_loss(out)
            loss.backward()
            ref_loss.append(float(loss.detach()))
        ref_out.append([t.detach().cpu() for t in out])
    last = gathered[-1]
    problems = []
    out_diff = _check("outputs", last["outputs"], ref_out, problems)
    result = {"outputs_match": not problems, "max_output_diff": out_diff}
    if training:
        grads: dict[str, torch.Tensor] = {}
        for g in gathered:
            for name, t in g["grads"].items():
                grads[name] = grads[name] + t if name in grads else t
        ref_grads = {name: p.grad.detach().cpu() for name, p in model.named_parameters() if p.grad is not None}
        n_out = len(problems)
        result["max_loss_diff"] = _check("losses", torch.tensor(last["losses"]), torch.tensor(ref_loss), problems)
        result["losses_match"] = len(problems) == n_out
        n_loss = len(problems)
        if sorted(grads) != sorted(ref_grads):
            missing = sorted(set(ref_grads) ^ set(grads))
            problems.append(f"gradients: the pipeline and the model differ in which parameters get one (e.g. "
                            f"{missing[0]})")
        else:
            result["max_grad_diff"] = _check("gradients", grads, ref_grads, problems)
        result["grads_match"] = len(problems) == n_loss
        result["parameters"] = len(ref_grads)
    result["match"] = not problems
    result["problems"] = problems
    return result


def _check(what: str, actual, expected, problems: list[str]) -> float:
    """``torch.testing.assert_close`` of the two; a failure is added to ``problems``. Returns the largest
    absolute difference (NaN when the structures differ)."""
    try:
        torch.testing.assert_close(actual, expected)
    except AssertionError as e:
        problems.append(f"{what} differ from the unsplit model's: {_first_line(e)}")
    if isinstance(actual, dict) and isinstance(expected, dict):
        actual, expected = [actual[k] for k in sorted(actual)], [expected[k] for k in sorted(expected)]
    try:
        a, b = pytree.tree_leaves(actual), pytree.tree_leaves(expected)
        if len(a) != len(b):
            return float("nan")
        return max((float((x.double() - y.double()).abs().max()) for x, y in zip(a, b) if x.numel()), default=0.0)
    except (RuntimeError, TypeError):
        return float("nan")
