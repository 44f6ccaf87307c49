# What the d2l examples' PyTorch twins share: the book's d2l/torch.py (1.0.3) helpers for
# chapters 3-5, in plain torch, doing what LuaGrad's `require "d2l"` does, in the same order
# (Sources/LuaGrad/Lua/d2l.lua). Each twin starts with `from d2l_twin import *`: scripts/oracle
# puts Tests/examples/support on the module path. It lives in support/ so that regenerate,
# which runs every Tests/examples/*.py, does not take it for a twin.
import os
import torch
from torch import nn
from torch.nn import functional as F


def repo_file(relative):
    """The path of `relative` in the repository that contains the current directory."""
    here = os.getcwd()
    while True:
        candidate = os.path.join(here, relative)
        if os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            raise FileNotFoundError(relative + " (run from inside the repository)")
        here = parent


class HyperParameters:
    def save_hyperparameters(self, values):
        self.hparams = dict(values)
        for k, v in values.items():
            setattr(self, k, v)


class ProgressBoard(HyperParameters):
    """Prints each averaged point as LuaGrad's d2l.ProgressBoard does."""
    def __init__(self, fmt="%.4f"):
        self.xlabel, self.fmt, self.display = None, fmt, True
        self.raw_points, self.data = {}, {}

    def draw(self, x, y, label, every_n=1):
        if torch.is_tensor(y):
            y = y.item()
        if label not in self.raw_points:
            self.raw_points[label], self.data[label] = [], []
        points, line = self.raw_points[label], self.data[label]
        points.append((x, y))
        if len(points) != every_n:
            return
        sx, sy = 0, 0
        for p in points:
            sx, sy = sx + p[0], sy + p[1]
        point = (sx / len(points), sy / len(points))
        line.append(point)
        points.clear()
        if not self.display:
            return
        print(("%s %.2f  %s " + self.fmt) % (self.xlabel or "x", point[0], label, point[1]))


class Module(nn.Module, HyperParameters):
    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.plot_train_per_epoch = plot_train_per_epoch
        self.plot_valid_per_epoch = plot_valid_per_epoch
        self.board = ProgressBoard()

    def forward(self, X):
        return self.net(X)

    def plot(self, key, value, train):
        self.board.xlabel = 'epoch'
        if train:
            x = self.trainer.train_batch_idx / self.trainer.num_train_batches
            n = self.trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = self.trainer.epoch + 1
            n = self.trainer.num_val_batches / self.plot_valid_per_epoch
        self.board.draw(x, value.detach().item(), ('train_' if train else 'val_') + key, every_n=int(n))

    def training_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('loss', l, train=True)
        return l

    def validation_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('loss', l, train=False)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)


class DataModule(HyperParameters):
    def __init__(self, root='../data'):
        self.root = root

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        tensors = tuple(a[indices] for a in tensors)
        dataset = torch.utils.data.TensorDataset(*tensors)
        return torch.utils.data.DataLoader(dataset, self.batch_size, shuffle=train)


class Trainer(HyperParameters):
    def __init__(self, max_epochs, gradient_clip_val=0):
        self.save_hyperparameters(dict(max_epochs=max_epochs, gradient_clip_val=gradient_clip_val))

    def prepare_data(self, data):
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = len(self.val_dataloader) if self.val_dataloader is not None else 0

    def prepare_model(self, model):
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        self.model = model

    def fit(self, model, data):
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        for self.epoch in range(self.max_epochs):
            self.fit_epoch()

    def prepare_batch(self, batch):
        return batch

    def fit_epoch(self):
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            self.optim.zero_grad()
            with torch.no_grad():
                loss.backward()
                if self.gradient_clip_val > 0:
                    self.clip_gradients(self.gradient_clip_val, self.model)
                self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        for batch in self.val_dataloader:
            with torch.no_grad():
                self.model.validation_step(self.prepare_batch(batch))
            self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val, model):
        params = [p for p in model.parameters() if p.requires_grad and p.grad is not None]
        norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
        if norm > grad_clip_val:
            for param in params:
                param.grad.mul_(grad_clip_val / norm)


class SyntheticRegressionData(DataModule):
    def __init__(self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32):
        super().__init__()
        self.save_hyperparameters(dict(w=w, b=b, noise=noise, num_train=num_train,
                                       num_val=num_val, batch_size=batch_size))
        n = num_train + num_val
        self.X = torch.randn(n, len(w))
        noise = torch.randn(n, 1) * noise
        self.y = torch.matmul(self.X, w.reshape((-1, 1))) + b + noise

    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class SGD(HyperParameters):
    def __init__(self, params, lr):
        self.save_hyperparameters(dict(params=params, lr=lr))

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class LinearRegressionScratch(Module):
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters(dict(num_inputs=num_inputs, lr=lr, sigma=sigma))
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X):
        return torch.matmul(X, self.w) + self.b

    def loss(self, y_hat, y):
        l = (y_hat - y) ** 2 / 2
        return l.mean()

    def configure_optimizers(self):
        return SGD([self.w, self.b], self.lr)


class LinearRegression(Module):
    def __init__(self, lr):
        super().__init__()
        self.save_hyperparameters(dict(lr=lr))
        self.net = nn.LazyLinear(1)
        self.net.weight.data.normal_(0, 0.01)
        self.net.bias.data.fill_(0)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        return nn.MSELoss()(y_hat, y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self):
        return (self.net.weight.data, self.net.bias.data)


class Classifier(Module):
    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot('loss', self.loss(Y_hat, batch[-1]), train=False)
        self.plot('acc', self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(self, Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        preds = Y_hat.argmax(axis=1).type(Y.dtype)
        compare = (preds == Y.reshape(-1)).type(torch.float32)
        return compare.mean() if averaged else compare

    def loss(self, Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')


class SoftmaxRegression(Classifier):
    def __init__(self, num_outputs, lr):
        super().__init__()
        self.save_hyperparameters(dict(num_outputs=num_outputs, lr=lr))
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)


DIGITS_NUM_TRAIN = 1437


def load_digits():
    """The digits LuaGrad compiles in: images (1797, 1, 8, 8) / 16, labels 0..9 (LuaGrad's 1..10)."""
    rows = [[int(v) for v in line.split(',')] for line in open(repo_file('Sources/LuaGrad/Data/digits.csv')) if line.strip()]
    pixels = torch.tensor([r[:64] for r in rows], dtype=torch.float32)
    labels = torch.tensor([r[64] for r in rows], dtype=torch.int64)
    return pixels.reshape(-1, 1, 8, 8) / 16, labels


class Digits(DataModule):
    def __init__(self, batch_size=64):
        super().__init__()
        self.batch_size = batch_size
        X, y = load_digits()
        n = DIGITS_NUM_TRAIN
        self.train = torch.utils.data.TensorDataset(X[:n].contiguous(), y[:n].contiguous())
        self.val = torch.utils.data.TensorDataset(X[n:].contiguous(), y[n:].contiguous())

    def get_dataloader(self, train):
        data = self.train if train else self.val
        return torch.utils.data.DataLoader(data, self.batch_size, shuffle=train)
