"""Frontends: real models to workloads.

- ``onnx``: ONNX models at operator granularity (onnx.shape_inference for bytes, onnxruntime's profiler).
- ``torch``: PyTorch modules via ``torch.export`` at operator or layer granularity, inference or training.
- ``estimate``: FLOPs and bytes per operator, turned into time by a roofline on a ``catalog`` device.
- ``catalog``: devices (``devices.json``) and links (``links.json``) with their public sources; presets.
- ``graph``: the frontends' common OpGraph, its Workload and the files written with output bytes.
- ``onnx_models``: small ONNX model builders (MLP, conv net, BERT/GPT-2-style transformers, ResNet).

The ``onnx`` and ``torch`` modules need the ``pipesplit[onnx]`` and ``pipesplit[torch]`` extras; nothing
here imports them until a frontend runs.
"""
