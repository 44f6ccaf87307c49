// The `luagrad` program: run scripts, the REPL and the test runner (DESIGN.md §5).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// Linked for its malloc, which replaces the C library's for the whole process (CJemalloc.h).
import CJemalloc

exit(Program.main(CommandLine.arguments))
