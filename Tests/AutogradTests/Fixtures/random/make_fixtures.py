"""Record PyTorch's CPU random numbers as JSON fixtures for RandomTests.swift.

Regenerate (from this folder) with the PyTorch oracle:

    cd Tests/AutogradTests/Fixtures/random && ../../../../scripts/oracle < make_fixtures.py

Every fixture file holds a list of cases. A case seeds the default generator with
`torch.manual_seed(seed)` and then runs its steps in order, so a case with several
steps checks that the random stream continues correctly from call to call. Each
step records its arguments and PyTorch's exact output: floats as `float.hex()`
strings, integers as JSON numbers.
"""
import json
import os

import torch

SEEDS = [0, 1, 42, 2026, 2**63 + 12345, 2**64 - 1]
# () is a 0-d tensor (one element); 0 is an empty tensor.
SHAPES = [(), 0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 100, 1000]
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
          "bool": torch.bool}


def numel(shape):
    return 1 if shape == () else shape


def size_of(shape):
    return () if shape == () else (shape,)


def encode(tensor):
    """Exact values: floats as hex strings, integers and booleans as numbers."""
    flat = tensor.reshape(-1).tolist()
    if tensor.dtype.is_floating_point:
        return [float(v).hex() for v in flat]
    return [int(v) for v in flat]


def hexes(values):
    return [float(v).hex() for v in values]


# MARK: - steps: run one PyTorch call and describe it


def rand(dtype, shape, low=None, high=None):
    size = size_of(shape)
    if low is None:
        out = torch.rand(size, dtype=DTYPES[dtype])
        low, high = 0.0, 1.0
    else:
        out = torch.empty(size, dtype=DTYPES[dtype]).uniform_(low, high)
    return {"op": "uniform", "dtype": dtype, "count": numel(shape), "from": float(low).hex(),
            "to": float(high).hex(), "values": encode(out)}


def randn(dtype, shape, mean=None, std=None):
    size = size_of(shape)
    if mean is None:
        out = torch.randn(size, dtype=DTYPES[dtype])
        mean, std = 0.0, 1.0
    else:
        out = torch.normal(mean, std, size, dtype=DTYPES[dtype])
    return {"op": "normal", "dtype": dtype, "count": numel(shape), "mean": float(mean).hex(),
            "std": float(std).hex(), "values": encode(out)}


def randint(dtype, shape, low, high):
    out = torch.randint(low, high, size_of(shape), dtype=DTYPES[dtype])
    return {"op": "randint", "dtype": dtype, "count": numel(shape), "low": low, "high": high,
            "values": encode(out)}


def random_(dtype, count):
    out = torch.empty(count, dtype=DTYPES[dtype]).random_()
    return {"op": "random", "dtype": dtype, "count": count, "values": encode(out)}


def randperm(n):
    return {"op": "randperm", "count": n, "values": encode(torch.randperm(n))}


def multinomial(dtype, rows, num_samples, replacement):
    probs = torch.tensor(rows, dtype=DTYPES[dtype])
    out = torch.multinomial(probs, num_samples, replacement)
    return {"op": "multinomial", "dtype": dtype, "rows": len(rows), "categories": len(rows[0]),
            "probabilities": hexes(probs.reshape(-1).tolist()), "numSamples": num_samples,
            "replacement": replacement, "values": encode(out)}


def bernoulli_scalar(dtype, count, p):
    out = torch.empty(count, dtype=DTYPES[dtype]).bernoulli_(p)
    return {"op": "bernoulliScalar", "dtype": dtype, "count": count, "p": float(p).hex(),
            "values": encode(out)}


def bernoulli_tensor(dtype, probabilities):
    probs = torch.tensor(probabilities, dtype=DTYPES[dtype])
    out = torch.bernoulli(probs)
    return {"op": "bernoulliTensor", "dtype": dtype, "count": len(probabilities),
            "probabilities": hexes(probs.tolist()), "values": encode(out)}


def exponential(dtype, count, lambd):
    out = torch.empty(count, dtype=DTYPES[dtype]).exponential_(lambd)
    return {"op": "exponential", "dtype": dtype, "count": count, "lambda": float(lambd).hex(),
            "values": encode(out)}


