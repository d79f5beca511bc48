"""Solve the paper's workloads and compare with the paper's own programs.

    python benchmarks/paper.py ../shared/workloads/paper/throughput [--methods dp,dp-linear] [--timeout S]
                               [--reference FILE] [--markdown]

Every workload JSON under DIR (recursively) is solved by each method in a fresh
``python -m pipesplit solve --json -q`` process, so the time is the whole process's wall time (start,
imports, reading, solving, writing) and the memory its peak resident set (``os.wait4``'s rusage of
that one child). One untimed run per method first fills the compiled-code cache.

Beside each figure stand the reference's (``reference/paper-throughput.json`` or
``paper-latency.json``, chosen by the folder name, keyed by the path below it): ``dp`` against the
reference's ``dp``, ``dp-linear`` against its ``linearize``. Checks:

- value: ``dp`` must equal the reference optimum within 1e-6 relative (where the reference did not
  finish, it must not exceed the reference's linearized upper bound); ``dp-linear`` must not exceed
  the reference's linearized value by more than 1e-6 relative;
- time: the target is 1 s where the reference took under 10 s, else a tenth of the reference's time
  (where the reference did not finish, as on InceptionV3, the target is 60 s).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE_METHOD = {"dp": "dp", "dp-linear": "linearize"}
UNFINISHED_TARGET_S = 60.0  # where the reference did not finish (InceptionV3): solve exactly within 60 s
RTOL = 1e-6


@dataclass
class Run:
    """One solver process: its result (parsed JSON) or error, wall seconds and peak RSS in MB."""

    result: dict | None
    error: str
    seconds: float
    peak_mb: float


def run_solver(path: Path, method: str, timeout: float) -> Run:
    """Run ``pipesplit solve`` on ``path`` in a fresh process; time it and take its peak RSS."""
    cmd = [sys.executable, "-m", "pipesplit", "solve", str(path), "--method", method, "--json", "-q"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.send_signal(signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Run(None, f"timeout after {timeout:g} s", time.perf_counter() - start, usage.ru_maxrss / 1024)
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_mb = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        lines = stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        return Run(None, lines[-1], seconds, peak_mb)
    return Run(json.loads(stdout), "", seconds, peak_mb)


def reference_for(root: Path, override: Path | None) -> tuple[dict, Path]:
    """The reference figures and the folder their keys are relative to."""
    root = root.resolve()
    for folder in [root, *root.parents]:
        if folder.name in ("throughput", "latency"):
            ref = override or SHARED / "reference" / f"paper-{folder.name}.json"
            if ref.exists():
                return json.loads(ref.read_text()).get("workloads", {}), folder
            return {}, folder
    if override:
        return json.loads(override.read_text()).get("workloads", {}), root
    return {}, root


def target_seconds(ref: dict) -> tuple[float | None, str]:
    """The time target from a reference entry, and a note."""
    if ref.get("finished") is False or ref.get("seconds") is None:
        return UNFINISHED_TARGET_S, " (ref unfinished)"
    s = float(ref["seconds"])
    return (1.0, "") if s < 10 else (s / 10, "")


def value_check(method: str, value: float, ref: dict, ref_entry: dict) -> str:
    """'ok', 'better' (dp-linear below the reference's linearized value) or a failure note."""
    if method == "dp":
        opt = ref.get("maxLoad")
        if opt is not None:
            return "ok" if abs(value - opt) <= RTOL * abs(opt) else f"MISMATCH (ref {opt:.10g})"
        ub = ref_entry.get("linearize", {}).get("maxLoad")
        if ub is None:
            return "-"
        return "ok (<= ref bound)" if value <= ub * (1 + RTOL) else f"ABOVE ref bound {ub:.10g}"
    lin = ref.get("maxLoad")
    if lin is None:
        return "-"
    if abs(value - lin) <= RTOL * abs(lin):
        return "ok"
    return "better" if value < lin else f"WORSE (ref {lin:.10g})"


def fmt_time(s: float | None) -> str:
    return "-" if s is None else f"{s:.2f}"


def benchmark(root: Path, methods: list[str], timeout: float, reference: Path | None) -> list[dict]:
    """Solve every workload under ``root`` with each method; one row per (workload, method)."""
    from pipesplit.formats import load_workload

    refs, base = reference_for(root, reference)
    files = sorted(p for p in root.rglob("*.json") if p.is_file())
    if not files:
        raise SystemExit(f"no workload JSON files under {root}")
    for method in methods:  # fill the compiled-code cache
        run_solver(files[0], method, timeout)
    rows = []
    for path in files:
        key = path.resolve().relative_to(base).as_posix()
        workload, _ = load_workload(path)
        ref_entry = refs.get(key, {})
        for method in methods:
            run = run_solver(path, method, timeout)
            ref = ref_entry.get(REFERENCE_METHOD.get(method, method), {})
            row = {"workload": key, "nodes": workload.num_nodes, "method": method, "seconds": run.seconds,
                   "peak_mb": run.peak_mb, "error": run.error}
            if run.result is not None:
                stats = run.result.get("stats", {})
                row.update(units=stats.get("units"), ideals=stats.get("ideals"), pairs=stats.get("pairs"),
                           value=run.result["max_load"], violations=run.result.get("violations", []))
            if ref:
                target, note = target_seconds(ref)
                row.update(ref_value=ref.get("maxLoad"), ref_seconds=ref.get("seconds"), ref_mb=ref.get("peak_mb"),
                           target=target, target_note=note)
                if run.result is not None:
                    row["check"] = value_check(method, row["value"], ref, ref_entry)
            rows.append(row)
            print(f"  {key} {method}: {run.seconds:.2f} s", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict], markdown: bool) -> str:
    """The rows as an aligned text table or a Markdown table."""
    header = ["workload", "nodes", "method", "units", "ideals", "pairs", "value", "time s", "peak MB",
              "ref value", "ref s", "ref MB", "target s", "time ok", "value check"]
    body = []
    for r in rows:
        def opt(key, f):
            return "-" if r.get(key) is None else f(r[key])
        if r["error"]:
            value, check = f"error: {r['error']}", "FAIL"
        else:
            value = f"{r['value']:.6f}"
            check = r.get("check", "-") + (" INFEASIBLE" if r.get("violations") else "")
        target = r.get("target")
        met = "-" if target is None else ("yes" if not r["error"] and r["seconds"] <= target else "NO")
        body.append([r["workload"], str(r["nodes"]), r["method"], opt("units", str), opt("ideals", "{:,}".format),
                     opt("pairs", "{:,}".format), value, f"{r['seconds']:.2f}", f"{r['peak_mb']:.0f}",
                     opt("ref_value", "{:.6f}".format), fmt_time(r.get("ref_seconds")) if "ref_value" in r else "-",
                     opt("ref_mb", "{:.1f}".format),
                     "-" if target is None else f"{target:g}{r.get('target_note', '')}", met, check])
    if markdown:
        right = {1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(x[i]) for x in [header] + body) for i in range(len(header))]
    fmt = lambda row: "  ".join(c.ljust(w) if i in (0, 2, 13, 14) else c.rjust(w)
                                for i, (c, w) in enumerate(zip(row, widths))).rstrip()
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(row) for row in body])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="folder of workload JSON files (searched recursively)")
    ap.add_argument("--methods", default="dp,dp-linear", help="comma-separated methods (default dp,dp-linear)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run before it is stopped (default 600)")
    ap.add_argument("--reference", type=Path, help="reference figures (default: ../shared/reference/paper-<folder>.json)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    rows = benchmark(args.dir, methods, args.timeout, args.reference)
    print(table(rows, args.markdown))
    failed = [r for r in rows if r["error"] or "MISMATCH" in r.get("check", "")
              or "ABOVE" in r.get("check", "") or r.get("violations")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
