"""run_method: every solve's claim is checked against the one cost model."""

from __future__ import annotations

import dataclasses

import pytest

from pipesplit import Cluster, Workload, evaluate
from pipesplit.latency import LatencyEvaluation, evaluate_latency
from pipesplit.solvers import run as run_module
from pipesplit.solvers.run import ClaimError, run_method


def chain() -> Workload:
    return Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[4, 1, 1, 4], cpu_time=[40] * 4,
                               edges=[(1, 2), (2, 3), (3, 4)], out_cost={1: 0.5, 2: 0.5, 3: 0.5})


@pytest.mark.parametrize("method", ["dp", "dp-linear", "ip", "pipedream", "local-search", "one-accelerator"])
def test_claims_hold(method):
    sol = run_method(chain(), Cluster(2), method)
    assert sol.value == pytest.approx(sol.evaluation.max_load)


def test_a_wrong_claim_is_caught(monkeypatch):
    real = run_module._run

    def lying(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), value=1.0)

    monkeypatch.setattr(run_module, "_run", lying)
    with pytest.raises(ClaimError, match="claims 1 but evaluate"):
        run_method(chain(), Cluster(2), "dp")


def test_a_non_contiguous_split_from_a_contiguous_method_is_caught(monkeypatch):
    real = run_module._run
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1, 1, 1], cpu_time=[9, 9, 9], edges=[(1, 2), (2, 3)])

    def scrambled(*args, **kwargs):  # a true value, but of a split that sends data back to acc0
        sol = real(*args, **kwargs)
        sol.placement.device[:] = [0, 1, 0]
        return dataclasses.replace(sol, value=evaluate(w, Cluster(2), sol.placement).max_load)

    monkeypatch.setattr(run_module, "_run", scrambled)
    with pytest.raises(ClaimError, match="not contiguous"):
        run_method(w, Cluster(2), "dp")


def test_latency_results_carry_the_latency_models_evaluation():
    w, c = chain(), Cluster(2, cpus=1)
    for method in ("greedy", "dp", "ip", "dp-linear"):
        sol = run_method(w, c, method, objective="latency")
        assert isinstance(sol.latency, LatencyEvaluation)
        assert sol.value == pytest.approx(evaluate_latency(w, c, sol.placement).latency)
        assert sol.violations == sol.latency.violations