def manual_seed(seed):
    torch.manual_seed(seed)
    return {"op": "manualSeed", "seed": seed, "initialSeed": torch.initial_seed()}


def case(name, seed, *steps):
    """Seeds, then runs the step thunks in order (each draws from the same stream)."""
    torch.manual_seed(seed)
    return {"name": name, "seed": seed, "steps": [step() for step in steps]}


# MARK: - fixture files


def uniform_cases():
    cases = []
    for seed in SEEDS:
        for dtype in ("float32", "float64"):
            for shape in SHAPES:
                cases.append(case(f"rand {dtype} {shape}", seed, lambda: rand(dtype, shape)))
            for low, high in ((-2.0, 5.0), (0.1, 0.2), (-1e6, 1e-3), (3.0, 3.0)):
                for shape in (5, 40):
                    cases.append(case(f"uniform_({low}, {high}) {dtype} {shape}", seed,
                                      lambda: rand(dtype, shape, low, high)))
    return cases


def normal_cases():
    cases = []
    for seed in SEEDS:
        for dtype in ("float32", "float64"):
            for shape in SHAPES:
                cases.append(case(f"randn {dtype} {shape}", seed, lambda: randn(dtype, shape)))
            for mean, std in ((3.5, 0.25), (-1.0, 2.0), (0.0, 0.0), (1e3, 1e-2)):
                for shape in (5, 16, 33):
                    cases.append(case(f"normal({mean}, {std}) {dtype} {shape}", seed,
                                      lambda: randn(dtype, shape, mean, std)))
    # Mean and std where fused and unfused `n·std + mean` round differently.
    for seed in (0, 2026):
        for dtype in ("float32", "float64"):
            for shape in (15, 1000):
                cases.append(case(f"normal(0.3, 2.7) {dtype} {shape}", seed,
                                  lambda: randn(dtype, shape, 0.3, 2.7)))
    # Many 16-blocks: a wide sample of the vectorised log/sin/cos.
    for seed in (7, 123456789):
        for dtype in ("float32", "float64"):
            cases.append(case(f"randn {dtype} 4099", seed, lambda: randn(dtype, 4099)))
    return cases


def integer_cases():
    cases = []
    ranges = [(0, 10), (-5, 5), (-100, -3), (0, 1), (0, 2**31), (0, 2**32 - 1), (0, 2**32),
              (-2**40, 2**40), (-2**63, 2**63 - 1), (10**15, 10**15 + 7)]
    for seed in SEEDS:
        for low, high in ranges:
            for shape in ((), 7, 100):
                cases.append(case(f"randint({low}, {high}) int64 {shape}", seed,
                                  lambda: randint("int64", shape, low, high)))
        for dtype in ("float32", "float64"):
            for low, high in ((0, 10), (-5, 5), (0, 2**32), (-2**30, 2**30)):
                cases.append(case(f"randint({low}, {high}) {dtype} 20", seed,
                                  lambda: randint(dtype, 20, low, high)))
        for dtype in ("int64", "float32", "float64"):
            cases.append(case(f"random_() {dtype} 10", seed, lambda: random_(dtype, 10)))
    # Bounds that float32/float64 cannot hold exactly (update_from / update_to).
    for dtype, low, high in (("float32", -2**25 - 3, 2**25 + 3), ("float32", 2**40 + 1, 2**40 + 2**20),
                             ("float64", -2**60, 2**60 + 5)):
        cases.append(case(f"randint({low}, {high}) {dtype} 20", 0, lambda: randint(dtype, 20, low, high)))
    return cases


def permutation_cases():
    cases = []
    for seed in SEEDS:
        for n in (0, 1, 2, 5, 10, 100, 5000):
            cases.append(case(f"randperm({n})", seed, lambda: randperm(n)))
    return cases


