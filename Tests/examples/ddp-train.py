# PyTorch twin of examples/ddp-train.lua: one process training on the whole global batches,
# which is what DistributedDataParallel on N ranks computes (see the example's comment).
from torch import nn
from torch.utils.data import TensorDataset, DataLoader, DistributedSampler

torch.manual_seed(0)
X = torch.randn(600, 4)
directions = torch.randn(4, 3)
y = (X.matmul(directions)).argmax(1)
dataset = TensorDataset(X, y)

global_batch = 60
sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=0)
loader = DataLoader(dataset, batch_size=global_batch, sampler=sampler)

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(1, 6):
    sampler.set_epoch(epoch)
    total, batches = 0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total, batches = total + loss.detach().item(), batches + 1
    with torch.no_grad():
        accuracy = (model(X).argmax(1).eq(y)).double().mean().item()
    print("epoch %d: loss %.4f, accuracy %.4f" % (epoch, total / batches, accuracy))
