import LuaGrad

// MARK: - Shell requests

extension Kernel {
    /// Answers one shell request, between `status: busy` and `status: idle` on iopub.
    func handleShell(_ request: Message) {
        publisher.status("busy", parent: request)
        output.attribute(to: request)
        switch request.type {
        case "kernel_info_request":
            reply("kernel_info_reply", Self.kernelInfo, to: request, on: shell)
        case "execute_request":
            execute(request)
        case "complete_request":
            complete(request)
        case "inspect_request":
            inspect(request)
        case "is_complete_request":
            let code = request.content["code"] as? String ?? ""
            let status = lua.completeness(code)
            reply("is_complete_reply", status == "incomplete" ? ["status": status, "indent": "  "] : ["status": status],
                  to: request, on: shell)
        case "comm_info_request":
            reply("comm_info_reply", ["status": "ok", "comms": [String: Any]()], to: request, on: shell)
        case "history_request":
            reply("history_reply", ["status": "ok", "history": [Any]()], to: request, on: shell)
        case "comm_open":
            // No comm targets: close it at once, as the protocol asks.
            let id = request.content["comm_id"] as? String ?? ""
            publisher.publish("comm_close", ["comm_id": id, "data": [String: Any]()], parent: request)
        case "comm_msg", "comm_close":
            break
        default:
            Log.write("unknown shell message '\(request.type)'")
        }
        output.flush()
        publisher.status("idle", parent: request)
    }

    /// The `kernel_info_reply` content.
    static var kernelInfo: JSONObject {
        [
            "status": "ok",
            "protocol_version": "5.3",
            "implementation": "luagrad",
            "implementation_version": ScriptHost.version,
            "language_info": [
                "name": "lua", "version": "5.4", "mimetype": "text/x-lua", "file_extension": ".lua",
                "codemirror_mode": "lua", "pygments_lexer": "lua",
            ],
            "banner": ScriptHost.banner + "\nhelp(f) describes a torch function; display(value) shows a value now.",
            "help_links": [
                ["text": "Lua 5.4 Reference Manual", "url": "https://www.lua.org/manual/5.4/"],
            ],
        ]
    }

    /// A MIME bundle: the text, and the SVG when there is one.
    static func bundle(text: String, svg: String?) -> JSONObject {
        var data: JSONObject = ["text/plain": text]
        if let svg { data["image/svg+xml"] = svg }
        return ["data": data, "metadata": [String: Any]()]
    }

    // MARK: - Completion and inspection

    private func complete(_ request: Message) {
        let code = request.content["code"] as? String ?? ""
        let cursor = Self.byteOffset(code, characterOffset: request.content["cursor_pos"] as? Int ?? code.unicodeScalars.count)
        let completions = lua.complete(code, cursor: cursor)
        reply("complete_reply", [
            "status": "ok", "matches": completions.matches, "metadata": [String: Any](),
            "cursor_start": Self.characterOffset(code, byteOffset: completions.start),
            "cursor_end": Self.characterOffset(code, byteOffset: cursor),
        ], to: request, on: shell)
    }

    private func inspect(_ request: Message) {
        let code = request.content["code"] as? String ?? ""
        let cursor = Self.byteOffset(code, characterOffset: request.content["cursor_pos"] as? Int ?? code.unicodeScalars.count)
        var text: String?
        do { text = try lua.inspect(code, cursor: cursor) } catch { Log.write("inspect failed: \(error)") }
        reply("inspect_reply", [
            "status": "ok", "found": text != nil, "data": text.map { ["text/plain": $0] } ?? [String: Any](),
            "metadata": [String: Any](),
        ], to: request, on: shell)
    }

    // MARK: - Cursor positions

    /// Jupyter counts cursor positions in Unicode code points; Lua in bytes.
    static func byteOffset(_ code: String, characterOffset: Int) -> Int {
        code.unicodeScalars.prefix(max(0, characterOffset)).reduce(0) { $0 + String($1).utf8.count }
    }

    static func characterOffset(_ code: String, byteOffset: Int) -> Int {
        String(decoding: code.utf8.prefix(max(0, byteOffset)), as: UTF8.self).unicodeScalars.count
    }
}
