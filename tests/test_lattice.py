"""The exact program's guard on lattice size: wide graphs are refused from a lower bound, before enumerating."""

import numpy as np
import pytest

from pipesplit.solvers.dp.contract import contract
from pipesplit.solvers.dp.lattice import TooManyIdeals, count_ideals, ideal_lattice
from pipesplit.synthetic import random_layered_dag
from pipesplit.workload import Workload


def test_wide_graph_is_refused_from_a_prefix_count():
    units = contract(random_layered_dag(2000, 8, seed=0))
    exact, lower = count_ideals(units, max_ideals=100_000)
    assert exact is None and lower > 100_000
    with pytest.raises(TooManyIdeals, match=r"at least .* ideals .*dp-linear"):
        ideal_lattice(units, max_ideals=100_000)


def test_prefix_count_is_the_ideal_count_of_a_prefix():
    # a star: 1 -> 2..7; the first k+1 units have 1 + 2^k ideals, a lower bound on the whole star's 65
    w = Workload.from_lists(ids=list(range(1, 8)), acc_time=[1] * 7, cpu_time=[1] * 7,
                            edges=[(1, k) for k in range(2, 8)])
    units = contract(w)
    assert count_ideals(units) == (65, 65.0)
    exact, lower = count_ideals(units, max_ideals=10)
    assert exact is None and lower == 17.0  # units 1..5: {} and {1} with any subset of {2, 3, 4, 5}
    assert np.isclose(count_ideals(units, max_ideals=65)[1], 65)
