-- A 784→256→10 ReLU MLP, log_softmax loss, one SGD step per unit.
--   mlp.lua [NAME [BATCH]]   (default: mlp 64; scripts/bench runs mlp256 as `mlp256 256`)
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local name, batch = arg[1] or "mlp", math.tointeger(tonumber(arg[2])) or 64
torch.manual_seed(0)
-- About 12 800 examples per timed batch, whatever the batch size.
bench.run(name, math.max(1, 12800 // batch), bench.mlp_step(batch))
