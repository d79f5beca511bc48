"""Options of a pipeline run, and what each process is told (plain data: it crosses process boundaries)."""

from __future__ import annotations

from dataclasses import dataclass

SCHEDULES = ("gpipe", "1f1b")


@dataclass
class RunOptions:
    """How to run a split: ``processes`` (default: one per stage), ``microbatches`` per timed step (the
    slope is taken between this and twice as many), ``batch`` copies of the example inputs per
    micro-batch, the ``schedule``, ``training`` (forward, loss, backward), ``device`` ("cpu": gloo, one
    thread per process; "cuda": NCCL, one GPU per process), warm-up and timed ``repeats``, and the
    ``timeout`` in seconds of the whole run."""

    processes: int | None = None
    microbatches: int = 4
    batch: int = 1
    schedule: str = "gpipe"
    training: bool = False
    device: str = "cpu"
    warmup: int = 2
    repeats: int = 5
    timeout: float = 300.0


@dataclass
class Job:
    """What one pipeline process needs: the factory, the stage of each exported operator, and the options."""

    factory: str
    stage_of: dict[str, int]
    num_stages: int
    options: RunOptions
    port: int
