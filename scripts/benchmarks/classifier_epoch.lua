-- A D2L chapter 4-5 classifier: 2048 × 64 inputs in a shuffled DataLoader of batches of 64,
-- Linear(64, 256)-ReLU-Linear(256, 10), nn.CrossEntropyLoss, SGD with momentum 0.9; one epoch
-- per unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local nn, data = torch.nn, torch.utils.data
torch.manual_seed(0)
local X = torch.randn(2048, 64)
local y = torch.randint(1, 11, {2048})
local loader = data.DataLoader(data.TensorDataset(X, y), {batch_size = 64, shuffle = true})
local net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
local loss_fn = nn.CrossEntropyLoss()
local opt = torch.optim.SGD(net:parameters(), {lr = 0.1, momentum = 0.9})
bench.run("classifier_epoch", 5, bench.epoch(loader, net, loss_fn, opt))
