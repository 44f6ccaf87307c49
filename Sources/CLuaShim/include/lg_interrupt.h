// Ctrl-C for interactive hosts (the luagrad REPL): SIGINT stops the running script and leaves
// the host usable.
//
// The handler only does what is safe in a signal handler: it records the stop in the target
// host's limits block (an atomic compare-and-swap; the count hook and the long kernels
// already check it, see lg_limits.h) and counts the signal, so that a line editor waiting for
// input can tell that Ctrl-C was pressed.
#ifndef LG_INTERRUPT_H
#define LG_INTERRUPT_H

#include "lg_limits.h"

/// Installs the SIGINT handler (without SA_RESTART, so a blocking `read` returns EINTR).
/// Returns 0, or -1 with errno set.
int lg_interrupt_install(void);
/// Makes SIGINT stop the script of `limits` (NULL: stop nothing, only count).
void lg_interrupt_set_target(lg_Limits *limits);
/// The number of SIGINTs since the last call, and resets it to 0.
int lg_interrupt_take(void);
/// The number of SIGINTs since the last `lg_interrupt_take`, leaving it as it is.
int lg_interrupt_pending(void);

#endif
