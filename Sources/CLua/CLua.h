// Lua 5.4's C API, headers only: nothing here links liblua5.4.
//
// Who provides the Lua core depends on the product. The `luagrad` program, EmbedDemo and the
// tests link Debian's liblua5.4 themselves (`linkerSettings` in Package.swift); the Lua module
// (`luagrad.so`, target LuaGradModule) links no Lua at all and uses the core of the `lua5.4`
// that loads it (Debian's interpreter contains the core and exports its symbols), so the
// process never holds two copies of Lua.
//
// The headers are named by their path under /usr/include (Debian's liblua5.4-dev puts them in
// /usr/include/lua5.4/), found through the compiler's default search path: SwiftPM's pkgConfig
// for a system library would also add `-llua5.4` to every link that uses it.
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>
