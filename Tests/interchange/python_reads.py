"""Checks what lua_writes.lua wrote, with safetensors.numpy.load_file and numpy.load.
Usage: python python_reads.py DIR"""
import sys, os, json
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

d = sys.argv[1]
failures = []

def same(name, got, want):
    want = np.asarray(want)
    if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
        failures.append(f"{name}: got {got.dtype} {got.shape} {got!r}, want {want.dtype} {want.shape} {want!r}")

grid = np.arange(12, dtype=np.float32).reshape(4, 3)
sd = load_file(os.path.join(d, "state.safetensors"))
same("fc.weight", sd["fc.weight"], grid.T)
same("fc.bias", sd["fc.bias"], np.array([0.5, -1.5, 2.0], dtype=np.float32))
same("steps", sd["steps"], np.array(7, dtype=np.int64))
same("mask", sd["mask"], np.array([[True, False], [False, True]]))
same("double", sd["double"], np.array([1, 2], dtype=np.float64) / 3)
same("empty", sd["empty"], np.zeros((0, 2), dtype=np.float32))
if sorted(sd) != sorted(["fc.weight", "fc.bias", "steps", "mask", "double", "empty"]):
    failures.append(f"state.safetensors names: {sorted(sd)}")
with safe_open(os.path.join(d, "state.safetensors"), "np") as f:
    if f.metadata():
        failures.append(f"a plain state dict has metadata: {f.metadata()}")

nested = load_file(os.path.join(d, "nested.safetensors"))
same("encoder.layer.weight", nested["encoder.layer.weight"], np.ones((2, 2), dtype=np.float32))
same("head", nested["head"], np.zeros(3, dtype=np.float32))

path = os.path.join(d, "optimizer.safetensors")
opt = load_file(path)
same("state.1.step", opt["state.1.step"], np.array(3.0, dtype=np.float32))
same("state.1.exp_avg", opt["state.1.exp_avg"], np.full(2, 0.25, dtype=np.float32))
with safe_open(path, "np") as f:
    meta = f.metadata()
structure = json.loads(meta["luagrad.structure"])
groups = dict((k, v) for k, v in structure["table"])["param_groups"]["table"][0][1]["table"]
group = dict((k, v) for k, v in groups)
if group["lr"] != 0.001 or group["eps"] != 1e-08 or group["amsgrad"] is not False or group["name"] != "all":
    failures.append(f"optimizer param group: {group}")
if meta.get("format") != "pt":
    failures.append(f"optimizer metadata format: {meta}")

bare = load_file(os.path.join(d, "bare.safetensors"))
same("bare tensor", bare["tensor"], grid[1])

same("view.npy", np.load(os.path.join(d, "view.npy")), grid.T)
same("f8.npy", np.load(os.path.join(d, "f8.npy")), np.array([1, 2], dtype=np.float64) / 3)
same("i8.npy", np.load(os.path.join(d, "i8.npy")), np.array([-1, 0, 9007199254740993], dtype=np.int64))
same("b1.npy", np.load(os.path.join(d, "b1.npy")), np.array([True, False, True]))
same("scalar.npy", np.load(os.path.join(d, "scalar.npy")), np.array(2.5, dtype=np.float32))
same("empty.npy", np.load(os.path.join(d, "empty.npy")), np.zeros((0, 3), dtype=np.float32))
for name in ["view.npy", "f8.npy", "scalar.npy"]:
    with open(os.path.join(d, name), "rb") as f:
        major, minor = np.lib.format.read_magic(f)
        header_length = int.from_bytes(f.read(2), "little")
        if (major, minor) != (1, 0) or (10 + header_length) % 64 != 0:
            failures.append(f"{name}: version {major}.{minor}, data at {10 + header_length}")

for failure in failures:
    print("FAIL", failure)
if failures:
    sys.exit(1)
print("ok   Python read 4 safetensors files and 6 .npy files written by Lua")
