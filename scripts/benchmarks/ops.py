# PyTorch's twin of ops.lua: the same ops on the same shapes, forward only, no graph.
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from common import best_time
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_grad_enabled(False)
x, y = torch.randn(256, 1024), torch.randn(256, 1024)
positive = torch.rand(256, 1024) + 0.1
labels = torch.randint(0, 1024, (256,))
ops = [
    ("add", lambda: x + y), ("mul", lambda: x * y), ("div", lambda: x / y), ("exp", lambda: torch.exp(x)),
    ("log", lambda: torch.log(positive)), ("sqrt", lambda: torch.sqrt(positive)),
    ("sigmoid", lambda: torch.sigmoid(x)), ("tanh", lambda: torch.tanh(x)), ("relu", lambda: torch.relu(x)),
    ("gelu", lambda: F.gelu(x)), ("pow2", lambda: x ** 2), ("pow3", lambda: x ** 3), ("abs", lambda: x.abs()),
    ("sin", lambda: x.sin()), ("cos", lambda: x.cos()), ("clamp", lambda: x.clamp(-0.5, 0.5)),
    ("where", lambda: torch.where(x > 0, x, y)), ("gt", lambda: x > y),
    ("softmax", lambda: torch.softmax(x, 1)), ("log_softmax", lambda: torch.log_softmax(x, 1)),
    ("cross_entropy", lambda: F.cross_entropy(x, labels)), ("mse_loss", lambda: F.mse_loss(x, y)),
    ("sum", lambda: x.sum()), ("sum_dim0", lambda: x.sum(0)), ("sum_dim1", lambda: x.sum(1)),
    ("mean_dim1", lambda: x.mean(1)), ("var_dim1", lambda: x.var(1)), ("norm", lambda: x.norm()),
    ("max_dim1", lambda: x.max(1)), ("argmax_dim1", lambda: x.argmax(1)), ("max_dim0", lambda: x.max(0)),
    ("cumsum_dim1", lambda: x.cumsum(1)), ("sort_dim1", lambda: x.sort(1)), ("topk5_dim1", lambda: x.topk(5, 1)),
    ("transpose", lambda: x.t().contiguous()), ("cat", lambda: torch.cat([x, y], 0)),
    ("rand", lambda: torch.rand(256, 1024)), ("randn", lambda: torch.randn(256, 1024)),
]
for name, f in ops:
    print(f"OP {name} {best_time(f, 200):.4e}")
