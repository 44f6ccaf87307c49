from d2l_twin import *  # the book's helpers: Tests/examples/support/d2l_twin.py

# D2L 5.2: multilayer perceptrons, on the 8x8 digits.
def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)

class MLPScratch(Classifier):
    def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters(dict(num_inputs=num_inputs, num_outputs=num_outputs, num_hiddens=num_hiddens, lr=lr, sigma=sigma))
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X):
        X = X.reshape((-1, self.num_inputs))
        H = relu(torch.matmul(X, self.W1) + self.b1)
        return torch.matmul(H, self.W2) + self.b2

torch.manual_seed(0)
data = Digits(batch_size=256)
model = MLPScratch(num_inputs=64, num_outputs=10, num_hiddens=64, lr=0.1, sigma=0.1)
trainer = Trainer(max_epochs=10)
trainer.fit(model, data)

class MLP(Classifier):
    def __init__(self, num_outputs, num_hiddens, lr):
        super().__init__()
        self.save_hyperparameters(dict(num_outputs=num_outputs, num_hiddens=num_hiddens, lr=lr))
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_hiddens), nn.ReLU(), nn.LazyLinear(num_outputs))

model = MLP(num_outputs=10, num_hiddens=64, lr=0.1)
trainer.fit(model, data)
for name, p in model.named_parameters(): print(name, p.shape, sep='\t')
