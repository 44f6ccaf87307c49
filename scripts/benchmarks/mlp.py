# A 784→256→10 ReLU MLP, log_softmax loss, one SGD step per unit.
#   mlp.py [NAME [BATCH]]   (default: mlp 64; scripts/bench runs mlp256 as `mlp256 256`)
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run, mlp_step
import torch
name = sys.argv[1] if len(sys.argv) > 1 else "mlp"
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
torch.manual_seed(0)
# About 12 800 examples per timed batch, whatever the batch size.
run(name, max(1, 12800 // batch), mlp_step(batch))
