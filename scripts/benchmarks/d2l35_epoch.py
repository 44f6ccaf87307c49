import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run, epoch
import torch
from torch import nn
torch.manual_seed(0)
X = torch.randn(1000, 2)
y = torch.matmul(X, torch.tensor([[2], [-3.4]])) + 4.2 + torch.randn(1000, 1) * 0.01
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=10, shuffle=True)
net, loss_fn = nn.Linear(2, 1), nn.MSELoss()
opt = torch.optim.SGD(net.parameters(), lr=0.03)
run("d2l35_epoch", 10, epoch(loader, net, loss_fn, opt))
