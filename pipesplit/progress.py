"""A progress bar on stderr for long work; silent for short work and when disabled."""

from __future__ import annotations

from tqdm import tqdm


def progress_bar(total: int, desc: str, enabled: bool = True) -> tqdm:
    """A bar that appears only after half a second, so quick solves print nothing."""
    return tqdm(total=total, desc=desc, disable=not enabled, delay=0.5, leave=False, unit="it",
                dynamic_ncols=True)
