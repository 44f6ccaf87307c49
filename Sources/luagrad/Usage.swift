// MARK: - Help text

enum Usage {
    static let line = "usage: luagrad [options] [FILE [ARGS...]] | luagrad run [options] FILE [ARGS...] | luagrad test [options] [PATH...] | luagrad kernel ..."

    static let help = """
        usage: luagrad [options] [FILE [ARGS...]]
               luagrad run [options] FILE [ARGS...]
               luagrad test [options] [PATH...]
               luagrad kernel install [--user | --prefix DIR] | luagrad kernel -f CONNECTION_FILE

        Runs Lua 5.4 scripts with the torch module (`torch`, `require "luagrad"`).

          luagrad FILE [ARGS...]    run FILE; `arg` and `...` hold ARGS (as lua5.4 sets them)
          luagrad run FILE [ARGS...]
                                    the same
          luagrad -e CODE           run CODE; several -e run in order, then FILE if given
          luagrad                   interactive REPL when standard input is a terminal,
                                    otherwise run standard input as a script
          luagrad test [PATH...]    run test_*.lua and *_test.lua files under each PATH
                                    (default .) and end with `N passed, N failed`
          luagrad kernel install    register the Jupyter kernel "LuaGrad (Lua 5.4)" (system-wide;
                                    --user for this user, --prefix DIR under DIR/share/jupyter)
          luagrad kernel -f FILE    run the Jupyter kernel (Jupyter starts it; docs/jupyter.md)

        Options:
          -e CODE         run CODE
          --graph FILE    after the script, draw the graph of its last backward pass
                          as SVG in FILE (needs Graphviz's `dot`)
          -               run standard input as the script
          --              stop handling options
          -h, --help      show this help
          -v, --version   show the version

        Limits (for run, test and -e):
          --sandbox               no io, debug, os (except clock, time, date), file
                                  loading or C modules; text chunks only
          --max-memory SIZE       cap on Lua and tensor memory, e.g. 512MB, 1GB, 100KB
                                  (default: 3/4 of physical memory)
          --max-instructions N    cap on Lua instructions per chunk (test: per file)
          --timeout SECONDS       cap on the running time of each chunk (test: per file)
          A script stopped by a limit exits with status 1 and says which limit it hit.

        Exit status: 0 on success, 1 on a script error or failed tests, 2 on bad usage.
        """
}
