import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
true_w, true_b = torch.tensor([2, -3.4]), 4.2
X = torch.normal(0, 1, (1000, 2))
y = torch.matmul(X, true_w) + true_b
y = (y + torch.normal(0, 0.01, y.shape)).reshape((-1, 1))
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, batch = 0.03, 10
def step():
    global w, b
    indices = torch.randperm(1000)
    for i in range(0, 1000, batch):
        idx = indices[i:i + batch]
        Xb, yb = X[idx], y[idx]
        l = ((torch.matmul(Xb, w) + b - yb) ** 2 / 2).sum()
        l.backward()
        with torch.no_grad():
            w -= w.grad * lr / batch
            b -= b.grad * lr / batch
            w.grad.zero_(); b.grad.zero_()
run("linreg", 30, step)
