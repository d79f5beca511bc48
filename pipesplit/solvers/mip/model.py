"""A small sparse model builder over numpy arrays and one call that solves it with HiGHS.

Models are built row block by row block (``add_rows`` takes COO triplets), then handed to HiGHS in
one ``passModel``: no per-variable Python objects, so models with 10^5 nonzeros build in milliseconds.

>>> m = MipModel()
>>> x = m.add_vars(2, ub=1, integer=True)
>>> m.add_rows([0, 0], x, [1.0, 1.0], lo=1.0)        # x0 + x1 >= 1
>>> m.cost[x] = [2.0, 3.0]
>>> r = solve_mip(m, time_limit=10)
>>> r.status, r.objective, (r.values[x] > 0.5).tolist()
('optimal', 2.0, [True, False])
"""

from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ...errors import PipesplitError


def require_highspy():
    """The highspy module, or a one-line error naming the extra to install."""
    try:
        import highspy
    except ImportError:
        raise PipesplitError("the integer programs need HiGHS, a dependency of pipesplit: pip install highspy")
    return highspy


@contextmanager
def _silent_stdout():
    """Silence C-level stdout (HiGHS prints a banner when a solver object is made)."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


class MipModel:
    """Columns with bounds, costs and integrality; rows as COO blocks with lower and upper bounds."""

    def __init__(self) -> None:
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self.num_cols = 0
        self._rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._rlo: list[np.ndarray] = []
        self._rhi: list[np.ndarray] = []
        self.num_rows = 0
        self._cost: np.ndarray | None = None

    def add_vars(self, shape, lb=0.0, ub=math.inf, integer: bool = False) -> np.ndarray:
        """New columns, returned as an index array of ``shape``."""
        size = int(np.prod(shape))
        idx = np.arange(self.num_cols, self.num_cols + size, dtype=np.int64).reshape(shape)
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=np.float64), (size,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=np.float64), (size,)).copy())
        self._int.append(np.full(size, integer))
        self.num_cols += size
        self._cost = None
        return idx

    @property
    def cost(self) -> np.ndarray:
        """The objective coefficients (minimized); write into it after all columns are added."""
        if self._cost is None or len(self._cost) != self.num_cols:
            old = self._cost
            self._cost = np.zeros(self.num_cols)
            if old is not None:
                self._cost[:len(old)] = old
        return self._cost

    def set_ub(self, cols, value: float) -> None:
        """Fix upper bounds of existing columns (e.g. forbid a placement)."""
        ub = np.concatenate(self._ub)
        ub[np.asarray(cols, dtype=np.int64).ravel()] = value
        self._ub = [ub]
        self._lb = [np.concatenate(self._lb)]
        self._int = [np.concatenate(self._int)]

    def set_lb(self, cols, value: float) -> None:
        """Raise lower bounds of existing columns (e.g. fix a binary to 1)."""
        self.set_ub([], 0.0)
        self._lb[0][np.asarray(cols, dtype=np.int64).ravel()] = value

    def add_rows(self, rows, cols, vals, lo=-math.inf, hi=math.inf) -> None:
        """Rows ``lo <= sum vals * x[cols] <= hi``; ``rows`` numbers the new rows from 0 (COO)."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        cols = np.asarray(cols, dtype=np.int64).ravel()
        vals = np.broadcast_to(np.asarray(vals, dtype=np.float64), cols.shape).ravel()
        m = int(rows.max()) + 1 if len(rows) else 0
        if m == 0:
            return
        self._rows.append((rows + self.num_rows, cols, vals))
        self._rlo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (m,)).copy())
        self._rhi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (m,)).copy())
        self.num_rows += m

    def add_dense_rows(self, cols: np.ndarray, vals, lo=-math.inf, hi=math.inf) -> None:
        """Rows of equal width: ``cols`` and ``vals`` have shape (rows, width)."""
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size == 0:
            return
        vals = np.broadcast_to(np.asarray(vals, dtype=np.float64), cols.shape)
        rows = np.repeat(np.arange(cols.shape[0]), cols.shape[1])
        self.add_rows(rows, cols.ravel(), vals.ravel(), lo, hi)

    def arrays(self):
        """(lb, ub, integer, cost, row_ptr, col_index, values, row_lo, row_hi) with rows in CSR."""
        lb = np.concatenate(self._lb) if self._lb else np.zeros(0)
        ub = np.concatenate(self._ub) if self._ub else np.zeros(0)
        integer = np.concatenate(self._int) if self._int else np.zeros(0, bool)
        if self._rows:
            r = np.concatenate([b[0] for b in self._rows])
            c = np.concatenate([b[1] for b in self._rows])
            v = np.concatenate([b[2] for b in self._rows])
        else:
            r = c = np.zeros(0, np.int64)
            v = np.zeros(0)
        keep = v != 0
        r, c, v = r[keep], c[keep], v[keep]
        order = np.lexsort((c, r))
        r, c, v = r[order], c[order], v[order]
        ptr = np.zeros(self.num_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=self.num_rows), out=ptr[1:])
        rlo = np.concatenate(self._rlo) if self._rlo else np.zeros(0)
        rhi = np.concatenate(self._rhi) if self._rhi else np.zeros(0)
        return lb, ub, integer, self.cost.copy(), ptr, c, v, rlo, rhi


@dataclass
class MipResult:
    """``status``: 'optimal', 'time limit', 'infeasible' or another HiGHS status in words; ``values``
    is None when no feasible solution was found; ``bound`` is the proven lower bound."""

    status: str
    values: np.ndarray | None
    objective: float
    bound: float
    gap: float
    nodes: int
    seconds: float
    proof: str = ""  # how "optimal" was established: "gap" (HiGHS closed it), "cutoff" (nothing below the start)
    fault: str = ""  # HiGHS contradicted itself: no claim of optimality stands


