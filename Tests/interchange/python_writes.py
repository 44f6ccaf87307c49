"""Writes .npy and safetensors files the way NumPy and safetensors do, and expected.lua: what
LuaGrad must load from each (dtype after conversion, shape, values in row-major order).
Usage: python python_writes.py DIR"""
import sys, os
import numpy as np
from safetensors.numpy import save_file

out = sys.argv[1]
expected = {"npy": {}, "st": {}}

LUA_DTYPE = {"f": "float32", "b": "bool", "i": "int64", "u": "int64"}

def lua_dtype(a):
    if a.dtype.kind == "f":
        return "float64" if a.dtype.itemsize == 8 else "float32"
    return LUA_DTYPE[a.dtype.kind]

def record(table, name, a):
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype.kind == "b":
        values = ["true" if v else "false" for v in flat]
    elif a.dtype.kind == "f":
        values = [repr(float(v)) for v in flat]
    else:
        values = [str(int(v)) for v in flat]
    table[name] = (lua_dtype(a), list(a.shape), values)

npy = {
    "f4_c": (np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1, None),
    "f8_fortran": (np.asfortranarray(np.arange(12, dtype="<f8").reshape(3, 4) / 7), None),
    "f4_fortran_3d": (np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4)), None),
    "f4_big": (np.arange(5).astype(">f4") * np.float32(1.25), None),
    "f8_big": (np.array([1e-300, -2.5, 1e300], dtype=">f8"), None),
    "i8": (np.arange(-3, 3, dtype="<i8"), None),
    "i4": (np.arange(-4, 4, dtype="<i4").reshape(2, 4), None),
    "i2_big": (np.array([-300, 5, 1000], dtype=">i2"), None),
    "i1": (np.array([-128, 0, 127], dtype="i1"), None),
    "u1": (np.arange(250, 256, dtype="u1"), None),
    "u2_big": (np.array([0, 65535], dtype=">u2"), None),
    "u8": (np.array([0, 2**62], dtype="<u8"), None),
    "b1": (np.array([True, False, True]), None),
    "f2": (np.array([0.5, -2, 65504, 1e-7], dtype="<f2"), None),
    "scalar": (np.array(3.5), None),
    "empty": (np.zeros((0, 3), dtype="<f4"), None),
    "v2": (np.arange(4, dtype="<f8"), (2, 0)),
    "v3": (np.arange(3, dtype="<i8"), (3, 0)),
}
for name, (a, version) in npy.items():
    path = os.path.join(out, name + ".npy")
    if version is None:
        np.save(path, a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
    record(expected["npy"], name, a)

tensors = {
    "fc.weight": (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 3,
    "fc.bias": np.array([0.1, -0.2, 0.3], dtype=np.float32),
    "steps": np.array(42, dtype=np.int64),
    "mask": np.array([[True, False], [False, True]]),
    "double": np.array([1 / 3, 2 / 3], dtype=np.float64),
    "empty": np.zeros((0,), dtype=np.float32),
    "half": np.array([1.5, -0.25, 2048], dtype=np.float16),
    "i32": np.array([-7, 2**31 - 1], dtype=np.int32),
    "u8": np.array([0, 128, 255], dtype=np.uint8),
    "i16": np.array([-32768, 32767], dtype=np.int16),
}
save_file(tensors, os.path.join(out, "python.safetensors"), metadata={"format": "np", "note": "from python"})
for name, a in tensors.items():
    record(expected["st"], name, a)

def lua_table(table):
    lines = []
    for name, (dtype, shape, values) in sorted(table.items()):
        lines.append('    ["%s"] = { dtype = "%s", shape = {%s}, values = {%s} },'
                     % (name, dtype, ", ".join(map(str, shape)), ", ".join(values)))
    return "\n".join(lines)

with open(os.path.join(out, "expected.lua"), "w") as f:
    f.write("return {\n  npy = {\n%s\n  },\n  st = {\n%s\n  },\n  metadata = { format = \"np\", note = \"from python\" },\n}\n"
            % (lua_table(expected["npy"]), lua_table(expected["st"])))
