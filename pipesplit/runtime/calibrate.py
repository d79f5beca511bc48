"""The link between two pipeline processes, measured: a ping-pong of a few tensor sizes, fitted by
latency + bytes / bandwidth."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

SIZES = (256, 16 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024)  # bytes


@dataclass
class Link:
    """One direction of a measured link: ``latency_ms`` per message and ``bytes_per_ms``."""

    latency_ms: float
    bytes_per_ms: float
    samples: list[tuple[int, float]]  # (bytes, one-way ms, median over rounds)

    def transfer_ms(self, nbytes: float) -> float:
        """Time to send ``nbytes`` (nothing costs nothing)."""
        return 0.0 if nbytes <= 0 else self.latency_ms + nbytes / self.bytes_per_ms

    @property
    def bandwidth_gb_s(self) -> float:
        return self.bytes_per_ms * 1e3 / 1e9


def fit_link(samples: list[tuple[int, float]]) -> Link:
    """Fit of one-way time = latency + bytes / bandwidth, least squares relative to each time (so that
    small messages, whose time is mostly latency, weigh as much as large ones); latency at least 0.

    >>> link = fit_link([(0, 0.05), (1000, 0.06), (2000, 0.07)])
    >>> round(link.latency_ms, 6), round(link.bytes_per_ms, 3)
    (0.05, 100000.0)
    """
    x = np.array([b for b, _ in samples], float)
    y = np.array([t for _, t in samples], float)
    slope, intercept = np.polyfit(x, y, 1, w=1.0 / np.maximum(y, 1e-9))
    slope = max(float(slope), 1e-12)
    return Link(latency_ms=max(float(intercept), 0.0), bytes_per_ms=1.0 / slope, samples=list(samples))


def ping_pong(rank: int, peer: int, device, rounds: int = 20, warmup: int = 3) -> list[tuple[int, float]]:
    """(bytes, one-way ms) for each size: rank ``rank`` sends to ``peer`` and waits for the echo; the other
    side echoes. Both ranks call this with each other as ``peer``; the lower rank leads. Messages go the
    way the pipeline stages send theirs (``batch_isend_irecv``; plain ``send``/``recv`` are slower on gloo)."""
    import torch
    import torch.distributed as dist

    lead = rank < peer
    out = []
    for size in SIZES:
        t = torch.zeros(size // 4, dtype=torch.float32, device=device)
        times = []
        for r in range(warmup + rounds):
            begin = time.perf_counter()
            for op in ((dist.isend, dist.irecv) if lead else (dist.irecv, dist.isend)):
                for w in dist.batch_isend_irecv([dist.P2POp(op, t, peer)]):  # as the pipeline's stages send
                    w.wait()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            if r >= warmup:
                times.append((time.perf_counter() - begin) * 1e3 / 2)
        out.append((size, statistics.median(times)))
    return out
