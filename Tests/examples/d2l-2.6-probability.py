# PyTorch twin of examples/d2l-2.6-probability.lua: the same steps, printing the same lines.
# Regenerate the expected output with:
#   scripts/oracle < Tests/examples/d2l-2.6-probability.py > Tests/examples/d2l-2.6-probability.out
# Positions are 1-based in Lua, so the twin adds 1 to sampled category indices.
from torch.distributions.multinomial import Multinomial

torch.manual_seed(0)

print("-- 2.6.1 A Simple Example: Tossing Coins")
num_tosses = 100
heads = torch.rand(num_tosses).gt(0.5).sum().item()
tails = num_tosses - heads
print("heads, tails:  [%d, %d]" % (heads, tails))

fair_probs = torch.tensor([0.5, 0.5])
print(Multinomial(100, fair_probs).sample())
print(Multinomial(100, fair_probs).sample() / 100)

counts = Multinomial(10000, fair_probs).sample()
print(counts / 10000)

counts = Multinomial(1, fair_probs).sample((10000,))
cum_counts = counts.cumsum(dim=0)
estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
for n in (1, 10, 100, 1000, 10000):
    print("after %5d tosses: P(heads) = %.4f, P(tails) = %.4f"
          % (n, estimates[n - 1, 0].item(), estimates[n - 1, 1].item()))

print("-- Rolling a die")
die_probs = torch.ones(6) / 6
print(Multinomial(1, die_probs).sample())
print(Multinomial(10, die_probs).sample())
counts = Multinomial(1000, die_probs).sample()
print(counts / 1000)

counts = Multinomial(10, die_probs).sample((500,))
cum_counts = counts.cumsum(dim=0)
estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
print(estimates[0])
print(estimates[499])

print("-- 2.6.2 A More Formal Treatment")
weights = torch.tensor([0.1, 0.2, 0.3, 0.4])
draws = torch.multinomial(weights, 10000, replacement=True) + 1
frequencies = [draws.eq(k).sum().item() / 10000 for k in range(1, 5)]
print("frequencies: %.4f %.4f %.4f %.4f" % tuple(frequencies))
print(torch.multinomial(weights, 4) + 1)

print("-- 2.6.5 Expectations")
x = torch.normal(2.0, 3.0, (100000,), dtype=torch.float64)
print("mean %.3f, variance %.3f" % (x.mean().item(), ((x - x.mean()) ** 2).mean().item()))
bits = torch.bernoulli(torch.full((100000,), 0.3, dtype=torch.float64))
print("Bernoulli(0.3): mean %.3f" % bits.mean().item())
