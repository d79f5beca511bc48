"""Event simulation of pipeline schedules (GPipe, 1F1B, interleaved 1F1B) over a split's stages.

Every device is a sequential resource that runs its operations in the schedule's order. Micro-batch m's
forward on (virtual) stage s starts once its forward on stage s - 1 has finished and the device is free;
its backward on stage s once its backward on stage s + 1 has finished (on the last stage, once its own
forward there has). Transfers are part of the stage times, as in the cost model: a device is busy while
it sends and receives.

- ``gpipe``: every forward, then every backward, in micro-batch order.
- ``1f1b``: stage i runs min(p - 1 - i, M) warm-up forwards, then alternates one forward and one
  backward, then drains the remaining backwards.
- ``interleaved`` (Megatron's interleaved 1F1B): the split's p stages, in pipeline order, are the virtual
  stages of p / V devices (V = ``chunks``): device d runs virtual stages d, d + D, d + 2D, ... (D = p / V).
  Use it on a split solved for V times as many devices as the pipeline has, to see what folding it with
  interleaving gives. The micro-batch count must be a multiple of D, as in Megatron.

Inference workloads (no backward nodes) run forwards only, in each schedule's forward order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cluster import Cluster
from ..errors import PipesplitError
from ..placement import Placement
from ..workload import Workload
from .stages import Stage, pipeline_stages

SCHEDULES = ("gpipe", "1f1b", "interleaved")


@dataclass(frozen=True)
class ScheduleOptions:
    """Which schedule, how many micro-batches, and (interleaved) how many virtual stages per device."""

    schedule: str = "1f1b"
    microbatches: int = 8
    chunks: int = 2


@dataclass(frozen=True)
class Op:
    """One forward (``F``) or backward (``B``) of a micro-batch on a virtual stage, as simulated."""

    kind: str
    microbatch: int
    stage: int
    device: int
    start: float
    finish: float


@dataclass
class Simulation:
    """The simulated step: every operation, and the figures that summarize it.

    ``devices`` names the rows (physical devices, in pipeline order); ``max_load`` is the busiest
    device's work per micro-batch, the limit of ``time_per_sample`` as micro-batches grow;
    ``peak_in_flight[d]`` is the most micro-batches (times chunks) whose activations device d holds
    at once, from the start of a forward to the end of its backward.
    """

    schedule: str
    microbatches: int
    devices: list[str]
    stages: list[Stage]
    ops: list[Op] = field(repr=False)
    peak_in_flight: list[int]
    training: bool

    @property
    def step_time(self) -> float:
        return max((op.finish for op in self.ops), default=0.0)

    @property
    def time_per_sample(self) -> float:
        return self.step_time / self.microbatches

    @property
    def device_loads(self) -> list[float]:
        loads = [0.0] * len(self.devices)
        for s, stage in enumerate(self.stages):
            loads[s % len(self.devices)] += stage.load
        return loads

    @property
    def max_load(self) -> float:
        return max(self.device_loads, default=0.0)

    @property
    def bubble_fraction(self) -> float:
        """The share of device time spent idle during the step."""
        busy = sum(op.finish - op.start for op in self.ops)
        span = self.step_time * len(self.devices)
        return 1.0 - busy / span if span > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "schedule": self.schedule, "microbatches": self.microbatches, "training": self.training,
            "step_time": self.step_time, "time_per_sample": self.time_per_sample, "max_load": self.max_load,
            "bubble_fraction": self.bubble_fraction,
            "devices": [{"name": n, "load": l, "peak_in_flight": k}
                        for n, l, k in zip(self.devices, self.device_loads, self.peak_in_flight)],
            "stages": [{"device": s.name, "forward": s.forward, "backward": s.backward} for s in self.stages],
            "ops": [[op.kind, op.microbatch, op.stage, op.device, op.start, op.finish] for op in self.ops],
        }


def simulate(workload: Workload, cluster: Cluster, placement: Placement,
             options: ScheduleOptions = ScheduleOptions()) -> Simulation:
    """Simulate one training (or inference) step of the split under a pipeline schedule."""
    return simulate_stages(pipeline_stages(workload, cluster, placement), options, training=workload.is_training)


def simulate_stages(stages: list[Stage], options: ScheduleOptions = ScheduleOptions(),
                    training: bool = True) -> Simulation:
    """Simulate a schedule over stages given by their times.

    >>> st = [Stage(0, "a", 1.0, 2.0), Stage(1, "b", 1.0, 2.0)]
    >>> sim = simulate_stages(st, ScheduleOptions("1f1b", microbatches=2))
    >>> sim.step_time, sim.peak_in_flight
    (9.0, [2, 1])
    """
    m, p = options.microbatches, len(stages)
    if options.schedule not in SCHEDULES:
        raise PipesplitError(f"unknown schedule '{options.schedule}'; choose one of {', '.join(SCHEDULES)}")
    if m < 1:
        raise PipesplitError(f"the number of micro-batches must be at least 1, got {m}")
    if p == 0:
        raise PipesplitError("the split has no stages")
    chunks = 1
    if options.schedule == "interleaved":
        chunks = options.chunks
        if chunks < 2 or p % chunks:
            raise PipesplitError(f"interleaved with {chunks} chunks per device needs a split whose stage count is a "
                                 f"multiple of {chunks} (and at least 2 chunks); this one has {p} stages")
        if m % (p // chunks):
            raise PipesplitError(f"interleaved needs the micro-batch count to be a multiple of the {p // chunks} "
                                 f"devices; got {m}")
    orders = _orders(options.schedule, p // chunks, chunks, m, training)
    ops = _run(orders, stages, m)
    return Simulation(options.schedule, m, [s.name for s in stages[: p // chunks]], stages, ops,
                      [_peak(order, training) for order in orders], training)


def _orders(schedule: str, devices: int, chunks: int, m: int, training: bool) -> list[list[tuple[str, int, int]]]:
    """Each device's operations, as (kind, virtual stage, micro-batch), in the order it runs them."""
    orders = []
    for d in range(devices):
        if schedule == "interleaved":
            n = m * chunks
            # virtual op k: groups of `devices` micro-batches pass through each chunk in turn
            mb = lambda k: (k // (devices * chunks)) * devices + k % devices
            fwd = [("F", d + ((k // devices) % chunks) * devices, mb(k)) for k in range(n)]
            bwd = [("B", d + (chunks - 1 - (k // devices) % chunks) * devices, mb(k)) for k in range(n)]
            warm = min((devices - d - 1) * 2 + (chunks - 1) * devices, n)
        else:
            fwd = [("F", d, k) for k in range(m)]
            bwd = [("B", d, k) for k in range(m)]
            warm = m if schedule == "gpipe" else min(devices - 1 - d, m)
        if not training:
            orders.append(fwd)
            continue
        order = fwd[:warm]
        for j in range(len(fwd) - warm):
            order += [fwd[warm + j], bwd[j]]
        orders.append(order + bwd[len(fwd) - warm:])
    return orders


def _run(orders: list[list[tuple[str, int, int]]], stages: list[Stage], m: int) -> list[Op]:
    """Start each device's next operation as soon as its input is ready and the device is free."""
    last = len(stages) - 1
    finish: dict[tuple[str, int, int], float] = {}
    free = [0.0] * len(orders)
    pos = [0] * len(orders)
    ops: list[Op] = []
    remaining = sum(len(o) for o in orders)
    while remaining:
        progressed = False
        for d, order in enumerate(orders):
            while pos[d] < len(order):
                kind, s, mb = order[pos[d]]
                dep = ("F", s - 1, mb) if kind == "F" else ("F", s, mb) if s == last else ("B", s + 1, mb)
                if kind == "F" and s == 0:
                    ready = 0.0
                elif dep in finish:
                    ready = finish[dep]
                else:
                    break
                start = max(free[d], ready)
                end = start + (stages[s].forward if kind == "F" else stages[s].backward)
                finish[(kind, s, mb)] = free[d] = end
                ops.append(Op(kind, mb, s, d, start, end))
                pos[d] += 1
                remaining -= 1
                progressed = True
        if not progressed:  # cannot happen for the schedules above
            raise RuntimeError("the schedule deadlocked")
    return ops


def _peak(order: list[tuple[str, int, int]], training: bool) -> int:
    """The most micro-batches whose activations are held at once (forward start to backward end)."""
    if not training:
        return 1 if order else 0
    held = peak = 0
    for kind, _, _ in order:
        held += 1 if kind == "F" else -1
        peak = max(peak, held)
    return peak
