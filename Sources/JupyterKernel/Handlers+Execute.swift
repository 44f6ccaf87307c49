import LuaGrad

// MARK: - execute_request

extension Kernel {
    /// Runs a cell: `execute_input`, the cell's output as it is written, then its value as
    /// `execute_result` (or the error), then the reply.
    func execute(_ request: Message) {
        let code = request.content["code"] as? String ?? ""
        let silent = request.content["silent"] as? Bool ?? false
        let storeHistory = (request.content["store_history"] as? Bool ?? true) && !silent
        if storeHistory { executionCount += 1 }
        let count = executionCount
        if !silent {
            publisher.publish("execute_input", ["code": code, "execution_count": count], parent: request)
        }
        let outcome: LuaSide.Outcome
        do {
            let cell = try lua.compile(code, name: "In[\(count)]")
            cellRunning.withLock { $0 = true }
            defer { cellRunning.withLock { $0 = false } }
            outcome = try lua.run(cell)
        } catch {
            let failure = Self.errorContent(error)
            output.flush()
            if !silent { publisher.publish("error", failure, parent: request) }
            reply("execute_reply", failure.merging(["status": "error", "execution_count": count]) { $1 },
                  to: request, on: shell)
            return
        }
        output.flush()
        if !silent, let text = outcome.text {
            var result = Self.bundle(text: text, svg: outcome.svg)
            result["execution_count"] = count
            publisher.publish("execute_result", result, parent: request)
        }
        reply("execute_reply", [
            "status": "ok", "execution_count": count, "user_expressions": [String: Any](), "payload": [Any](),
        ], to: request, on: shell)
    }

    /// `ename`, `evalue` and `traceback` of a failed cell: the Lua message, then the lines of
    /// its stack traceback.
    static func errorContent(_ error: Error) -> JSONObject {
        guard let error = error as? ScriptError else {
            return ["ename": "Error", "evalue": "\(error)", "traceback": ["\(error)"]]
        }
        let name: String
        switch error.kind {
        case .syntax: name = "SyntaxError"
        case .cancelled: name = "Interrupted"
        case .memoryLimit, .memory: name = "MemoryError"
        case .timeout, .instructionLimit: name = "LimitError"
        default: name = "LuaError"
        }
        let message = error.kind == .cancelled ? "interrupted!" : error.message
        var lines = [message]
        if !error.traceback.isEmpty { lines += error.traceback.split(separator: "\n").map(String.init) }
        return ["ename": name, "evalue": message, "traceback": lines]
    }
}
