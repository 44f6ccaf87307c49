// The `luagrad` program: run scripts, the REPL and the test runner (DESIGN.md §5).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

exit(Program.main(CommandLine.arguments))
