"""``pipesplit simulate``: run a pipeline schedule over a split's stages, event by event."""

from __future__ import annotations

import argparse
import json

from ..runtime.simulate import SCHEDULES, ScheduleOptions, simulate
from .common import add_split_arguments, load_split_for_output


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("simulate", help="simulate a pipeline schedule over a split",
                       description="Simulate one step of a pipeline schedule over the split's stages (its devices "
                                   "in pipeline order, with forward and backward times from the cost model): time "
                                   "per sample, bubble fraction, and the micro-batches each device holds at once.")
    add_split_arguments(s)
    s.add_argument("--schedule", choices=SCHEDULES, default="1f1b", help="pipeline schedule (default 1f1b)")
    s.add_argument("--microbatches", "-M", type=int, default=8, metavar="M", help="micro-batches per step (default 8)")
    s.add_argument("--chunks", type=int, default=2, metavar="V",
                   help="interleaved: the split's stages run as V virtual stages on each of stages/V devices "
                        "(default 2)")
    s.add_argument("-o", "--output", metavar="GANTT.png", help="draw a Gantt chart here (needs the plot extra)")
    s.add_argument("--json", action="store_true", help="print the result, every operation included, as JSON")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workload, cluster, placement = load_split_for_output(args)
    sim = simulate(workload, cluster, placement, ScheduleOptions(args.schedule, args.microbatches, args.chunks))
    if args.output:
        from ..report.gantt import write_gantt

        write_gantt(sim, args.output, workload.time_unit, (args.workload, args.split))
    if args.json:
        print(json.dumps(sim.to_dict()))
        return 0
    unit = workload.time_unit
    rows = len(sim.devices)
    print(f"{'stage':<6}{'device':<8}{'forward ' + unit:>14}{'backward ' + unit:>14}")
    for s, stage in enumerate(sim.stages):
        print(f"{s:<6}{sim.devices[s % rows]:<8}{stage.forward:>14.6f}{stage.backward:>14.6f}")
    print()
    print(f"schedule: {sim.schedule}, {sim.microbatches} micro-batches, {rows} devices"
          + (f", {len(sim.stages) // rows} chunks each" if len(sim.stages) > rows else ""))
    print(f"step time: {sim.step_time:.6f} {unit}")
    print(f"time per sample: {sim.time_per_sample:.6f} {unit} ({sim.time_per_sample / sim.max_load:.4f} x the max "
          f"load {sim.max_load:.6f} {unit})" if sim.max_load > 0 else f"time per sample: {sim.time_per_sample} {unit}")
    print(f"bubble fraction: {sim.bubble_fraction:.4f}")
    print("peak in-flight micro-batches: " + ", ".join(f"{n} {k}" for n, k in zip(sim.devices, sim.peak_in_flight)))
    if args.output:
        print(f"Gantt chart written to {args.output}")
    return 0
