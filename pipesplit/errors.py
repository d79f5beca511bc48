"""The one exception type users see: a one-line message, shown without a traceback."""

from __future__ import annotations

import re

# settings a message may name in braces, e.g. "add {cpus}", and their command-line flags
FLAGS = {name: "--" + name.replace("_", "-") for name in (
    "accelerators", "cpus", "memory", "method", "objective", "time_limit", "calls_per_accelerator", "expert",
    "batch", "seq_len", "dtype", "depth", "profile", "estimate", "link", "processes", "microbatches",
    "training", "device", "warmup", "timeout")}
FLAGS.update(input_shapes="--input-shape", dims="--dim")
_SETTING = re.compile(r"\{(" + "|".join(sorted(FLAGS, key=len, reverse=True)) + r")\}")


def as_python(text: str) -> str:
    """``text`` with each braced setting as its Python name (``{time_limit}`` -> ``time_limit``)."""
    return _SETTING.sub(lambda m: m.group(1), text)


def as_flags(text: str) -> str:
    """``text`` with each braced setting as its command-line flag (``{time_limit}`` -> ``--time-limit``)."""
    return _SETTING.sub(lambda m: FLAGS[m.group(1)], text)


class PipesplitError(Exception):
    """Bad input or an impossible request; the message says what is wrong and what to do.

    A message names the setting to change in braces: the library shows its Python name, the command
    line its flag. Solver notes (``Solution.stats["note"]``) follow the same rule.

    >>> e = PipesplitError("no CPU cores; add {cpus}")
    >>> str(e), e.for_command_line()
    ('no CPU cores; add cpus', 'no CPU cores; add --cpus')
    """

    def __str__(self) -> str:
        return as_python(super().__str__())

    def for_command_line(self) -> str:
        """The message with each setting written as its command-line flag."""
        return as_flags(super().__str__())
