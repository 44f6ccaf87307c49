from d2l_twin import *  # the book's helpers: Tests/examples/support/d2l_twin.py

# D2L 5.6: dropout, on the 8x8 digits.
def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1: return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)

torch.manual_seed(0)
X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
for p, s in ((0, "0"), (0.5, "0.5"), (1, "1")):
    print('dropout_p = ' + s + ':')
    print(dropout_layer(X, p))

class DropoutMLPScratch(Classifier):
    def __init__(self, num_outputs, num_hiddens_1, num_hiddens_2, dropout_1, dropout_2, lr):
        super().__init__()
        self.save_hyperparameters(dict(num_outputs=num_outputs, num_hiddens_1=num_hiddens_1, num_hiddens_2=num_hiddens_2,
                                       dropout_1=dropout_1, dropout_2=dropout_2, lr=lr))
        self.lin1 = nn.LazyLinear(num_hiddens_1)
        self.lin2 = nn.LazyLinear(num_hiddens_2)
        self.lin3 = nn.LazyLinear(num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((X.shape[0], -1))))
        if self.training:
            H1 = dropout_layer(H1, self.dropout_1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, self.dropout_2)
        return self.lin3(H2)

hparams = {'num_outputs': 10, 'num_hiddens_1': 64, 'num_hiddens_2': 64, 'dropout_1': 0.2, 'dropout_2': 0.5, 'lr': 0.1}
model = DropoutMLPScratch(**hparams)
# Losses to three decimals, as the Lua example prints them (see there why).
model.board.fmt = '%.3f'
data = Digits(batch_size=256)
trainer = Trainer(max_epochs=8)
trainer.fit(model, data)

class DropoutMLP(Classifier):
    def __init__(self, num_outputs, num_hiddens_1, num_hiddens_2, dropout_1, dropout_2, lr):
        super().__init__()
        self.save_hyperparameters(dict(num_outputs=num_outputs, num_hiddens_1=num_hiddens_1, num_hiddens_2=num_hiddens_2,
                                       dropout_1=dropout_1, dropout_2=dropout_2, lr=lr))
        self.net = nn.Sequential(
            nn.Flatten(), nn.LazyLinear(num_hiddens_1), nn.ReLU(), nn.Dropout(dropout_1),
            nn.LazyLinear(num_hiddens_2), nn.ReLU(), nn.Dropout(dropout_2), nn.LazyLinear(num_outputs))

model = DropoutMLP(**hparams)
model.board.fmt = '%.3f'
trainer.fit(model, data)
for name, p in model.named_parameters(): print(name, p.shape, sep='\t')
