"""Heuristics and baselines: PipeDream's partitioner, METIS, local search, the reference points (one
accelerator, an expert's split) and the latency heuristics (greedy, the DP's split, a chain DP)."""

from .latency import chain_latency_split, dp_latency_split, greedy_latency_split
from .local_search import LocalSearchOptions, local_search_split
from .metis import MetisOptions, metis_split
from .pipedream import pipedream_split
from .reference import ExpertOptions, expert_split, one_accelerator_split

__all__ = ["ExpertOptions", "LocalSearchOptions", "MetisOptions", "chain_latency_split", "dp_latency_split",
           "expert_split", "greedy_latency_split", "local_search_split", "metis_split", "one_accelerator_split",
           "pipedream_split"]
