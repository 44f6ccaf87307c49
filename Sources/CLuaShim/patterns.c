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
#include "patterns_internal.h"



const char *lg_match(Matcher *m, const char *s, const char *p);

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
const char *lg_match(Matcher *m, const char *s, const char *p) {
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
void lg_push_capture(Matcher *m, int i, const char *s, const char *e) {
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

int lg_push_captures(Matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) lg_push_capture(m, i, s, e);
    return count;
}

void lg_prepare(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->src_init = s;
    m->src_end = s + ls;
    m->p_end = p + lp;
    m->steps = 0;
}

void lg_restart(Matcher *m) {
    m->level = 0;
    m->depth_left = LG_MAXDEPTH;
}
