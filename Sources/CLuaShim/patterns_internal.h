// The pattern matcher shared by the string functions (patterns_functions.c): its state and
// the calls they make. Private to CLuaShim.
#ifndef LG_PATTERNS_INTERNAL_H
#define LG_PATTERNS_INTERNAL_H

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

/// Matches pattern `p` at `s`; the end of the match, or NULL.
const char *lg_match(Matcher *m, const char *s, const char *p);
/// Pushes capture `i` of a match from `s` to `e` (the whole match when there are none).
void lg_push_capture(Matcher *m, int i, const char *s, const char *e);
/// Pushes every capture of a match (the whole match when there are none); returns how many.
int lg_push_captures(Matcher *m, const char *s, const char *e);
/// Sets up `m` to match pattern `p` (`lp` bytes) in subject `s` (`ls` bytes).
void lg_prepare(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp);
/// Resets the captures and the recursion budget before the next attempt.
void lg_restart(Matcher *m);

#endif
