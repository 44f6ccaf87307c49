# PyTorch twin of examples/d2l-2.2-preprocessing.lua: the same steps, printing the same lines.
# Regenerate the expected output with:
#   scripts/oracle < Tests/examples/d2l-2.2-preprocessing.py > Tests/examples/d2l-2.2-preprocessing.out
# D2L reads the file with pandas; the oracle has no pandas, so the twin reads it with the csv
# module and prints the frames the way pandas does for this data (and the Lua example does).
import csv
import os
import tempfile

print("-- 2.2.1 Reading the Dataset")
fd, data_file = tempfile.mkstemp()
with os.fdopen(fd, "w") as f:
    f.write('''NumRooms,RoofType,Price
NA,NA,127500
2,NA,106000
4,Slate,178100
NA,NA,140000''')

with open(data_file, newline="") as f:
    rows = list(csv.reader(f))
os.remove(data_file)
names, body = rows[0], rows[1:]
rooms = [float("nan") if r[0] == "NA" else float(r[0]) for r in body]
roof = [None if r[1] == "NA" else r[1] for r in body]
price = [int(r[2]) for r in body]


def cell(v):
    if v is None or v != v:
        return "NaN"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return "%.1f" % v
    return str(v)


def show(names, columns, nrows):
    widths = [max([len(name)] + [len(cell(c[r])) for r in range(nrows)]) for name, c in zip(names, columns)]
    index = len(str(nrows - 1))
    lines = ["  ".join([" " * index] + [name.rjust(w) for name, w in zip(names, widths)])]
    for r in range(nrows):
        lines.append("  ".join([str(r).ljust(index)] + [cell(c[r]).rjust(w) for c, w in zip(columns, widths)]))
    print("\n".join(lines))


show(names, [rooms, roof, price], len(body))

print("-- 2.2.2 Data Preparation")
n = len(body)
slate = [v == "Slate" for v in roof]
no_roof = [v is None for v in roof]
input_names = ["NumRooms", "RoofType_Slate", "RoofType_nan"]
show(input_names, [rooms, slate, no_roof], n)

present = [v for v in rooms if v == v]
mean = sum(present) / len(present)
rooms = [mean if v != v else v for v in rooms]
show(input_names, [rooms, slate, no_roof], n)

print("-- 2.2.3 Conversion to the Tensor Format")
X = torch.tensor([[rooms[r], 1.0 if slate[r] else 0.0, 1.0 if no_roof[r] else 0.0] for r in range(n)], dtype=torch.float64)
y = torch.tensor(price, dtype=torch.float64)
print(X)
print(y)
