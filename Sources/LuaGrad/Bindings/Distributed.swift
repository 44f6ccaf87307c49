#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd
import CLua
import CLuaShim
import CMPIShim
import Synchronization

/// The process's place in an MPI job: `torch.distributed`'s process group (DESIGN.md §9).
///
/// There is one per process, as there is one MPI: Open MPI is opened with `dlopen` when a script
/// calls `init_process_group` (Sources/CMPIShim), so nothing else needs MPI installed. MPI is
/// initialized for serialized threads, and every call goes through `lock`, so hosts on several
/// threads may share the group (one call at a time).
public enum DistributedRuntime {
    /// Serializes every use of MPI and of the state below.
    static let lock = Mutex<Void>(())
    /// This process's rank and the world size, once initialized.
    nonisolated(unsafe) static var rank: Int32 = 0
    nonisolated(unsafe) static var size: Int32 = 1
    /// Whether the default process group exists (initialized and not destroyed).
    nonisolated(unsafe) static var isInitialized = false
    /// Outstanding operations by number (a Lua work object holds its number).
    nonisolated(unsafe) static var works: [Int: DistributedWork] = [:]
    nonisolated(unsafe) static var nextWork = 0

    /// Ends the whole MPI job after an error this process reports (the `luagrad` program calls
    /// it): the other ranks may be waiting for this one in a collective, and only MPI_Abort
    /// frees them. Does nothing when the process is not part of an initialized job.
    public static func abortJobIfInitialized(status: Int32) {
        guard isInitialized else { return }
        lg_mpi_abort(status == 0 ? 1 : status)
    }

    /// Prints `message` and aborts the job (never returns while MPI is initialized).
    static func abortJob(_ message: String) -> Never {
        fflush(nil)
        let line = Array("luagrad: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        lg_mpi_abort(1)
        exit(1)
    }

    /// MPI's text for an error code.
    static func errorText(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 512)
        lg_mpi_error_string(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Registers a started operation and returns its number.
    static func register(_ work: DistributedWork) -> Int {
        nextWork += 1
        works[nextWork] = work
        return nextWork
    }

    /// The operation numbered by the integer at `i`.
    static func work(_ s: LuaStack, _ i: Int32, _ function: String) throws -> (Int, DistributedWork) {
        guard let id = s.integer(i).map(Int.init), let work = works[id] else {
            throw LuaError("\(function): not an outstanding torch.distributed work")
        }
        return (id, work)
    }
}

// MARK: - The Lua functions

/// `torch.distributed._C`: the primitives `distributed.lua` builds the API on.
enum DistributedFunctions {
    /// Adds `torch.distributed = {_C = {...}}` to the module at `module`.
    static func install(_ s: LuaStack, module: Int32) {
        let module = s.absolute(module)
        lg_newtable(s.L)
        let dist = s.top
        lg_newtable(s.L)
        let primitives = s.top
        let functions: [(String, lg_SwiftFunction)] = [
            ("available", available), ("init", initialize), ("finalize", finalize),
            ("is_initialized", isInitialized), ("wait", wait), ("test", test),
        ] + DistributedCollectives.functions
        for (name, function) in functions {
            s.push(function: function)
            s.setField(primitives, name)
        }
        s.setField(dist, "_C")
        s.setField(module, "distributed")
        // DistributedDataParallel waits for its all-reduces in a final callback of the pass.
        lua_getfield_raw(s.L, module, "autograd")
        if s.type(-1) == LUA_TTABLE {
            s.push(function: queueCallback)
            s.setField(-2, "_queue_callback")
        }
        s.pop()
    }

    /// `torch.autograd._queue_callback(fn)`: runs `fn()` once the backward pass now running has
    /// finished (PyTorch's `Variable._execution_engine.queue_callback`).
    static let queueCallback: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard s.type(1) == LUA_TFUNCTION else {
                throw LuaError.badArgument(1, "_queue_callback", expected: "function", got: s.typeName(1))
            }
            let callback = LuaCallback(s.L, 1)
            try Engine.queueCallback { _ = try callback.call([]) }
            return 0
        }
    }

    /// Runs `body` holding the MPI lock.
    static func locked(_ L: OpaquePointer?, _ body: (LuaStack) throws -> Int32) -> Int32 {
        luaEntry(L) { s in try DistributedRuntime.lock.withLock { _ in try body(s) } }
    }

    /// `_C.available()`: true, or false and why Open MPI cannot be loaded.
    static let available: lg_SwiftFunction = { L in
        locked(L) { s in
            var message = [CChar](repeating: 0, count: 512)
            let ok = lg_mpi_open(&message, message.count) != 0
            s.push(ok)
            guard !ok else { return 1 }
            s.push(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return 2
        }
    }

    /// `_C.init()`: opens and initializes MPI; returns the rank and the world size.
    static let initialize: lg_SwiftFunction = { L in
        locked(L) { s in
            var message = [CChar](repeating: 0, count: 512)
            guard lg_mpi_open(&message, message.count) != 0 else {
                throw LuaError(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            guard lg_mpi_finalized() == 0 else {
                throw LuaError("init_process_group: MPI was finalized by destroy_process_group and cannot be initialized again in this process")
            }
            var rank: Int32 = 0, size: Int32 = 0
            let status = lg_mpi_init(&rank, &size)
            guard status == 0 else { throw LuaError("init_process_group: \(DistributedRuntime.errorText(status))") }
            DistributedRuntime.rank = rank
            DistributedRuntime.size = size
            DistributedRuntime.isInitialized = true
            s.push(Int(rank))
            s.push(Int(size))
            return 2
        }
    }

    /// `_C.finalize()`: waits for every outstanding operation, then MPI_Finalize.
    static let finalize: lg_SwiftFunction = { L in
        locked(L) { s in
            let limits = lg_limits_of(s.L)
            for id in DistributedRuntime.works.keys.sorted() {
                try DistributedRuntime.works[id]?.wait(limits: limits)
            }
            DistributedRuntime.works.removeAll()
            DistributedRuntime.isInitialized = false
            let status = lg_mpi_finalize()
            guard status == 0 else { throw LuaError("destroy_process_group: \(DistributedRuntime.errorText(status))") }
            return 0
        }
    }

    static let isInitialized: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(DistributedRuntime.isInitialized)
            return 1
        }
    }

    /// `_C.wait(id)`: waits for the operation; returns the sender's rank for a receive.
    static let wait: lg_SwiftFunction = { L in
        locked(L) { s in
            let (id, work) = try DistributedRuntime.work(s, 1, "wait")
            defer { DistributedRuntime.works[id] = nil }
            try work.wait(limits: lg_limits_of(s.L))
            s.push(Int(work.source))
            return 1
        }
    }

    /// `_C.test(id)`: whether the operation has completed (a completed one is forgotten).
    static let test: lg_SwiftFunction = { L in
        locked(L) { s in
            guard let id = s.integer(1).map(Int.init) else { throw LuaError("is_completed: not a work") }
            guard let work = DistributedRuntime.works[id] else { s.push(true); return 1 }
            let done = try work.test()
            if done { DistributedRuntime.works[id] = nil }
            s.push(done)
            return 1
        }
    }
}
