"""pipesplit: provably optimal pipeline splits of DNN graphs across accelerators and CPU cores."""

from .cluster import Cluster, parse_bytes
from .errors import PipesplitError
from .placement import Evaluation, Placement, evaluate
from .workload import Workload

__all__ = ["Cluster", "Evaluation", "Placement", "PipesplitError", "Workload", "evaluate", "parse_bytes"]
__version__ = "0.1.0"