def multinomial_cases():
    distributions = {
        "quarters": [[0.1, 0.2, 0.3, 0.4]],
        "weights": [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]],
        "uniform6": [[1.0 / 6] * 6],
        "skewed": [[1e-4, 0.5, 1e-3, 0.25, 0.2489]],
        "two rows": [[0.7, 0.1, 0.2], [0.05, 0.05, 0.9]],
        "three rows": [[1.0, 0.0, 2.0, 0.5], [0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 0.0, 1.0]],
    }
    wide = {"wide": [[((i * 37) % 11 + 1) / 10.0 for i in range(200)]]}
    cases = []
    for seed in SEEDS:
        for name, rows in (distributions | wide if seed in (0, 2026) else distributions).items():
            categories = len(rows[0])
            for dtype in ("float32", "float64"):
                for replacement in (False, True):
                    for n in sorted({1, 2, 3, min(categories, 10), 25}):
                        if not replacement and n > categories:
                            continue
                        cases.append(case(f"multinomial {name} {dtype} n={n} replacement={replacement}", seed,
                                          lambda: multinomial(dtype, rows, n, replacement)))
    # Zero-probability categories tie (p / q == 0) once the positive ones are used up:
    # their order comes from libstdc++'s partial_sort / nth_element / sort in topk.
    sparse = [0.0] * 20
    sparse[4], sparse[11], sparse[17] = 0.5, 0.2, 0.3
    sparse_wide = [0.0] * 300
    sparse_wide[7], sparse_wide[250] = 1.0, 3.0
    for seed in SEEDS[:3]:
        for rows, counts in (([sparse], (3, 5, 19, 20)), ([sparse_wide], (2, 3, 4, 10, 40, 300))):
            for n in counts:
                cases.append(case(f"multinomial zeros {len(rows[0])} n={n}", seed,
                                  lambda: multinomial("float32", rows, n, False)))
    return cases


def bernoulli_exponential_cases():
    cases = []
    probabilities = [0.0, 1.0, 0.5, 0.1, 0.9, 0.25, 0.75, 0.333, 0.999, 1e-3] * 3
    for seed in SEEDS:
        for dtype in ("float32", "float64", "int64", "bool"):
            for p in (0.5, 0.2, 0.0, 1.0):
                cases.append(case(f"bernoulli_({p}) {dtype} 50", seed, lambda: bernoulli_scalar(dtype, 50, p)))
        for dtype in ("float32", "float64"):
            cases.append(case(f"bernoulli(probs) {dtype}", seed, lambda: bernoulli_tensor(dtype, probabilities)))
            for lambd in (1.0, 2.5):
                cases.append(case(f"exponential_({lambd}) {dtype} 20", seed, lambda: exponential(dtype, 20, lambd)))
    return cases


def sequence_cases():
    """Several calls after one seed: the stream and the normal cache carry over."""
    cases = []
    for seed in SEEDS:
        cases.append(case("rand 3, randn 5, rand 17", seed,
                          lambda: rand("float32", 3), lambda: randn("float32", 5), lambda: rand("float32", 17)))
        cases.append(case("cached normal across calls and dtypes", seed,
                          lambda: randn("float32", 3), lambda: randn("float32", ()),
                          lambda: randn("float64", 1), lambda: randn("float64", 2),
                          lambda: randn("float32", 16), lambda: randn("float32", 1),
                          lambda: rand("float64", 2), lambda: randn("float64", 1)))
        cases.append(case("manual_seed clears the normal cache", seed,
                          lambda: randn("float32", 1), lambda: manual_seed(seed),
                          lambda: randn("float32", 1), lambda: randn("float32", 1)))
        cases.append(case("mixed kinds", seed,
                          lambda: randint("int64", 4, 0, 10), lambda: randperm(6), lambda: randn("float64", 17),
                          lambda: multinomial("float32", [[0.2, 0.3, 0.5]], 2, False),
                          lambda: randn("float32", 7, 1.0, 3.0),
                          lambda: multinomial("float64", [[0.2, 0.3, 0.5]], 4, True),
                          lambda: bernoulli_scalar("float32", 5, 0.3), lambda: rand("float32", 33),
                          lambda: randint("int64", 3, -2**40, 2**40), lambda: randn("float32", 2)))
    return cases


