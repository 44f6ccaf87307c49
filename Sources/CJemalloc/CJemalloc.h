// jemalloc (Debian's libjemalloc-dev) replaces the C library's malloc for the `luagrad`
// program: linked into the executable, it comes before libc in symbol lookup, so Swift
// objects, Lua values and tensor buffers all use it. Small-tensor workloads allocate and free
// several small objects per op; glibc's malloc spent ~30% of such a profile consolidating
// free chunks, jemalloc's per-thread size-class caches about a tenth of that.
#include <stddef.h>

/// jemalloc's control interface, used to confirm the allocator is in place (`luagrad --version`).
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
