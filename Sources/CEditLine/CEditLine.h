// libedit's readline-compatible interface: line editing and history for the REPL.
#include <stdio.h>
#include <editline/readline.h>

// MARK: - Settings Swift cannot reach

// libedit keeps its settings in global variables, which Swift 6 refuses to touch (shared
// mutable state); the REPL sets and reads them on its one thread through these functions.

/// Sets the REPL up: libedit leaves SIGINT to the program (`rl_catch_signals = 0`), reads
/// input with `getc_function`, completes with `complete` (and never falls back to file
/// names), treats `word_breaks` as the characters that end a word, and appends nothing to a
/// completed word.
static inline void lg_edit_configure(int (*getc_function)(FILE *), rl_completion_func_t *complete,
                                     rl_compentry_func_t *no_entries, const char *word_breaks) {
    rl_catch_signals = 0;
    rl_getc_function = getc_function;
    rl_attempted_completion_function = complete;
    rl_completion_entry_function = no_entries;
    rl_completer_word_break_characters = (char *)word_breaks;
    rl_completion_append_character = 0;
}

/// The line being edited (for the completer).
static inline const char *lg_edit_line_buffer(void) { return rl_line_buffer; }

/// Tells libedit not to try its own completions after the completer's.
static inline void lg_edit_completion_done(void) { rl_attempted_completion_over = 1; }
