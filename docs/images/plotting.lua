-- The figures of docs/plotting.md, drawn with luagrad.plot. From the repository's root:
--   luagrad docs/images/plotting.lua docs/images
--   (cd examples && luagrad d2l-2.4-calculus.lua ../docs/images/plot-calculus.svg)
local plot = require "luagrad.plot"
local dir = arg and arg[1] or "."
torch.manual_seed(0)

-- d2l's formats and scales: the book's activation and loss pictures in one figure.
local x = torch.linspace(-4, 4, 161)
plot.plot(x, { torch.relu(x), torch.sigmoid(x), torch.tanh(x), x:exp():log1p() - 1 }, {
  xlabel = "x", ylabel = "activation", legend = { "ReLU", "sigmoid", "tanh", "softplus - 1" },
  ylim = { -1.5, 3 }, figsize = { 4.5, 3 },
}):save(dir .. "/plot-formats.svg")

-- The object API: subplots with a log axis, a scatter plot and a histogram.
local fig, axes = plot.subplots(1, 3, { figsize = { 10, 2.8 } })
local epochs = torch.arange(1.0, 101.0)
local train = 2 * epochs ^ -0.7 + 0.02 * torch.rand(100)
local valid = 2.2 * epochs ^ -0.6 + 0.05
axes[1]:plot(epochs, train, { label = "train loss" })
axes[1]:plot(epochs, valid, "--", { label = "valid loss" })
axes[1]:set_yscale("log"); axes[1]:set_xlabel("epoch"); axes[1]:legend(); axes[1]:grid()

local points = torch.randn(200, 2)
local y = points[{ {}, 2 }] * 0.5 + points[{ {}, 1 }]
axes[2]:scatter(points[{ {}, 1 }], y, { s = 12, label = "samples" })
axes[2]:plot({ -3, 3 }, { -3, 3 }, "r-", { label = "y = x" })
axes[2]:set_title("scatter"); axes[2]:legend({ loc = "upper left" })

axes[3]:hist(torch.randn(2000), { bins = 30, density = true })
local grid = torch.linspace(-4, 4, 100)
axes[3]:plot(grid, (-(grid ^ 2) / 2):exp() / math.sqrt(2 * math.pi), "k-")
axes[3]:set_title("histogram"); axes[3]:set_xlim(-4, 4)
fig:savefig(dir .. "/plot-subplots.svg")
