"""Typed field access for JSON readers, with one-line errors that name the field."""

from __future__ import annotations

from ..errors import PipesplitError


def number(node: dict, key: str, where: str, default=None) -> float:
    if key not in node:
        if default is not None:
            return default
        raise PipesplitError(f"{where} lacks the field '{key}'")
    x = node[key]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise PipesplitError(f"{where} has '{key}' = {x!r}; expected a number")
    return float(x)


def flag(node: dict, key: str, where: str, default: bool | None = None) -> bool:
    if key not in node:
        if default is not None:
            return default
        raise PipesplitError(f"{where} lacks the field '{key}'")
    x = node[key]
    if x in (0, 1) or isinstance(x, bool):
        return bool(x)
    raise PipesplitError(f"{where} has '{key}' = {x!r}; expected true/false or 0/1")
