// string.find, string.match, string.gmatch and string.gsub with Lua 5.4's pattern semantics,
// written for LuaGrad so that matching can be interrupted.
//
// Lua's own matcher backtracks without bound inside one C call: `("a"):rep(1e5):find(("a*"):rep(20)
// .. "b")` runs for hours, and no hook can stop it because hooks only run between Lua
// instructions. This matcher is the same algorithm (recursive backtracking over the pattern,
// Lua 5.4 manual §6.4.1) with a step counter: every 65 536 steps it asks the host's limits
// whether the script must stop (deadline, cancellation) and raises the stop if so. Results and
// error messages are Lua's, which the test suite checks against the original functions.
#include <ctype.h>
#include <string.h>
#include "limits_internal.h"

enum { LG_MAXCAPTURES = 32, LG_MAXDEPTH = 200, LG_ESC = '%' };
enum { CAP_UNFINISHED = -1, CAP_POSITION = -2 };

typedef struct {
    const char *src_init, *src_end, *p_end;
    lua_State *L;
    int depth_left;
    int level;
    unsigned long steps;
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[LG_MAXCAPTURES];
} Matcher;

static const char *lg_match(Matcher *m, const char *s, const char *p);

/// Counts a step; now and then checks whether the host wants the script stopped.
static void lg_step(Matcher *m) {
    if ((++m->steps & 0xFFFF) != 0) return;
    lg_Limits *limits = lg_limits_of(m->L);
    if (limits == NULL) return;
    int reason = lg_limits_poll(limits);
    if (reason != LG_STOP_NONE) lg_limits_raise(m->L, reason);
}

// MARK: - Character classes

/// Whether `c` is in the class `%cl` (an upper-case letter complements it).
static int lg_class(int c, int cl) {
    int in;
    switch (tolower(cl)) {
    case 'a': in = isalpha(c); break;
    case 'c': in = iscntrl(c); break;
    case 'd': in = isdigit(c); break;
    case 'g': in = isgraph(c); break;
    case 'l': in = islower(c); break;
    case 'p': in = ispunct(c); break;
    case 's': in = isspace(c); break;
    case 'u': in = isupper(c); break;
    case 'w': in = isalnum(c); break;
    case 'x': in = isxdigit(c); break;
    default: return cl == c;
    }
    if (isupper(cl)) in = !in;
    return in;
}

/// Whether `c` is in the set `[...]` spanning `p` (the '[') to `last` (the ']').
static int lg_in_set(int c, const char *p, const char *last) {
    int wanted = 1;
    if (*(p + 1) == '^') {
        wanted = 0;
        p++;
    }
    while (++p < last) {
        if (*p == LG_ESC) {
            p++;
            if (lg_class(c, (unsigned char)*p)) return wanted;
        } else if (*(p + 1) == '-' && p + 2 < last) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p) return wanted;
        } else if ((unsigned char)*p == c) {
            return wanted;
        }
    }
    return !wanted;
}

