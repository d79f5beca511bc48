"""Every method by name, with what it is (cheap to import: the command line lists the methods without
loading compiled code).

Each method's ``throughput`` and ``latency`` entries name ``"module:function"`` under
``pipesplit.solvers``; the function takes ``(workload, cluster, *, options=..., progress=...)`` and
returns a ``Solution``. A method without a ``latency`` entry returns its throughput split evaluated for
latency under ``objective="latency"`` (see ``run.py``); one without a ``throughput`` entry is a latency
method only. ``compare``, the ``--method`` help and the README's table all come from this list.

>>> METHODS_INFO["dp"].exact, METHODS_INFO["metis"].requires
('contiguous', 'pymetis')
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MethodInfo:
    """A method: its functions per objective, what its "proven" covers (``exact``: ``"contiguous"``,
    ``"any"`` or None for a heuristic), whether its throughput splits are ``contiguous``, the optional
    package it needs, where ``compare`` runs it, and a one-line summary and when to use it."""

    name: str
    summary: str
    use: str
    throughput: str | None = None
    latency: str | None = None
    exact: str | None = None
    contiguous: bool = False
    requires: str | None = None
    compare: tuple[str, ...] = ("throughput", "latency")

    @property
    def objectives(self) -> tuple[str, ...]:
        """The objectives the method can serve (any throughput split can be evaluated for latency)."""
        return ("throughput", "latency") if self.throughput else ("latency",)


_ALL = (
    MethodInfo("auto", "dp when the graph has at most 250,000 ideals, else dp-linear (it says so)", "the default for throughput",
               throughput="dp.exact:auto_split", exact="contiguous", compare=(), contiguous=True),
    MethodInfo("dp", "the best contiguous split, proven (exact dynamic program over ideals)", "exact and fast on layer graphs and most operator graphs",
               throughput="dp.exact:dp_split", latency="heuristics.latency:dp_latency_split", exact="contiguous", contiguous=True),
    MethodInfo("ip", "the contiguous optimum by integer programming; for latency the latency program", "to cross-check the DP, or with --fwd-bwd (max forward + max backward load); the default for latency",
               throughput="mip.throughput:ip_split", latency="mip.latency:ip_latency_split", exact="contiguous", contiguous=True),
    MethodInfo("ip-noncontig", "the best split of any shape, up to its gap (integer program)", "when devices may pass data back and forth: it can beat every contiguous split",
               throughput="mip.throughput:ip_noncontig_split", exact="any"),
    MethodInfo("dp-linear", "the best contiguous split along a few topological orders (huge graphs)", "huge graphs (10^4-10^5 nodes)",
               throughput="dp.linear:dp_linear_split", compare=("throughput",), contiguous=True),
    MethodInfo("greedy", "latency: the paper's greedy, filling accelerators in topological order", "a latency baseline",
               latency="heuristics.latency:greedy_latency_split", compare=("latency",)),
    MethodInfo("chain", "latency: a dynamic program over topological orders minimizing summed loads", "a quick latency heuristic (it warm-starts the latency program)",
               latency="heuristics.latency:chain_latency_split", compare=("latency",)),
    MethodInfo("pipedream", "PipeDream's partitioner: biconnected components contracted to a chain, then split", "as a baseline",
               throughput="heuristics.pipedream:pipedream_split", contiguous=True),
    MethodInfo("metis", "a METIS partition (vertex weight accelerator time, edge weight transfer cost)", "as a baseline (pip install \"pipesplit[metis]\")",
               throughput="heuristics.metis:metis_split", requires="pymetis"),
    MethodInfo("local-search", "best single-class moves from 10 random starts, within memory", "a quick non-contiguous heuristic",
               throughput="heuristics.local_search:local_search_split"),
    MethodInfo("one-accelerator", "everything on one accelerator (a reference point)", "a reference point",
               throughput="heuristics.reference:one_accelerator_split"),
    MethodInfo("expert", "a split given with --expert, evaluated as it is", "to compare a split by hand",
               throughput="heuristics.reference:expert_split", compare=()),
)

METHODS_INFO: dict[str, MethodInfo] = {m.name: m for m in _ALL}
METHOD_NAMES = tuple(METHODS_INFO)

# the function tables by objective
METHODS: dict[str, str] = {m.name: m.throughput for m in _ALL if m.throughput}
LATENCY_METHODS: dict[str, str] = {m.name: m.latency for m in _ALL if m.latency}
LATENCY_ONLY = tuple(m.name for m in _ALL if not m.throughput)


def compare_methods_for(objective: str, expert: bool = False) -> list[str]:
    """The methods ``compare`` runs for an objective, latency methods first (``expert`` only with a
    split file)."""
    names = [m.name for m in _ALL if objective in m.compare]
    if objective == "latency":
        names.sort(key=lambda n: (METHODS_INFO[n].latency is None, n != "ip"))
    return names + (["expert"] if expert else [])


def method_help() -> str:
    """The ``--method`` help text."""
    return "; ".join(f"{m.name}: {m.summary}" for m in _ALL)


def methods_table() -> str:
    """The README's table of methods (a test keeps the README equal to it)."""
    rows = ["| method | finds | proven optimal (throughput) | objectives | use it when |", "|---|---|---|---|---|"]
    for m in _ALL:
        proven = {"contiguous": "among contiguous splits", "any": "among all splits"}.get(m.exact or "", "no")
        rows.append(f"| `{m.name}` | {m.summary} | {proven} | {', '.join(m.objectives)} | {m.use} |")
    return "\n".join(rows)
