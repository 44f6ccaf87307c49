// jemalloc's options for the `luagrad` program (see malloc_conf.c). Nothing here is called:
// linking the target into the program is what sets them.
#ifndef CMALLOCCONF_H
#define CMALLOCCONF_H

extern const char *malloc_conf;

#endif
