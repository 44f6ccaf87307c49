import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run, epoch
import torch
from torch import nn
torch.manual_seed(0)
X = torch.randn(2048, 64)
y = torch.randint(0, 10, (2048,))
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
run("classifier_epoch", 5, epoch(loader, net, loss_fn, opt))
