"""Solver names, cheap to import (the command line lists them without loading compiled code).

Each entry maps a method name to ``"module:function"`` under ``pipesplit.solvers``; the function takes
``(workload, cluster, *, options=..., progress=...)`` and returns a ``Solution``.
``LATENCY_METHODS`` are the latency methods of ``--objective latency``; with that objective any other
method returns its throughput split evaluated for latency (see ``run.py``).
"""

from __future__ import annotations

METHODS: dict[str, str] = {
    "auto": "dp:auto_split",
    "dp": "dp:dp_split",
    "dp-linear": "linear:dp_linear_split",
    "ip": "ip:ip_split",
    "ip-noncontig": "ip:ip_noncontig_split",
    "pipedream": "baselines:pipedream_split",
    "metis": "baselines:metis_split",
    "local-search": "baselines:local_search_split",
    "one-accelerator": "baselines:one_accelerator_split",
    "expert": "baselines:expert_split",
}

LATENCY_METHODS: dict[str, str] = {
    "ip": "latency_ip:ip_latency_split",
    "greedy": "greedy_latency:greedy_latency_split",
    "dp": "greedy_latency:dp_latency_split",
    "chain": "greedy_latency:chain_latency_split",
}

LATENCY_ONLY = tuple(m for m in LATENCY_METHODS if m not in METHODS)  # no throughput version

METHOD_NAMES = tuple(dict.fromkeys([*METHODS, *LATENCY_METHODS]))
