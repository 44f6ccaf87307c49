import CLua
import CLuaShim
import Autograd
