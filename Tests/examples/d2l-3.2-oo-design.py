from d2l_twin import *  # the book's helpers: Tests/examples/support/d2l_twin.py

# D2L 3.2: object-oriented design for implementation.
def add_to_class(Class):
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
    return wrapper

class A:
    def __init__(self):
        self.b = 1
a = A()
@add_to_class(A)
def do(self):
    print('Class attribute "b" is %d' % self.b)
a.do()

class B(HyperParameters):
    def __init__(self, a, b, c):
        self.save_hyperparameters(dict(a=a, b=b))
        print("self.a = %d self.b = %d" % (self.a, self.b))
        print("There is no self.c = %s" % ("true" if not hasattr(self, 'c') else "false"))
_ = B(1, 2, 3)

board = ProgressBoard()
board.xlabel = 'x'
for x in torch.arange(0, 10, 0.1):
    x = x.item()
    board.draw(x, math.sin(x), 'sin', every_n=10)
    board.draw(x, math.cos(x), 'cos', every_n=20)
