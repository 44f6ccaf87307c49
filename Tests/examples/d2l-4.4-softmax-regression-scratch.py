from d2l_twin import *  # the book's helpers: Tests/examples/support/d2l_twin.py

# D2L 4.4: softmax regression from scratch, on the 8x8 digits.
def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdims=True)
    return X_exp / partition

torch.manual_seed(0)
X = torch.rand((2, 5))
X_prob = softmax(X)
print("%.4f %.4f" % (X_prob[0].sum().item(), X_prob[1].sum().item()))

class SoftmaxRegressionScratch(Classifier):
    def __init__(self, num_inputs, num_outputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters(dict(num_inputs=num_inputs, num_outputs=num_outputs, lr=lr, sigma=sigma))
        self.W = torch.normal(0, sigma, size=(num_inputs, num_outputs), requires_grad=True)
        self.b = torch.zeros(num_outputs, requires_grad=True)

    def parameters(self):
        return [self.W, self.b]

    def forward(self, X):
        X = X.reshape((-1, self.W.shape[0]))
        return softmax(torch.matmul(X, self.W) + self.b)

def cross_entropy(y_hat, y):
    return -torch.log(y_hat.gather(1, y.reshape(-1, 1))).mean()
y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print("cross-entropy: %.4f" % cross_entropy(y_hat, y).item())

SoftmaxRegressionScratch.loss = lambda self, y_hat, y: cross_entropy(y_hat, y)

data = Digits(batch_size=256)
model = SoftmaxRegressionScratch(num_inputs=64, num_outputs=10, lr=0.1)
trainer = Trainer(max_epochs=10)
trainer.fit(model, data)

Xv, yv = next(iter(data.val_dataloader()))
preds = model(Xv).argmax(axis=1)
wrong = (preds != yv).sum().item()
print("wrong predictions in the first validation batch: %d of %d" % (wrong, yv.numel()))
labels, predicted = [str(int(v)) for v in yv], [str(int(v)) for v in preds]
shown = []
for i in range(yv.numel()):
    if labels[i] != predicted[i] and len(shown) < 8:
        shown.append(labels[i] + "->" + predicted[i])
print(" ".join(shown))
