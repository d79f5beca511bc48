"""The device catalog, link presets, analytic estimates and the import commands without their extras."""

from __future__ import annotations

import json
import math
import sys

import pytest

from pipesplit.cli import main
from pipesplit.errors import PipesplitError
from pipesplit.frontends.catalog import device_names, get_device, get_link, transfer_ms
from pipesplit.frontends.estimate import TensorMeta, estimate_ms, op_cost


def test_every_catalog_figure_names_its_source():
    for name in device_names():
        d = get_device(name)
        assert d.source and d.memory_bandwidth > 0 and d.matrix["fp32"] > 0 and d.vector["fp32"] > 0
        assert d.kind == "cpu" or d.memory_bytes > 0
    for required in ("v100", "a100-80gb", "h100-sxm", "l4", "t4", "cpu"):
        get_device(required)


def test_presets_and_links():
    assert get_device("a100").name == "a100-80gb" and get_device("a100").memory_bytes == 80 * 2**30
    assert get_link("nvlink", "v100").name == "nvlink2" and get_link("nvlink", "h100").name == "nvlink4"
    assert get_link().name == "pcie4"
    assert transfer_ms(63e9, get_link("pcie5")) == pytest.approx(1000.0)
    with pytest.raises(PipesplitError, match="no NVLink"):
        get_link("nvlink", "t4")
    with pytest.raises(PipesplitError, match="unknown device 'z80'"):
        get_device("z80")
    with pytest.raises(PipesplitError, match="no fp8 figure"):
        get_device("v100").peak("fp8", matrix=True)


def test_conv_and_attention_flops():
    x, w, y = TensorMeta((1, 64, 56, 56), 4), TensorMeta((128, 64, 3, 3), 4), TensorMeta((1, 128, 56, 56), 4)
    c = op_cost("Conv", [x, w], [y])
    assert c.flops == 2 * 128 * 56 * 56 * 64 * 9 and c.matrix
    q = TensorMeta((2, 12, 128, 64), 2)
    a = op_cost("SDPA", [q, q, q], [q])
    assert a.flops == 4 * 2 * 12 * 128 * 128 * 64 + 5 * 2 * 12 * 128 * 128
    assert op_cost("Reshape", [x], [x]).bytes == 0
    t = TensorMeta((1024, 1024), 4)
    relu = op_cost("Relu", [t], [t])
    dev = get_device("t4")
    assert estimate_ms(relu, dev) == pytest.approx(1e3 * 2 * t.nbytes / dev.memory_bandwidth)


def test_import_commands_name_their_extra(monkeypatch, tmp_path, capsys):
    for module in ("onnx", "onnxruntime", "torch"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    model = tmp_path / "m.onnx"
    model.write_bytes(b"\x08\x07")
    assert main(["import", "onnx", str(model), "-o", str(tmp_path / "w.json")]) == 2
    assert "pipesplit[onnx]" in capsys.readouterr().err
    assert main(["import", "torch", "m:f", "-o", str(tmp_path / "w.json")]) == 2
    assert "pipesplit[torch]" in capsys.readouterr().err


def test_accelerator_preset_sets_solve_memory(tmp_path, capsys):
    doc = {"maxSizePerFPGA": 1.0, "maxFPGAs": 1, "maxCPUs": 0,
           "nodes": [{"id": 1, "supportedOnFpga": 1, "cpuLatency": 1, "fpgaLatency": 1, "size": 2 ** 33}],
           "edges": []}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    assert main(["solve", str(path), "-q", "--json", "--accelerator", "t4"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert math.isclose(out["max_load"], 1.0)
