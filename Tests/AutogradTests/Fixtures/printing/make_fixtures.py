"""Regenerates printing_cases.json: what PyTorch's str() prints for many tensors.

Run from this folder with the oracle's Python (PyTorch 2.15, CPU):
    ../../../../scripts/oracle < make_fixtures.py
or  ~/.cache/luagrad-oracle/bin/python make_fixtures.py

Each case stores the expression, dtype, shape, the exact flat values (float.hex()
for floats, decimal strings for int64, booleans for bool), requires_grad, the
grad_fn name and str(t). `format_cases` stores Python's '{:.4f}', '{:.4e}' and
'{:.0f}' of many doubles (halfway cases, extremes, random bit patterns);
`size_cases` stores str(torch.Size(...)); `large_arange` stores the str() of a
10**7-element float32 arange, whose values the test regenerates.
"""
import json
import math
import os
import random
import struct

import torch

torch.manual_seed(0)
nan, inf = float("nan"), float("inf")
f64 = torch.float64


def leaf(t):
    """A leaf that requires grad."""
    return t.requires_grad_()


def x4():
    return torch.arange(4.0, requires_grad=True)


CASES = [
    # 0-d
    "torch.tensor(28.)",
    "2 * torch.dot(x4(), x4())",
    "x4().sum()",
    "torch.tensor(3.14159)",
    "torch.tensor(-0.)",
    "torch.tensor(1e-5)",
    "torch.tensor(nan)",
    "torch.tensor(-inf)",
    "torch.tensor(5)",
    "torch.tensor(-9223372036854775808)",
    "torch.tensor(True)",
    "torch.tensor(2.5, dtype=f64)",
    "torch.randn((), requires_grad=True)",
    "torch.tensor(123456789.0)",
    "torch.tensor(1e8)",
    "torch.tensor(2., dtype=f64, requires_grad=True) ** 2",
    "torch.tensor(1.00005, dtype=f64)",
    "torch.tensor(0.00125, dtype=f64)",
    # 1-d floats
    "torch.arange(4.0)",
    "torch.arange(4.0) * 4",
    "torch.tensor([1.5, -2.25, 3.])",
    "torch.tensor([-1., 10., -100.])",
    "torch.tensor([1e-5, 1., 100.])",
    "torch.tensor([1e8, 1.])",
    "torch.tensor([1e10, 1.])",
    "torch.tensor([-1e9, 3.])",
    "torch.tensor([1., 1000.])",
    "torch.tensor([1., 1000.5])",
    "torch.tensor([0.0001, 0.001])",
    "torch.tensor([0.0001, 0.001], dtype=f64)",
    "torch.tensor([nan, inf, -inf, 1.5])",
    "torch.tensor([nan, 1., 2.])",
    "torch.tensor([inf, -inf, nan])",
    "torch.tensor([1e-7, nan, -inf])",
    "torch.tensor([0., -0.])",
    "torch.zeros(5)",
    "torch.tensor([-0., 2.5])",
    "torch.tensor([-0., 1e-5])",
    "torch.linspace(-1, 1, 7)",
    "torch.tensor([1e-30, 2e-35])",
    "torch.tensor([3.4028234663852886e38, -1.])",
    "torch.tensor([5e-324, 1e-310], dtype=f64)",
    "torch.tensor([1e300, -1.7976931348623157e308], dtype=f64)",
    "torch.tensor([2.5e-05, 1.], dtype=f64)",
    "torch.tensor([1.00005, 0.00125, 2.5], dtype=f64)",
    "torch.tensor([999995., 1e9], dtype=f64)",
    "torch.tensor([0.99995, 9.9995, 99999.5], dtype=f64)",
    "torch.randn(5)",
    "torch.randn(5) * 1e-3",
    "torch.randn(6) * 1000",
    "torch.randn(8, dtype=f64)",
    # 1-d ints and bools
    "torch.arange(10)",
    "torch.tensor([-5, 100, 7])",
    "torch.tensor([2**62, -2**63, 2**63 - 1, 0])",
    "torch.tensor([True, False, True])",
    "torch.tensor([True, True])",
    "torch.arange(4.0) == torch.tensor([0., 4., 2., 1.])",
    # long rows that wrap at 80 columns
    "torch.arange(30.)",
    "torch.randn(20)",
    "torch.arange(100)",
    "torch.arange(40.) * 1e-6",
    "torch.randn(15, dtype=f64)",
    "torch.arange(0, 10**12, 10**10)",
    "torch.rand(25) > 0.5",
    # suffixes that move to their own line
    "leaf(torch.randn(8))",
    "leaf(torch.randn(8)) * 2",
    "leaf(torch.randn(8, dtype=f64)) * 2",
    "leaf(torch.randn(7, dtype=f64)) + 1",
    "leaf(torch.randn(3, 8)) * 2",
    # summarization
    "torch.arange(1001.)",
    "torch.arange(2000)",
    "torch.randn(1200) * 100",
    "torch.arange(1500) % 3 == 0",
    "torch.randn(100, 100)",
    "torch.arange(1400.).reshape(2, 700)",
    "torch.arange(1400.).reshape(700, 2)",
    "torch.randn(10, 11, 12)",
    "torch.arange(1500).reshape(10, 10, 15)",
    "torch.arange(1680.).reshape(7, 2, 3, 40)",
    "torch.randn(8, 2, 9, 9)",
    "leaf(torch.randn(40, 30, dtype=f64)) * 3",
    "torch.tensor([1e-6] + [1.] * 1000 + [1e6])",
    # 2-d
    "torch.arange(6.).reshape(2, 3)",
    "torch.randn(3, 4)",
    "torch.tensor([[1., -1.], [-0.5, 100.]])",
    "torch.eye(3)",
    "torch.tensor([[1, -20], [300, 4]])",
    "torch.randn(3, 3) > 0",
    "torch.randn(3, 12)",
    "torch.ones(2, 2, requires_grad=True)",
    "torch.mm(leaf(torch.randn(2, 3)), torch.randn(3, 2))",
    "leaf(torch.arange(6.).reshape(2, 3)) + 1",
    "leaf(torch.randn(2, 3, dtype=f64)) * torch.randn(2, 3, dtype=f64)",
    "torch.tensor([[1e-8, 1.], [nan, -inf]])",
    "torch.randn(4, 2) * 1e5",
    # 3-d and 4-d
    "torch.arange(24.).reshape(2, 3, 4)",
    "torch.arange(24).reshape(2, 3, 4)",
    "torch.randn(2, 2, 12)",
    "torch.randn(2, 3, 2) > 0",
    "torch.arange(48.).reshape(2, 2, 3, 4)",
    "torch.randn(2, 3, 4, 5)",
    "torch.ones(1, 1, 1, 1, dtype=f64)",
    "leaf(torch.randn(2, 1, 3)).sum(dim=1, keepdim=True)",
    # empty tensors
    "torch.tensor([])",
    "torch.zeros(0, 3)",
    "torch.zeros(2, 0, 4, dtype=f64)",
    "torch.tensor([], dtype=torch.int64)",
    "torch.zeros(0, dtype=torch.bool)",
    "torch.zeros(0, requires_grad=True)",
    "torch.zeros(3, 0, dtype=torch.int64)",
    "torch.zeros(0, dtype=f64)",
    "torch.zeros(1, 0, 2, requires_grad=True) * 2",
]

