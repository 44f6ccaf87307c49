#include "CMallocConf.h"

// jemalloc reads this variable when it starts (before `main`: the loader's first malloc), as
// it reads the MALLOC_CONF environment variable, which still overrides it.
//
// Deeper per-thread caches of small objects. A scalar chain of ops frees tensors in the Lua
// collector's batches of hundreds while every step allocates a tensor, a storage and a graph
// node; jemalloc's default caches (at most 200 objects of a size, usually far fewer) spilled
// each batch back to the arena and refilled it a few ops later, about a tenth of every small
// op's instructions and more of its time (the flushes miss the cache). Up to 32 slabs' worth
// (at most 1024 objects) of each size are kept instead: a few megabytes per busy thread at
// most. Measured in docs/performance.md, ninth round.
const char *malloc_conf = "tcache_nslots_small_max:1024,lg_tcache_nslots_mul:5";
