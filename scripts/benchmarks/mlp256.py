# A 784→256→10 ReLU MLP, batch 256 (GEMM-bound), log_softmax loss, one SGD step per unit.
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
X = torch.randn(256, 784)
labels = torch.randint(0, 10, (256,))
W1 = (torch.randn(784, 256) * 0.01).requires_grad_()
b1 = torch.zeros(256, requires_grad=True)
W2 = (torch.randn(256, 10) * 0.01).requires_grad_()
b2 = torch.zeros(10, requires_grad=True)
params = [W1, b1, W2, b2]
def step():
    h = torch.relu(X @ W1 + b1)
    logp = torch.log_softmax(h @ W2 + b2, 1)
    loss = -logp.gather(1, labels.reshape(256, 1)).mean()
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= p.grad * 0.1
            p.grad.zero_()
run("mlp256", 60, step)