/// The end of the single-character class starting at `p`.
static const char *lg_class_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == LG_ESC) {
        if (p == m->p_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^') p++;
        do {
            if (p == m->p_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == LG_ESC && p < m->p_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

/// Whether the character at `s` matches the class `p`..`ep`.
static int lg_single(Matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case LG_ESC: return lg_class(c, (unsigned char)*(p + 1));
    case '[': return lg_in_set(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

// MARK: - Pattern items

static const char *lg_balance(Matcher *m, const char *s, const char *p) {
    if (p >= m->p_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (*s != *p) return NULL;
    int open = *p, close = *(p + 1), depth = 1;
    while (++s < m->src_end) {
        lg_step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *lg_longest(Matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t count = 0;
    while (lg_single(m, s + count, p, ep)) {
        lg_step(m);
        count++;
    }
    // Try the longest run first, then shorter ones.
    while (count >= 0) {
        const char *end = lg_match(m, s + count, ep + 1);
        if (end != NULL) return end;
        count--;
    }
    return NULL;
}

static const char *lg_shortest(Matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *end = lg_match(m, s, ep + 1);
        if (end != NULL) return end;
        if (!lg_single(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *lg_open_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    int level = m->level;
    if (level >= LG_MAXCAPTURES) luaL_error(m->L, "too many captures");
    m->capture[level].init = s;
    m->capture[level].len = what;
    m->level = level + 1;
    const char *end = lg_match(m, s, p);
    if (end == NULL) m->level--;
    return end;
}

static const char *lg_close_capture(Matcher *m, const char *s, const char *p) {
    int level = m->level - 1;
    while (level >= 0 && m->capture[level].len != CAP_UNFINISHED) level--;
    if (level < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[level].len = s - m->capture[level].init;
    const char *end = lg_match(m, s, p);
    if (end == NULL) m->capture[level].len = CAP_UNFINISHED;
    return end;
}

/// `%1`..`%9`: the text of an earlier capture again.
static const char *lg_back_reference(Matcher *m, const char *s, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->level || m->capture[index].len == CAP_UNFINISHED)
        luaL_error(m->L, "invalid capture index %%%d", index + 1);
    size_t len = (size_t)m->capture[index].len;
    if ((size_t)(m->src_end - s) >= len && memcmp(m->capture[index].init, s, len) == 0) return s + len;
    return NULL;
}

/// Matches the pattern from `p` against the subject from `s`; returns the end of the match.
static const char *lg_match(Matcher *m, const char *s, const char *p) {
    if (m->depth_left-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        lg_step(m);
        if (p == m->p_end) break;
        const char *ep;
        switch (*p) {
        case '(':
            if (*(p + 1) == ')')
                s = lg_open_capture(m, s, p + 2, CAP_POSITION);
            else
                s = lg_open_capture(m, s, p + 1, CAP_UNFINISHED);
            goto done;
        case ')':
            s = lg_close_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->p_end) goto single;
            s = (s == m->src_end) ? s : NULL;
            goto done;
        case LG_ESC:
            switch (*(p + 1)) {
            case 'b':
                s = lg_balance(m, s, p + 2);
                if (s == NULL) goto done;
                p += 4;
                continue;
            case 'f': {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                ep = lg_class_end(m, p);
                int before = (s == m->src_init) ? '\0' : (unsigned char)*(s - 1);
                int here = (s < m->src_end) ? (unsigned char)*s : '\0';
                if (!lg_in_set(before, p, ep - 1) && lg_in_set(here, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                s = lg_back_reference(m, s, (unsigned char)*(p + 1));
                if (s == NULL) goto done;
                p += 2;
                continue;
            default:
                goto single;
            }
        default:
        single:
            ep = lg_class_end(m, p);
            // `ep` may be `p_end`: Lua strings end in a NUL byte, which is no quantifier.
            if (!lg_single(m, s, p, ep)) {
                if (*ep == '*' || *ep == '?' || *ep == '-') {
                    p = ep + 1;  // zero repetitions are fine
                    continue;
                }
                s = NULL;
                goto done;
            }
            switch (*ep) {
            case '?': {
                const char *end = lg_match(m, s + 1, ep + 1);
                if (end != NULL) {
                    s = end;
                    goto done;
                }
                p = ep + 1;
                continue;
            }
            case '+': s = lg_longest(m, s + 1, p, ep); goto done;
            case '*': s = lg_longest(m, s, p, ep); goto done;
            case '-': s = lg_shortest(m, s, p, ep); goto done;
            default:
                s++;
                p = ep;
                continue;
            }
        }
    }
done:
    m->depth_left++;
    return s;
}

// MARK: - Captures

/// Pushes capture `i` (the whole match `s`..`e` when there are no captures and `i` is 0).
static void lg_push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->capture[i].len;
    if (len == CAP_UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (len == CAP_POSITION)
        lua_pushinteger(m->L, (m->capture[i].init - m->src_init) + 1);
    else
        lua_pushlstring(m->L, m->capture[i].init, (size_t)len);
}

static int lg_push_captures(Matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) lg_push_capture(m, i, s, e);
    return count;
}

static void lg_prepare(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->src_init = s;
    m->src_end = s + ls;
    m->p_end = p + lp;
    m->steps = 0;
}

static void lg_restart(Matcher *m) {
    m->level = 0;
    m->depth_left = LG_MAXDEPTH;
}

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