def error_cases():
    """PyTorch's messages for rejected arguments (the call draws nothing first)."""
    calls = [
        ({"op": "uniform", "dtype": "float32", "from": 2.0, "to": 1.0}, lambda: torch.empty(3).uniform_(2, 1)),
        ({"op": "uniform", "dtype": "float64", "from": 2.5, "to": 1.25},
         lambda: torch.empty(3, dtype=torch.float64).uniform_(2.5, 1.25)),
        ({"op": "uniform", "dtype": "float32", "from": 0.0, "to": 1e39}, lambda: torch.empty(3).uniform_(0, 1e39)),
        ({"op": "uniform", "dtype": "float32", "from": -3.4e38, "to": 3.4e38},
         lambda: torch.empty(3).uniform_(-3.4e38, 3.4e38)),
        ({"op": "normal", "dtype": "float32", "mean": 0.0, "std": -1.0}, lambda: torch.empty(3).normal_(0, -1)),
        ({"op": "normal", "dtype": "float64", "mean": 0.0, "std": -0.5},
         lambda: torch.empty(3, dtype=torch.float64).normal_(0, -0.5)),
        ({"op": "randint", "dtype": "int64", "low": 5, "high": 5}, lambda: torch.randint(5, 5, (3,))),
        ({"op": "randint", "dtype": "float32", "low": 5, "high": 2},
         lambda: torch.randint(5, 2, (3,), dtype=torch.float32)),
        ({"op": "randperm", "count": -1}, lambda: torch.randperm(-1)),
        ({"op": "multinomial", "dtype": "float32", "probabilities": [0.5, 0.5], "numSamples": 0, "replacement": False},
         lambda: torch.multinomial(torch.tensor([0.5, 0.5]), 0)),
        ({"op": "multinomial", "dtype": "float32", "probabilities": [0.5, 0.5], "numSamples": 3, "replacement": False},
         lambda: torch.multinomial(torch.tensor([0.5, 0.5]), 3)),
        ({"op": "multinomial", "dtype": "float32", "probabilities": [0.5, -0.5], "numSamples": 1, "replacement": True},
         lambda: torch.multinomial(torch.tensor([0.5, -0.5]), 1, True)),
        ({"op": "multinomial", "dtype": "float32", "probabilities": [0.5, -0.5], "numSamples": 2, "replacement": True},
         lambda: torch.multinomial(torch.tensor([0.5, -0.5]), 2, True)),
        ({"op": "multinomial", "dtype": "float32", "probabilities": [0.5, float("inf")], "numSamples": 2, "replacement": True},
         lambda: torch.multinomial(torch.tensor([0.5, float("inf")]), 2, True)),
        ({"op": "multinomial", "dtype": "float32", "probabilities": [0.0, 0.0], "numSamples": 1, "replacement": False},
         lambda: torch.multinomial(torch.tensor([0.0, 0.0]), 1)),
        ({"op": "bernoulliScalar", "dtype": "float32", "p": 1.5}, lambda: torch.empty(3).bernoulli_(1.5)),
        ({"op": "bernoulliTensor", "dtype": "float32", "probabilities": [0.5, 1.5]},
         lambda: torch.bernoulli(torch.tensor([0.5, 1.5]))),
        ({"op": "exponential", "dtype": "float32", "lambda": -1.0}, lambda: torch.empty(3).exponential_(-1)),
    ]
    cases = []
    for arguments, call in calls:
        try:
            call()
            raise SystemExit(f"expected an error from {arguments}")
        except RuntimeError as error:
            message = str(error).splitlines()[0]
        encoded = {k: (float(v).hex() if isinstance(v, float) else
                       [float(x).hex() for x in v] if isinstance(v, list) else v)
                   for k, v in arguments.items()}
        cases.append(dict(encoded, message=message))
    return cases


FILES = {
    "errors.json": error_cases,
    "uniform.json": uniform_cases,
    "normal.json": normal_cases,
    "integers.json": integer_cases,
    "randperm.json": permutation_cases,
    "multinomial.json": multinomial_cases,
    "bernoulli_exponential.json": bernoulli_exponential_cases,
    "sequences.json": sequence_cases,
}


def main():
    try:
        folder = os.path.dirname(os.path.abspath(__file__))
    except NameError:  # run through `pt`, which passes the script with -c
        folder = os.getcwd()
    for name, make in FILES.items():
        cases = make()
        with open(os.path.join(folder, name), "w") as f:
            f.write("[\n")
            f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
            f.write("\n]\n")
        print(f"{name}: {len(cases)} cases, torch {torch.__version__}")


main()
