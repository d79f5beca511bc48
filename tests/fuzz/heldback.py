"""Held-back malformed inputs: about 100 cases built at test time, never stored, so that fixes are not
fitted to the stored corpus. They come from the generator's other share of each pool of bad values and
from seeded random mutations of valid documents (a bad value in a random node and field, a cut at a
random byte, a stray non-UTF-8 byte, a duplicate id, a back edge, a self-loop), and are checked like
the corpus (``check.run_case``). ``python tests/fuzz/heldback.py`` prints their descriptions."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_corpus  # noqa: E402
from documents import (NATIVE_NODE_FIELDS, PAPER_NODE_FIELDS, dumps, fresh, native_workload,  # noqa: E402
                       paper_workload)

SEED = 20261202
# (ancestor, descendant) pairs of the diamond 1 -> {2, 3} -> 4 -> 5: an edge back closes a cycle
REACHES = [(1, 2), (1, 3), (1, 4), (1, 5), (2, 4), (3, 4), (2, 5), (3, 5), (4, 5)]


def random_cases(rng: random.Random, count: int) -> list[dict]:
    """``count`` seeded mutations of the valid workloads, each invalid by construction."""
    c = make_corpus.Corpus()
    for _ in range(count):
        fmt = rng.choice(("paper", "native"))
        doc = fresh(paper_workload if fmt == "paper" else native_workload)
        kind = rng.choice(("field", "field", "cut", "byte", "duplicate", "back edge", "self-loop"))
        if kind == "field":
            fields = PAPER_NODE_FIELDS if fmt == "paper" else NATIVE_NODE_FIELDS
            field = rng.choice(sorted(fields))
            value = rng.choice(fields[field])
            k = rng.randrange(len(doc["nodes"]))
            doc["nodes"][k][field] = value
            c.workload(f"{fmt} workload: node #{k} has '{field}' = {value!r}", dumps(doc))
        elif kind == "cut":
            data = dumps(doc).encode()
            cut = rng.randrange(1, len(data))
            c.workload(f"{fmt} workload cut at byte {cut} of {len(data)}", data[:cut])
        elif kind == "byte":
            data = dumps(doc).encode()
            at, byte = rng.randrange(len(data)), rng.choice((b"\xff", b"\xfe", b"\xc0", b"\x80"))
            c.workload(f"{fmt} workload with byte {byte!r} at {at}", data[:at] + byte + data[at:])
        elif kind == "duplicate":
            i, j = rng.sample(range(len(doc["nodes"])), 2)
            doc["nodes"][j]["id"] = doc["nodes"][i]["id"]
            c.workload(f"{fmt} workload: node #{j} repeats the id of node #{i}", dumps(doc))
        else:
            u, v = rng.choice(REACHES) if kind == "back edge" else (rng.randrange(1, 6),) * 2
            doc["edges"].append(make_corpus.edge(fmt, v, u, 1.0 if v == 4 else 0.5))
            c.workload(f"{fmt} workload: {kind} {v} -> {u}", dumps(doc))
    return c.cases


def build(seed: int = SEED, from_pools: int = 60, random_count: int = 40) -> list[dict]:
    """The held-back cases: ``from_pools`` unstored cases of the generator and ``random_count``
    random mutations."""
    rng = random.Random(seed)
    stored = {make_corpus.encode(case) for case in make_corpus.build()}
    others = [case for case in make_corpus.build(held_back=True) if make_corpus.encode(case) not in stored]
    cases = rng.sample(others, min(from_pools, len(others))) + random_cases(rng, random_count)
    return [case for case in cases if make_corpus.encode(case) not in stored]


if __name__ == "__main__":
    for case in build():
        print(json.dumps(case["description"]))
