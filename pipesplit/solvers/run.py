"""Run any method for either objective with one set of settings (what ``solve`` and ``compare`` use).

For ``objective="latency"`` the latency methods (``ip``: the latency program, ``greedy``, ``dp``:
the throughput DP's split, ``chain``) run as such; any other method's throughput split is
evaluated for latency. The returned ``Solution.value`` is the max load or the latency.
"""

from __future__ import annotations

import importlib
import math
import time
from dataclasses import dataclass

import numpy as np

from ..cluster import Cluster
from ..errors import PipesplitError
from ..workload import Workload
from .registry import (
    LATENCY_METHODS,
    LATENCY_ONLY,
    METHODS,
    METHODS_INFO,
    compare_methods_for,
)
from .result import LatencyOptions, Solution, latency_solution

OBJECTIVES = ("throughput", "latency")


@dataclass(frozen=True)
class MethodSettings:
    """Settings shared by the methods: integer programs' ``time_limit`` (s) and relative ``gap``,
    ``split_objective`` (max forward + max backward load), ``calls_per_accelerator`` (latency),
    ``expert`` split file, local search ``restarts`` and ``seed``."""

    time_limit: float = 300.0
    gap: float = 1e-4
    split_objective: bool = False
    calls_per_accelerator: int = 1
    expert: str | None = None
    restarts: int = 10
    seed: int = 0


def _function(table: dict[str, str], method: str):
    module, func = table[method].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), func)


def _options(method: str, objective: str, s: MethodSettings):
    if method in ("ip", "ip-noncontig"):
        from .mip.throughput import IPOptions
        return IPOptions(time_limit=s.time_limit, gap=s.gap, objective="fwd+bwd" if s.split_objective else "max")
    if method == "local-search":
        from .heuristics.local_search import LocalSearchOptions
        return LocalSearchOptions(restarts=s.restarts, seed=s.seed)
    if method == "metis":
        from .heuristics.metis import MetisOptions
        return MetisOptions(seed=s.seed)
    if method == "expert":
        from .heuristics.reference import ExpertOptions
        return ExpertOptions(path=s.expert)
    return None


def applicable_methods(objective: str, expert: bool = False) -> list[str]:
    """The methods ``compare`` runs for an objective (``expert`` only with a split file)."""
    return compare_methods_for(objective, expert)


def run_method(workload: Workload, cluster: Cluster, method: str, objective: str = "throughput",
               settings: MethodSettings = MethodSettings(), progress: bool = False) -> Solution:
    """One method for one objective (see the module docstring), its claim checked by ``check_claim``."""
    solution = _run(workload, cluster, method, objective, settings, progress)
    check_claim(workload, cluster, solution, objective, settings, contiguous=METHODS_INFO[method].contiguous)
    return solution


class ClaimError(PipesplitError):
    """A solver's claimed value disagrees with the cost model: a bug in pipesplit, never bad input."""


def check_claim(workload: Workload, cluster: Cluster, solution: Solution, objective: str = "throughput",
                settings: MethodSettings = MethodSettings(), contiguous: bool = False) -> None:
    """The claimed value must be what the one cost model says of the returned placement: ``evaluate()``'s
    max load (or max forward + max backward load), or ``evaluate_latency()``'s latency; a contiguous
    method's split must be contiguous. Raises ``ClaimError`` otherwise."""
    from ..latency import evaluate_latency
    from ..placement import evaluate
    s, p = solution, solution.placement
    if objective == "latency":
        calls = s.stats.get("calls")
        truth = evaluate_latency(workload, cluster, p, calls=None if calls is None else np.asarray(calls),
                                 max_calls=settings.calls_per_accelerator).latency
        what = "evaluate_latency()"
    elif s.stats.get("objective") == "fwd+bwd":
        from .mip.throughput import split_objective_value
        truth, what = split_objective_value(workload, cluster, p), "max forward + max backward load"
    else:
        ev = evaluate(workload, cluster, p, contiguous=contiguous)
        truth, what = ev.max_load, "evaluate()"
        if contiguous and any("not contiguous" in v for v in ev.violations):
            raise ClaimError(f"method {s.method} returned a split that is not contiguous; this is a bug in "
                             "pipesplit: please report it with the workload")
    if not math.isclose(s.value, truth, rel_tol=1e-9, abs_tol=1e-12) and not (math.isinf(s.value) and math.isinf(truth)):
        raise ClaimError(f"method {s.method} claims {s.value:.9g} but {what} gives {truth:.9g} for its split; this "
                         "is a bug in pipesplit: please report it with the workload")


def _run(workload: Workload, cluster: Cluster, method: str, objective: str,
         settings: MethodSettings, progress: bool) -> Solution:
    if objective not in OBJECTIVES:
        raise PipesplitError(f"unknown objective '{objective}'; choose throughput or latency")
    known = set(METHODS) | set(LATENCY_METHODS)
    if method not in known:
        raise PipesplitError(f"unknown method '{method}'; choose one of {', '.join(sorted(known))}")
    if objective == "throughput" and method in LATENCY_ONLY:
        raise PipesplitError(f"method '{method}' is a latency method; add {{objective}}=latency")
    if objective == "throughput":
        options = _options(method, objective, settings)
        fn = _function(METHODS, method)
        return fn(workload, cluster, progress=progress) if options is None else \
            fn(workload, cluster, options=options, progress=progress)
    lat = LatencyOptions(calls_per_accelerator=settings.calls_per_accelerator)
    if method in LATENCY_METHODS:
        fn = _function(LATENCY_METHODS, method)
        if method == "ip":
            from .mip.throughput import IPOptions
            return fn(workload, cluster, options=IPOptions(time_limit=settings.time_limit, gap=settings.gap),
                      latency=lat, progress=progress)
        return fn(workload, cluster, options=lat, progress=progress)
    started = time.perf_counter()
    sol = _run(workload, cluster, method, "throughput", settings, progress)
    out = latency_solution(workload, cluster, sol.placement, method, False, started,
                           stats={"max_load": sol.value}, max_calls=lat.calls_per_accelerator)
    return out
