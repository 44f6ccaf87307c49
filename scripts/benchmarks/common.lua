-- Shared by the Lua workloads: times `step` (one unit of work) and prints one result line.
-- Marginal time per unit: a warm-up, then `tries` timed batches; the median is reported.
local bench = {}

function bench.run(name, units, step, opts)
  opts = opts or {}
  local tries = opts.tries or 5
  for _ = 1, (opts.warmup or 1) do step() end
  local times = {}
  for t = 1, tries do
    local start = torch.wallclock()
    for _ = 1, units do step() end
    times[t] = (torch.wallclock() - start) / units
  end
  table.sort(times)
  print(string.format("BENCH %s %.9e %d", name, times[(tries + 1) // 2], bench.peak_kb()))
end

--- Peak resident memory of this process in KiB (VmHWM), 0 where /proc is missing.
function bench.peak_kb()
  local f = io.open("/proc/self/status")
  if not f then return 0 end
  local text = f:read("a")
  f:close()
  return tonumber(text:match("VmHWM:%s*(%d+)")) or 0
end

return bench
