"""Build the bundled example workloads from real model definitions.

The models come from the ``transformers`` library, built from their published configurations with random
weights (nothing is downloaded; see ``factories.py``): BERT-large (24 layers, hidden 1024), GPT-2 (124M, 12
layers, hidden 768, with its LM head) and ResNet-50. Each is captured with ``torch.export`` by pipesplit's
PyTorch frontend, at layer granularity (a node per transformer block / bottleneck block and per glue step)
and at operator granularity, for inference and for training (Adam). Costs are analytic estimates, so the
files do not depend on the machine that builds them: accelerator times on an NVIDIA A100 80GB at fp16
(``--estimate a100-80gb --dtype fp16``), CPU times on the catalog's CPU core, transfers over the A100's
NVLink (nvlink3), batch 1, 128 tokens or 224x224 pixels. The cluster written into each file is 4 A100s of
80 GB and 1 CPU core.

Needs ``pip install 'pipesplit[torch]' transformers``. Run from the repository root:

    python examples/models/build.py            # writes examples/<model>/<granularity>-<mode>.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pipesplit.cluster import Cluster  # noqa: E402
from pipesplit.frontends.catalog import get_device, get_link  # noqa: E402
from pipesplit.frontends.graph import to_workload, write_workload  # noqa: E402
from pipesplit.frontends.torch import TorchOptions, import_torch  # noqa: E402

ACCELERATOR, DTYPE, LINK = "a100-80gb", "fp16", "nvlink"
# model -> (factory, module depth of layer nodes, granularities)
MODELS = {
    "bert-large": ("bert_large", 3, ("layers", "ops")),  # encoder.layer.N
    "gpt2": ("gpt2", 3, ("layers", "ops")),  # transformer.h.N
    "resnet50": ("resnet50", 6, ("layers",)),  # resnet.encoder.stages.S.layers.N
}


def build(out_dir: Path, only: list[str] | None = None) -> list[Path]:
    written = []
    link = get_link(LINK, ACCELERATOR)
    cluster = Cluster(accelerators=4, memory=get_device(ACCELERATOR).memory_bytes, cpus=1)
    for model, (factory, depth, granularities) in MODELS.items():
        if only and model not in only:
            continue
        (out_dir / model).mkdir(parents=True, exist_ok=True)
        for granularity in granularities:
            for training in (False, True):
                t = time.perf_counter()
                options = TorchOptions(granularity="op" if granularity == "ops" else "layer", depth=depth,
                                       training=training, profile=(), estimate=ACCELERATOR, dtype=DTYPE)
                result = import_torch(f"{HERE / 'factories.py'}:{factory}", options)
                workload = to_workload(result.graph, link)
                path = out_dir / model / f"{granularity}-{'training' if training else 'inference'}.json"
                write_workload(path, workload, cluster, result.graph.out_bytes)
                written.append(path)
                print(f"{path}: {workload.num_nodes} nodes, {workload.num_edges} edges "
                      f"({time.perf_counter() - t:.1f} s)")
    return written


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE.parent, help="folder for the workloads (default examples/)")
    p.add_argument("--only", nargs="*", choices=sorted(MODELS), help="build only these models")
    args = p.parse_args()
    build(args.out, args.only)


if __name__ == "__main__":
    main()
