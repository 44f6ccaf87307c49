-- D2L 3.5: concise linear regression, 1000 examples × 2 in a shuffled DataLoader of
-- batches of 10, nn.Linear, nn.MSELoss, optim.SGD; one epoch per unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local nn, data = torch.nn, torch.utils.data
torch.manual_seed(0)
local X = torch.randn(1000, 2)
local y = torch.matmul(X, torch.tensor{{2}, {-3.4}}) + 4.2 + torch.randn(1000, 1) * 0.01
local loader = data.DataLoader(data.TensorDataset(X, y), {batch_size = 10, shuffle = true})
local net, loss_fn = nn.Linear(2, 1), nn.MSELoss()
local opt = torch.optim.SGD(net:parameters(), {lr = 0.03})
bench.run("d2l35_epoch", 10, bench.epoch(loader, net, loss_fn, opt))
