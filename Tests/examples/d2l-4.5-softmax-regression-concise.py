from d2l_twin import *  # the book's helpers: Tests/examples/support/d2l_twin.py

# D2L 4.5: concise softmax regression, on the 8x8 digits.
torch.manual_seed(0)
data = Digits(batch_size=256)
model = SoftmaxRegression(num_outputs=10, lr=0.1)
trainer = Trainer(max_epochs=10)
trainer.fit(model, data)
for name, p in model.named_parameters(): print(name, p.shape, sep='\t')

Xv, yv = next(iter(data.val_dataloader()))
print("validation accuracy of the first batch: %.4f" % model.accuracy(model(Xv), yv).item())
