"""Parts of pipesplit run in one process: the link fit, the prediction, the stage cut and the check."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from pipesplit import Workload
from pipesplit.runtime import calibrate
from pipesplit.runtime.calibrate import Link, fit_link
from pipesplit.runtime.predict import ModelEnds, predict


def test_link_fit_recovers_latency_and_bandwidth():
    assert doctest.testmod(calibrate).failed == 0
    samples = [(b, 0.1 + b / 2e6) for b in calibrate.SIZES]
    link = fit_link(samples)
    assert link.latency_ms == pytest.approx(0.1) and link.bytes_per_ms == pytest.approx(2e6)
    assert link.transfer_ms(0) == 0.0 and link.transfer_ms(2e6) == pytest.approx(1.1)
    assert link.bandwidth_gb_s == pytest.approx(2.0)


def test_prediction_adds_model_inputs_and_outputs_and_relays():
    # 1 -> 2 -> 3 with the skip 1 -> 3; the input feeds 1 and 3; 3 makes the output; stages 0 | 1 | 2
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[9, 9, 9], cpu_time=[1.0, 2.0, 3.0],
                            edges=[(1, 2), (2, 3), (1, 3)])
    link = Link(latency_ms=0.5, bytes_per_ms=100.0, samples=[])
    ends = ModelEnds(inputs=[(100.0, [0, 2])], outputs=[1])  # node 2 (index 1) makes the model's output
    e = predict(w, np.array([0, 1, 2]), np.array([50.0, 100.0, 0.0]), link, ends, batch=2)
    compute = [d.compute for d in e.devices]
    assert compute == [2.0, 4.0, 6.0]  # CPU times, twice for two samples, as accelerator times
    # node 1 sends 100 B (1.5 ms) to stages 1 and 2; node 2 sends 200 B (2.5 ms) to stage 2 and to the sink on 2;
    # the input's 100 B (1.5 ms: not scaled, it is already per micro-batch) goes from stage 0 to 0 and 2
    assert [(d.transfer_in, d.transfer_out) for d in e.devices] == [(0.0, 3.0), (3.0, 5.5), (5.5, 0.0)]
    assert e.max_load == pytest.approx(12.5)


torch = pytest.importorskip("torch")

from pipesplit.runtime.torch_stages import StageModule, flat_module, split_stages  # noqa: E402
from pipesplit.runtime.worker import compare, pipeline_loss  # noqa: E402


class Skip(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)

    def forward(self, x):
        h = self.a(x)
        return self.c(self.b(h)) + self.a(h)  # h skips stage 1; a's weight is used on stages 0 and 2


def test_stages_relay_skipping_tensors_and_share_weights():
    torch.manual_seed(0)
    model, x = Skip().eval(), torch.randn(2, 4)
    ep = torch.export.export(model, (x,), strict=False)
    gm = flat_module(ep)
    names = [n.name for n in gm.graph.nodes if n.op == "call_function"]
    assert names == ["linear", "linear_1", "linear_2", "linear_3", "add"]
    split, specs = split_stages(gm, {"linear": 0, "linear_1": 1, "linear_2": 2, "linear_3": 2, "add": 2}, 3)
    assert [len(s.inputs) for s in specs] == [1, 1, 2] and [len(s.outputs) for s in specs] == [1, 2, 1]
    assert specs[0].outputs[0] in specs[1].outputs  # h passes through stage 1
    stages = [StageModule(split, spec, gm, 2) for spec in specs]
    assert sorted(stages[2].param_names.values()) == ["a.bias", "a.weight", "c.bias", "c.weight"]
    live = (x,)
    for st in stages:
        live = st(*live)
    torch.testing.assert_close(live[0], model(x))


def test_the_check_finds_a_wrong_output_and_a_wrong_gradient():
    torch.manual_seed(0)
    model = Skip()
    x = torch.randn(2, 4)
    spec = torch.utils._pytree.tree_flatten(((x,), {}))[1]
    out = model(x)
    loss = pipeline_loss(out)
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    good = {"outputs": [[out.detach()]], "losses": [float(loss.detach())], "grads": grads}
    assert compare(model, spec, [[x]], [good], training=True)["match"]
    model.zero_grad()
    bad_out = {**good, "outputs": [[out.detach() + 1e-3]]}
    result = compare(model, spec, [[x]], [bad_out], training=True)
    assert not result["match"] and not result["outputs_match"] and result["grads_match"]
    model.zero_grad()
    bad_grad = {**good, "grads": {**grads, "a.weight": grads["a.weight"] * 1.01}}
    result = compare(model, spec, [[x]], [bad_grad], training=True)
    assert result["outputs_match"] and not result["grads_match"] and "gradients differ" in result["problems"][0]
