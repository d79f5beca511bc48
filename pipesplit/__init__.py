"""pipesplit: provably optimal pipeline splits of DNN graphs across accelerators and CPU cores.

>>> import pipesplit
>>> workload, cluster = pipesplit.load_workload("examples/transformer-2l-tiny.json")
>>> solution = pipesplit.solve(workload, cluster)
>>> solution.optimal, round(solution.value, 4) == round(pipesplit.evaluate(workload, cluster, solution.placement).max_load, 4)
(True, True)
"""

from .api import (
    ImportedModel,
    MethodResult,
    compare,
    import_onnx,
    import_torch,
    load_split,
    load_workload,
    reprice,
    save_split,
    save_workload,
    solve,
)
from .cluster import Cluster, parse_bytes
from .errors import PipesplitError
from .placement import Evaluation, Placement, evaluate
from .workload import Workload

__all__ = ["Cluster", "Evaluation", "ImportedModel", "MethodResult", "Placement", "PipesplitError", "Workload",
           "compare", "evaluate", "import_onnx", "import_torch", "load_split", "load_workload", "parse_bytes",
           "reprice", "save_split", "save_workload", "solve"]
__version__ = "0.1.0"
