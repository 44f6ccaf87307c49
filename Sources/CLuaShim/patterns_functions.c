// string.find, string.match, string.gmatch and string.gsub over LuaGrad's interruptible
// matcher (patterns.c), installed in place of Lua's own by lg_install_patterns.
#include <ctype.h>
#include <string.h>
#include "patterns_internal.h"

// MARK: - find and match

/// Lua's start position: negative counts from the end, clamped to 1..len+1 (here 0-based).
static size_t lg_start(lua_Integer position, size_t len) {
    if (position > 0) return (size_t)position - 1;
    if (position == 0) return 0;
    if (position < -(lua_Integer)len) return 0;
    return len + (size_t)position;
}

static int lg_has_specials(const char *p, size_t lp) {
    size_t done = 0;
    do {
        if (strpbrk(p + done, "^$*+?.([%-")) return 1;
        done += strlen(p + done) + 1;  // past an embedded NUL
    } while (done <= lp);
    return 0;
}

static const char *lg_find_plain(const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    for (const char *at = s; at <= last; at++) {
        at = memchr(at, *p, (size_t)(last - at) + 1);
        if (at == NULL) return NULL;
        if (memcmp(at + 1, p + 1, lp - 1) == 0) return at;
    }
    return NULL;
}

static int lg_find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t start = lg_start(luaL_optinteger(L, 3, 1), ls);
    if (start > ls) {
        lua_pushnil(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !lg_has_specials(p, lp))) {
        const char *at = lg_find_plain(s + start, ls - start, p, lp);
        if (at != NULL) {
            lua_pushinteger(L, (at - s) + 1);
            lua_pushinteger(L, (at - s) + (lua_Integer)lp);
            return 2;
        }
    } else {
        Matcher m;
        const char *from = s + start;
        int anchor = (*p == '^');
        if (anchor) {
            p++;
            lp--;
        }
        lg_prepare(&m, L, s, ls, p, lp);
        do {
            lg_restart(&m);
            const char *end = lg_match(&m, from, p);
            if (end != NULL) {
                if (find) {
                    lua_pushinteger(L, (from - s) + 1);
                    lua_pushinteger(L, end - s);
                    return lg_push_captures(&m, NULL, 0) + 2;
                }
                return lg_push_captures(&m, from, end);
            }
        } while (from++ < m.src_end && !anchor);
    }
    lua_pushnil(L);
    return 1;
}

static int lg_find(lua_State *L) { return lg_find_or_match(L, 1); }
static int lg_match_function(lua_State *L) { return lg_find_or_match(L, 0); }

// MARK: - gmatch

typedef struct {
    const char *src;
    const char *p;
    const char *lastmatch;
    Matcher m;
} Iteration;

static int lg_gmatch_next(lua_State *L) {
    Iteration *it = (Iteration *)lua_touserdata(L, lua_upvalueindex(3));
    it->m.L = L;
    for (const char *src = it->src; src <= it->m.src_end; src++) {
        lg_restart(&it->m);
        const char *end = lg_match(&it->m, src, it->p);
        if (end != NULL && end != it->lastmatch) {
            it->src = it->lastmatch = end;
            return lg_push_captures(&it->m, src, end);
        }
    }
    return 0;
}

static int lg_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t start = lg_start(luaL_optinteger(L, 3, 1), ls);
    lua_settop(L, 2);  // the subject and the pattern stay alive as upvalues
    Iteration *it = (Iteration *)lua_newuserdatauv(L, sizeof(Iteration), 0);
    if (start > ls) start = ls + 1;
    lg_prepare(&it->m, L, s, ls, p, lp);
    it->src = s + start;
    it->p = p;
    it->lastmatch = NULL;
    lua_pushcclosure(L, lg_gmatch_next, 3);
    return 1;
}

// MARK: - gsub

/// Appends the replacement string (argument 3) with its `%0`..`%9` and `%%` expanded.
static void lg_add_string(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t l;
    const char *text = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = memchr(text, LG_ESC, l)) != NULL) {
        luaL_addlstring(b, text, (size_t)(p - text));
        p++;
        if (*p == LG_ESC) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            int i = *p - '1';
            if (i >= m->level) {
                if (i != 0) luaL_error(L, "invalid capture index %%%d", i + 1);
                luaL_addlstring(b, s, (size_t)(e - s));
            } else {
                ptrdiff_t len = m->capture[i].len;
                if (len == CAP_UNFINISHED) luaL_error(L, "unfinished capture");
                if (len == CAP_POSITION) {
                    lua_pushinteger(L, (m->capture[i].init - m->src_init) + 1);
                    luaL_addvalue(b);
                } else {
                    luaL_addlstring(b, m->capture[i].init, (size_t)len);
                }
            }
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", LG_ESC);
        }
        l -= (size_t)(p + 1 - text);
        text = p + 1;
    }
    luaL_addlstring(b, text, l);
}

/// Appends the replacement of the match `s`..`e`; returns whether it changed the text.
static int lg_add_value(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int type) {
    lua_State *L = m->L;
    switch (type) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = lg_push_captures(m, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        lg_push_capture(m, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        lg_add_string(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int lg_gsub(lua_State *L) {
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int type = lua_type(L, 3);
    lua_Integer most = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION || type == LUA_TTABLE,
                     3, "string/function/table");
    int anchor = (*p == '^');
    lua_Integer count = 0;
    int changed = 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    Matcher m;
    lg_prepare(&m, L, src, ls, p, lp);
    while (count < most) {
        lg_restart(&m);
        const char *e = lg_match(&m, src, p);
        if (e != NULL && e != lastmatch) {
            count++;
            changed = lg_add_value(&m, &b, src, e, type) | changed;
            src = lastmatch = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, count);
    return 2;
}

// MARK: - Installing

static const char lg_original_patterns_key = 0;

static int lg_install_patterns_k(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"find", lg_find}, {"match", lg_match_function}, {"gmatch", lg_gmatch}, {"gsub", lg_gsub}, {NULL, NULL},
    };
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, LUA_STRLIBNAME) != LUA_TTABLE) return 0;
    // Keep Lua's originals where only the host can reach them (the tests compare with them).
    lua_createtable(L, 0, 4);
    for (const luaL_Reg *f = functions; f->name != NULL; f++) {
        lua_getfield(L, -2, f->name);
        lua_setfield(L, -2, f->name);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lg_original_patterns_key);
    luaL_setfuncs(L, functions, 0);
    return 0;
}

int lg_install_patterns(lua_State *L) {
    lua_pushcfunction(L, lg_install_patterns_k);
    return lg_pcall(L, 0, 0, 0);
}

void lg_push_original_patterns(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &lg_original_patterns_key); }
