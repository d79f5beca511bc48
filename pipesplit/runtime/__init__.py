"""Running splits: ``run_pipeline`` executes a split of a PyTorch model with
``torch.distributed.pipelining`` and sets what it measures beside the cost model's prediction;
``simulate`` plays pipeline schedules over the stages' times (``stages``)."""

from .options import RunOptions

__all__ = ["RunOptions", "run_pipeline"]


def run_pipeline(*args, **kwargs):
    """See ``pipesplit.runtime.torch_pipeline.run_pipeline`` (imported on first use)."""
    from .torch_pipeline import run_pipeline as run

    return run(*args, **kwargs)
