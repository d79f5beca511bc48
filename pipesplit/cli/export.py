"""``pipesplit export``: a split in a training or serving engine's terms."""

from __future__ import annotations

import argparse

from ..formats import write_text
from .common import add_split_arguments, load_split_for_output


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..export import FORMATS

    e = sub.add_parser("export", help="export a split to an engine's pipeline settings",
                       description="Map a split of a layer-granularity transformer workload onto its layer stack "
                                   "(per stage: the embedding, a run of consecutive layers, the head) and write it "
                                   "as an engine's pipeline settings. A split that cuts a layer or gives a stage "
                                   "layers that are not consecutive is refused.")
    add_split_arguments(e)
    e.add_argument("--to", required=True, choices=sorted(FORMATS),
                   help="torch: a split_spec for torch.distributed.pipelining; megatron: the pipeline layout "
                        "flags; torchtitan: module_fqns_per_model_part; deepspeed: PipelineModule parts; vllm: "
                        "VLLM_PP_LAYER_PARTITION")
    e.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    e.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..export import export_split

    workload, _, placement = load_split_for_output(args)
    text = export_split(workload, placement, args.to)
    if args.output:
        write_text(args.output, text, (args.workload, args.split))
    else:
        print(text, end="")
    return 0
