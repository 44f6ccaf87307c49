-- Writes files for python_reads.py to check: a state dict with views and every dtype, a nested
-- table, an optimizer-style state dict, a bare tensor, and .npy files.
-- Usage: luagrad lua_writes.lua DIR
local dir = ...
local grid = torch.arange(12, { dtype = torch.float32 }):reshape(4, 3)  -- 0..11, rows of 3

torch.save({
  ["fc.weight"] = grid:t(),                                    -- a non-contiguous view: 3x4
  ["fc.bias"] = torch.tensor({ 0.5, -1.5, 2.0 }),
  steps = torch.tensor(7),
  mask = torch.tensor({ { true, false }, { false, true } }),
  double = torch.tensor({ 1, 2 }, { dtype = torch.float64 }) / 3,
  empty = torch.zeros(0, 2),
}, dir .. "/state.safetensors")

torch.save({ encoder = { layer = { weight = torch.ones(2, 2) } }, head = torch.zeros(3) },
  dir .. "/nested.safetensors")

torch.save({
  state = { [1] = { step = torch.tensor(3.0), exp_avg = torch.full({ 2 }, 0.25) } },
  param_groups = { { lr = 0.001, betas = { 0.9, 0.999 }, eps = 1e-08, amsgrad = false, params = { 1 }, name = "all" } },
}, dir .. "/optimizer.safetensors")

torch.save(grid[2], dir .. "/bare.safetensors")                     -- a view: row 2

torch.io.save_npy(grid:t(), dir .. "/view.npy")
torch.io.save_npy(torch.tensor({ 1, 2 }, { dtype = torch.float64 }) / 3, dir .. "/f8.npy")
torch.io.save_npy(torch.tensor({ -1, 0, 9007199254740993 }), dir .. "/i8.npy")
torch.io.save_npy(torch.tensor({ true, false, true }), dir .. "/b1.npy")
torch.io.save_npy(torch.tensor(2.5), dir .. "/scalar.npy")
torch.io.save_npy(torch.zeros(0, 3), dir .. "/empty.npy")
print("ok   Lua wrote 4 safetensors files and 6 .npy files")
