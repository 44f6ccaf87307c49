from d2l_twin import *  # the book's helpers: Tests/examples/support/d2l_twin.py

# D2L 3.4: linear regression implemented from scratch (d2l_twin.py's classes are the book's).
torch.manual_seed(0)
model = LinearRegressionScratch(2, lr=0.03)
data = SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
trainer = Trainer(max_epochs=3)
trainer.fit(model, data)

with torch.no_grad():
    dw = data.w - model.w.reshape(data.w.shape)
print("error in estimating w: [%.3f, %.3f]" % (dw[0].item(), dw[1].item()))
print("error in estimating b: [%.3f]" % (data.b - model.b.item()))