def solve_mip(model: MipModel, time_limit: float = 300.0, gap: float = 1e-4,
              start: dict[int, float] | None = None, progress: bool = False, threads: int | None = None,
              extra_options: dict | None = None) -> MipResult:
    """Minimize ``model`` with HiGHS. ``start`` (column -> value, integer columns suffice) is a
    known solution: it is completed by an LP, its objective prunes the search, and it is returned
    (with the proven bound) when nothing better is found."""
    highspy = require_highspy()
    arrays = model.arrays()
    full_start = None
    if start:
        # complete the start by an LP with its columns fixed (HiGHS mishandles partial starts)
        idx = np.fromiter(start.keys(), dtype=np.int64, count=len(start))
        val = np.fromiter(start.values(), dtype=np.float64, count=len(start))
        lb, ub = arrays[0].copy(), arrays[1].copy()
        lb[idx] = ub[idx] = val
        fixed = _run(highspy, (lb, ub, np.zeros_like(arrays[2]), *arrays[3:]), time_limit, gap, threads,
                     extra_options)
        if fixed.values is not None:
            full_start = fixed.values
    if full_start is None:
        return _run(highspy, arrays, time_limit, gap, threads, extra_options)
    # The start serves as a cutoff rather than through setSolution: HiGHS 1.16's presolve can return
    # wrong "optimal" answers when handed a start. Nothing found below it means the start is best.
    start_obj = float(arrays[3] @ full_start)
    options = dict(extra_options or {})
    options["objective_bound"] = start_obj * (1 + 1e-9) + 1e-12
    res = _run(highspy, arrays, time_limit, gap, threads, options)
    if res.values is not None and res.objective > options["objective_bound"] and res.status == "optimal":
        # an "optimal" solution worse than a known feasible one: HiGHS is wrong, so nothing is proven
        return MipResult(status="inconsistent", values=full_start, objective=start_obj, bound=-math.inf,
                         gap=math.inf, nodes=res.nodes, seconds=res.seconds,
                         fault=f"HiGHS called a solution of {res.objective:.6g} optimal, worse than the start's "
                               f"{start_obj:.6g}")
    if res.values is None or res.objective > start_obj:
        proven = res.status in ("infeasible", "optimal") or res.status.startswith("objective bound")
        bound = start_obj if proven else min(res.bound, start_obj)
        gap_now = (start_obj - bound) / start_obj if start_obj > 0 else 0.0
        return MipResult(status="optimal" if proven else res.status, values=full_start, objective=start_obj,
                         bound=bound, gap=gap_now, nodes=res.nodes, seconds=res.seconds,
                         proof="cutoff" if proven else "")
    return res


def certify(res: MipResult, value: float, gap_limit: float, fell_back: bool) -> tuple[bool, float, float, str]:
    """(optimal, lower bound, gap, proof) of a program's returned split of objective ``value``.
    ``fell_back``: the split is the warm start because the program's own answer was worse or missing;
    if HiGHS still called its answer optimal, that is a contradiction and nothing is proven."""
    bound = min(res.bound, value) if math.isfinite(res.bound) else 0.0
    gap = (value - bound) / value if value > 0 else 0.0
    if res.fault or (fell_back and res.status == "optimal" and res.proof != "cutoff"):
        return False, 0.0, 1.0 if value > 0 else 0.0, ""
    if res.proof == "cutoff":
        return True, value, 0.0, "HiGHS proved no split beats the warm start (objective cutoff)"
    if res.status == "optimal" or gap <= gap_limit:
        return True, bound, gap, f"HiGHS branch and bound closed the gap to {gap:.1e} (lower bound {bound:.6g})"
    return False, bound, gap, ""


def _run(highspy, arrays, time_limit, gap, threads, extra_options) -> MipResult:
    lb, ub, integer, cost, ptr, cols, vals, rlo, rhi = arrays
    num_cols, num_rows = len(lb), len(rlo)
    inf = highspy.kHighsInf
    with _silent_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)  # the log would mix with the command's stdout
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    for key, value in (extra_options or {}).items():
        h.setOptionValue(key, value)
    if threads:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = num_cols
    lp.num_row_ = num_rows
    lp.col_cost_ = cost
    lp.col_lower_ = lb
    lp.col_upper_ = np.where(np.isinf(ub), inf, ub)
    lp.row_lower_ = np.where(np.isinf(rlo), -inf, rlo)
    lp.row_upper_ = np.where(np.isinf(rhi), inf, rhi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = ptr.astype(np.int32)
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = vals
    lp.a_matrix_.num_col_ = num_cols
    lp.a_matrix_.num_row_ = num_rows
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    names = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kTimeLimit: "time limit",
             highspy.HighsModelStatus.kInfeasible: "infeasible", highspy.HighsModelStatus.kInterrupt: "interrupted"}
    word = names.get(status, h.modelStatusToString(status).lower())
    has_solution = info.primal_solution_status >= 2 if hasattr(info, "primal_solution_status") else True
    values = np.asarray(h.getSolution().col_value) if has_solution and word != "infeasible" else None
    if values is not None and len(values) != num_cols:
        values = None
    objective = float(info.objective_function_value) if values is not None else math.inf
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else -math.inf
    result_gap = float(info.mip_gap) if values is not None else math.inf
    return MipResult(status=word, values=values, objective=objective, bound=bound, gap=result_gap,
                     nodes=int(info.mip_node_count), seconds=float(h.getRunTime()))
