-- Probability and statistics: the experiments of "Dive into Deep Learning", section 2.6, in Lua.
-- Run it with `luagrad d2l-2.6-probability.lua`; it prints what PyTorch prints.
local Multinomial = torch.distributions.multinomial.Multinomial

torch.manual_seed(0)                  -- PyTorch's generator: the same seed, the same draws

print("-- 2.6.1 A Simple Example: Tossing Coins")
-- The book tosses with Python's random module; torch.rand plays that part here.
local num_tosses = 100
local heads = torch.rand(num_tosses):gt(0.5):sum():item()
local tails = num_tosses - heads
print(string.format("heads, tails:  [%d, %d]", heads, tails))

local fair_probs = torch.tensor({ 0.5, 0.5 })
print(Multinomial(100, fair_probs):sample())
print(Multinomial(100, fair_probs):sample() / 100)

local counts = Multinomial(10000, fair_probs):sample()
print(counts / 10000)

-- The estimates converge to the true probabilities as the number of tosses grows.
counts = Multinomial(1, fair_probs):sample({ 10000 })
local cum_counts = counts:cumsum(1)
local estimates = cum_counts / cum_counts:sum(2, { keepdim = true })
for _, n in ipairs({ 1, 10, 100, 1000, 10000 }) do
  print(string.format("after %5d tosses: P(heads) = %.4f, P(tails) = %.4f",
    n, estimates[{ n, 1 }]:item(), estimates[{ n, 2 }]:item()))
end

print("-- Rolling a die")
-- The same experiment with six outcomes (the book's earlier edition).
local die_probs = torch.ones(6) / 6
print(Multinomial(1, die_probs):sample())
print(Multinomial(10, die_probs):sample())
counts = Multinomial(1000, die_probs):sample()
print(counts / 1000)

-- 500 groups of 10 rolls: relative frequencies after each group.
counts = Multinomial(10, die_probs):sample({ 500 })
cum_counts = counts:cumsum(1)
estimates = cum_counts / cum_counts:sum(2, { keepdim = true })
print(estimates[1])
print(estimates[500])

print("-- 2.6.2 A More Formal Treatment")
-- Sampling category positions directly (1-based in Lua); frequencies approach the weights.
local weights = torch.tensor({ 0.1, 0.2, 0.3, 0.4 })
local draws = torch.multinomial(weights, 10000, { replacement = true })
local frequencies = {}
for k = 1, 4 do frequencies[k] = draws:eq(k):sum():item() / 10000 end
print(string.format("frequencies: %.4f %.4f %.4f %.4f", table.unpack(frequencies)))
print(torch.multinomial(weights, 4))  -- without replacement: a random order of the 4 positions

print("-- 2.6.5 Expectations")
-- The mean and variance of a random variable estimated from samples.
local x = torch.normal(2.0, 3.0, { 100000 }, { dtype = torch.float64 })
print(string.format("mean %.3f, variance %.3f", x:mean():item(), ((x - x:mean()) ^ 2):mean():item()))
local bits = torch.bernoulli(torch.full({ 100000 }, 0.3, { dtype = torch.float64 }))
print(string.format("Bernoulli(0.3): mean %.3f", bits:mean():item()))
