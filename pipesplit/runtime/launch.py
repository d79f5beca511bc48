"""Start N worker processes and collect one result from each, never leaving one behind.

Every wait is bounded by the run's timeout; a worker that fails, dies or outlives the timeout ends the
run with a one-line error, and the ``finally`` terminates (then kills) whatever is still running, also
on Ctrl-C. Each worker also watches its parent and exits if the parent goes away.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import queue as queue_module
import socket
import threading
import time
from contextlib import contextmanager

from ..errors import PipesplitError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def watch_parent(parent: int, interval: float = 1.0) -> None:
    """In a worker: exit at once when the parent process is gone (so that no worker is orphaned)."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


@contextmanager
def _single_threaded_env():
    """OMP/MKL thread pools of the workers: one thread each (each worker is one CPU device)."""
    keys = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _bootstrap(target: str, rank: int, job, results, parent: int) -> None:
    """A worker's first step: watch the parent, then import and call ``target`` ("module:function")."""
    watch_parent(parent)
    module, _, name = target.partition(":")
    getattr(importlib.import_module(module), name)(rank, job, results)


def run_workers(target: str, jobs: list, timeout: float) -> list:
    """Run ``target(rank, job, queue)`` (named "module:function") in one spawned process per job; each puts
    ``(rank, "ok", result)`` or ``(rank, "error", message)`` on the queue (and may then wait to be stopped).
    Returns the results by rank once all are in, and stops the processes; raises PipesplitError with the
    first error, or when a worker dies or the timeout passes."""
    ctx = mp.get_context("spawn")
    results_queue = ctx.Queue()
    procs = [ctx.Process(target=_bootstrap, args=(target, rank, job, results_queue, os.getpid()), daemon=True)
             for rank, job in enumerate(jobs)]
    results: dict[int, object] = {}
    deadline = time.monotonic() + timeout
    try:
        with _single_threaded_env():
            for p in procs:
                p.start()
        while len(results) < len(procs):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PipesplitError(f"the pipeline did not finish within {timeout:g} s; its processes were stopped")
            try:
                rank, status, payload = results_queue.get(timeout=min(0.5, remaining))
            except queue_module.Empty:
                for rank, p in enumerate(procs):
                    if rank not in results and p.exitcode is not None:
                        raise PipesplitError(f"pipeline process {rank} ended (exit code {p.exitcode}) without a result")
                continue
            if status != "ok":
                raise PipesplitError(str(payload))
            results[rank] = payload
        return [results[r] for r in range(len(procs))]  # the finally stops the processes, which wait for it
    finally:
        stop_all(procs)
        results_queue.cancel_join_thread()
        results_queue.close()


def stop_all(procs: list, grace: float = 5.0) -> None:
    """Terminate every live process, wait up to ``grace`` s, then kill what is left."""
    procs = [p for p in procs if p.pid is not None]  # started ones
    for p in procs:
        if p.is_alive():
            p.terminate()
    end = time.monotonic() + grace
    for p in procs:
        p.join(timeout=max(0.0, end - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join(timeout=1.0)
