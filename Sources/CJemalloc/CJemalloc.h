// jemalloc (Debian's libjemalloc-dev) replaces the C library's malloc for the `luagrad`
// program: linked into the executable, it comes before libc in symbol lookup, so Swift
// objects, Lua values and tensor buffers all use it. Small-tensor workloads allocate and free
// several small objects per op; glibc's malloc spent ~30% of such a profile consolidating
// free chunks, jemalloc's per-thread size-class caches a fraction of that.
//
// Nothing is declared here: importing the module is what links the library.
