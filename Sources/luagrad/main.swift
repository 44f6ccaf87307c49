import LuaGrad
import CEditLine
print("luagrad")