DTYPES = {torch.float32: "float32", torch.float64: "float64",
          torch.int64: "int64", torch.bool: "bool"}


def flat_values(t):
    flat = t.detach().reshape(-1).tolist()
    if t.dtype.is_floating_point:
        return [float.hex(v) for v in flat]
    if t.dtype == torch.bool:
        return flat
    return [str(v) for v in flat]


def case(expr):
    t = eval(expr)
    return {
        "expr": expr,
        "dtype": DTYPES[t.dtype],
        "shape": list(t.shape),
        "values": flat_values(t),
        "requires_grad": t.requires_grad,
        "grad_fn": None if t.grad_fn is None else type(t.grad_fn).__name__,
        "str": str(t),
    }


def format_doubles():
    values = [0.00125, 2.5e-05, 1.00005, 0.5, 1.5, 2.5, 0.125, 0.00005, 0.00015,
              1.23455, 9.99995e5, 0.99995, 9.9995, 99999.5, 0.0, -0.0, 1.0, -1.0,
              1e-4, 9.99999974738e-05, 1e8, 123456792.0, 5e-324, 2.2250738585072014e-308,
              1.7976931348623157e308, 1e300, 1e-300, 0.1, 0.2, 0.3, 1 / 3, 2 / 3,
              9.5, 10.5, 0.05, 0.95, 99.99995, 4.35, 1e22, 1e23, 2**53, 2**53 + 2,
              nan, inf, -inf, 3.4028234663852886e38, 1.401298464324817e-45]
    values += [-v for v in values[:20]]
    values += [2.0 ** e for e in range(-1074, 1024, 37)]
    values += [10.0 ** e for e in range(-323, 309, 17)]
    rng = random.Random(1234)
    for _ in range(400):  # random bit patterns over the whole range
        v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(v):
            values.append(v)
    for _ in range(200):  # float32 values near 1, as most tensors hold
        values.append(struct.unpack("<f", struct.pack("<f", rng.gauss(0, 3)))[0])
    for _ in range(200):  # exact ties at the 4th or 5th significant place
        values.append(rng.randrange(1, 10**6) / 2**rng.randrange(1, 12))
    values = [float(v) for v in values]
    return [{"value": float.hex(v), "fixed4": f"{v:.4f}", "sci4": f"{v:.4e}",
             "fixed0": f"{v:.0f}"} for v in values]


SIZES = [[], [0], [4], [2, 3], [2, 0, 4], [1, 1, 1, 1], [10000000]]

fixtures = {
    "torch_version": torch.__version__,
    "cases": [case(e) for e in CASES],
    "format_cases": format_doubles(),
    "size_cases": [{"shape": s, "str": str(torch.Size(s))} for s in SIZES],
    "large_arange": {"numel": 10**7,
                     "str": str(torch.arange(10**7, dtype=torch.float32))},
}

here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
with open(os.path.join(here, "printing_cases.json"), "w") as out:
    # One case per line keeps diffs readable.
    out.write("{\n")
    for index, (key, value) in enumerate(fixtures.items()):
        comma = "," if index + 1 < len(fixtures) else ""
        if isinstance(value, list):
            items = ",\n".join(json.dumps(item) for item in value)
            out.write(f"{json.dumps(key)}: [\n{items}\n]{comma}\n")
        else:
            out.write(f"{json.dumps(key)}: {json.dumps(value)}{comma}\n")
    out.write("}\n")
print(f"{len(fixtures['cases'])} cases, {len(fixtures['format_cases'])} format cases")
