"""The compare table for every workload under a folder, beside the paper's reference figures.

    python benchmarks/compare.py ../shared/workloads/paper [--time-limit 300] [--json out.json]

Workloads under a ``latency`` folder are compared for single-sample latency, the others for max
load. An expert split is used where ``experts/NAME_expert.json`` sits beside the workload folders.
Reference figures come from ``reference/paper-{throughput,latency}.json`` next to ``workloads/``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from pipesplit.cli.compare import compare_methods, proof_text
from pipesplit.formats import load_workload
from pipesplit.solvers.run import MethodSettings, applicable_methods

REFERENCE_KEYS = {
    "throughput": {"dp": "dp", "dp-linear": "linearize", "pipedream": "pipeDream", "one-accelerator": "oneFpga",
                   "metis": "scotch", "local-search": "localSearch", "expert": "expert"},
    "latency": {"greedy": "greedy", "dp": "dp_split_latency", "expert": "expert_latency"},
}


def reference_figure(ref: dict, objective: str, method: str):
    key = REFERENCE_KEYS[objective].get(method)
    entry = ref.get(key) if key else None
    if isinstance(entry, dict):
        return entry.get("maxLoad")
    return entry


def find_expert(path: Path) -> Path | None:
    for parent in path.parents:
        cand = parent / "experts" / f"{path.stem}_expert.json"
        if cand.is_file():
            return cand
    return None


def covers(split_path: Path, workload) -> bool:
    """Whether a split file places every node of the workload."""
    from pipesplit.formats import load_split
    try:
        return bool((load_split(split_path, workload).device >= 0).all())
    except Exception:
        return False


def find_reference(root: Path, objective: str) -> dict:
    for parent in [root, *root.parents]:
        cand = parent / "reference" / f"paper-{objective}.json"
        if cand.is_file():
            return json.loads(cand.read_text())["workloads"]
    return {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--time-limit", type=float, default=300.0, help="per integer program (default 300 s)")
    ap.add_argument("--methods", help="comma-separated subset")
    ap.add_argument("--json", metavar="OUT.json", help="also write every row here")
    ap.add_argument("--summarize", nargs="+", metavar="OUT.json",
                    help="print the summary tables of earlier --json outputs instead of running (folder ignored)")
    args = ap.parse_args(argv)
    if args.summarize:
        results = [r for f in args.summarize for r in json.loads(Path(f).read_text())]
        print(summary(results))
        return 0
    root = Path(args.folder)
    files = sorted(p for p in root.rglob("*.json") if "experts" not in p.parts)
    results = []
    for path in files:
        objective = "latency" if "latency" in path.resolve().parts else "throughput"
        try:
            workload, cluster = load_workload(path)
        except Exception as e:  # not a workload
            print(f"skipping {path}: {e}", file=sys.stderr)
            continue
        expert = find_expert(path)
        if expert is not None and not covers(expert, workload):
            expert = None  # an expert split for another graph of the same model
        methods = args.methods.split(",") if args.methods else applicable_methods(objective, expert=bool(expert))
        settings = MethodSettings(time_limit=args.time_limit, expert=str(expert) if expert else None)
        print(f"{path.relative_to(root)} ({objective}, {workload.num_nodes} nodes, {cluster.accelerators} "
              f"accelerators, {cluster.cpus} CPU cores)", file=sys.stderr, flush=True)
        rows = compare_methods(workload, cluster, methods, objective, settings,
                               progress=lambda s: print("  " + s, file=sys.stderr, flush=True))
        key = "/".join(path.parts[-2:])
        ref = find_reference(root, objective).get(key, {})
        for r in rows:
            r["paper"] = reference_figure(ref, objective, r["method"])
        results.append({"workload": str(path.relative_to(root)), "objective": objective, "rows": rows})
        print(markdown(results[-1], workload.time_unit), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    print("\n" + summary(results))
    return 0


SUMMARY_COLUMNS = {
    "throughput": ["dp", "ip", "ip-noncontig", "local-search", "metis", "pipedream", "one-accelerator", "expert"],
    "latency": ["ip", "greedy", "dp", "chain", "expert"],
}


def summary(results: list[dict]) -> str:
    """One row per workload, one column per method: ours (paper's figure); * marks a proven optimum,
    ! a split that breaks a constraint (e.g. memory)."""
    out = []
    for objective in ("throughput", "latency"):
        rows = [r for r in results if r["objective"] == objective]
        if not rows:
            continue
        cols = SUMMARY_COLUMNS[objective]
        out.append(f"{'Max load' if objective == 'throughput' else 'Latency'} (ours, paper's figure in brackets; "
                   "* proven optimal, ! violates a constraint)\n")
        out.append("| workload | " + " | ".join(cols) + " |")
        out.append("|---|" + "---:|" * len(cols))
        for r in rows:
            by = {x["method"]: x for x in r["rows"]}
            cells = []
            for m in cols:
                x = by.get(m)
                if not x or x.get("value") is None:
                    cells.append("–")
                    continue
                mark = "*" if x.get("optimal") and x.get("feasible") else "!" if not x.get("feasible") else ""
                paper = x.get("paper")
                ref = f" ({paper:.2f})" if isinstance(paper, (int, float)) else ""
                cells.append(f"{x['value']:.2f}{mark}{ref}")
            out.append(f"| {r['workload']} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def markdown(result: dict, unit: str) -> str:
    what = "latency" if result["objective"] == "latency" else "max load"
    lines = [f"\n### {result['workload']} ({what}, {unit})\n",
             "| method | ours | ratio to best | optimal / gap | time (s) | paper |",
             "|---|---:|---:|---|---:|---:|"]
    for r in result["rows"]:
        paper = r.get("paper")
        paper_s = f"{paper:.4f}" if isinstance(paper, (int, float)) and math.isfinite(paper) else "–"
        if r.get("value") is None:
            lines.append(f"| {r['method']} | error | | {r['error'][:70]} | {r['seconds']:.1f} | {paper_s} |")
            continue
        ratio = f"{r['ratio']:.3f}" if r.get("ratio") else ""
        lines.append(f"| {r['method']} | {r['value']:.4f} | {ratio} | {proof_text(r, 60)} | {r['seconds']:.1f} "
                     f"| {paper_s} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
