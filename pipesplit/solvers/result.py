"""What every solver returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..placement import Evaluation, Placement


@dataclass
class Solution:
    """A placement with its evaluation (by the one cost model) and how it was found.

    ``value`` is what the solver claims; tests check it equals ``evaluation.max_load``.
    """

    placement: Placement
    evaluation: Evaluation
    method: str
    value: float
    optimal: bool
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)
