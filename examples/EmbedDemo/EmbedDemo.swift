// EmbedDemo: a Swift program that embeds LuaGrad.
//
// Swift makes the data and the parameters, hands them to a Lua training script (linear
// regression with SGD) running in a sandboxed host under memory, instruction and time limits,
// and reads the trained parameters back: the very tensors it handed over, trained in place.
// Then it shows what the limits do to a runaway script, and that the host survives them.
//
//   swift run EmbedDemo
import Autograd
import LuaGrad

/// The training loop, in Lua. `data` and `params` come from Swift; `report` is a Swift function.
let trainingScript = """
    local epochs, lr = ...
    local x, y = data.x, data.y
    local w, b = params.w, params.b
    for epoch = 1, epochs do
      local prediction = torch.matmul(x, w) + b
      local loss = ((prediction - y) ^ 2):mean()
      loss:backward()
      torch.no_grad(function()
        w:sub_(lr * w.grad)
        b:sub_(lr * b.grad)
      end)
      w.grad = nil
      b.grad = nil
      if epoch == 1 or epoch == 10 or epoch == 50 or epoch == epochs then report(epoch, loss:item()) end
    end
    print(string.format("trained %d epochs", epochs))
    return w:item(), b:item()
    """

/// Collects what the script reports (a class, so the registered closure can append to it).
final class TrainingLog {
    var lines: [String] = []
}

/// `value` with exactly `places` decimals ("3.000"), without Foundation.
func fixed(_ value: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var fraction = String(Int(scaled) - whole * Int(scale))
    while fraction.count < places { fraction = "0" + fraction }
    let sign = value < 0 && scaled != 0 ? "-" : ""
    return places == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}

@main
struct EmbedDemo {
    static func main() throws {
        // 1. Data (y = 3x + 2) and parameters, made in Swift.
        let inputs = (0..<100).map { Float($0) / 100 }
        let x = try Tensor(inputs, shape: [100, 1])
        let y = try Tensor(inputs.map { 3 * $0 + 2 }, shape: [100, 1])
        let w = try Tensor.zeros([1, 1])
        let b = try Tensor.zeros([1])
        try w.setRequiresGrad(true)
        try b.setRequiresGrad(true)

        // 2. A sandboxed host under limits; its print goes through Swift.
        let host = try ScriptHost(
            options: .init(
                output: { text in print("  lua: " + text, terminator: "") },
                sandbox: true,
                memoryLimit: 64 << 20,
                instructionLimit: 5_000_000,
                timeout: .seconds(10)))
        defer { host.close() }

        // 3. Hand the tensors over (shared, not copied) and a Swift function to report progress.
        try host.setGlobal("data", LuaValue(["x": .tensor(x), "y": .tensor(y)]))
        try host.setGlobal("params", LuaValue(["w": .tensor(w), "b": .tensor(b)]))
        let log = TrainingLog()
        try host.register(name: "report") { arguments in
            let epoch = arguments.first?.integerValue ?? 0
            let loss = arguments.count > 1 ? arguments[1].numberValue ?? .nan : .nan
            log.lines.append("epoch \(epoch): loss \(fixed(loss, 4))")
            return []
        }

        // 4. Train, and read the parameters back: the same tensors, trained in place.
        print("training y = 3x + 2 in Lua")
        let results = try host.run(string: trainingScript, name: "train.lua", arguments: [500, 0.5])
        for line in log.lines { print("  " + line) }
        print("w = \(fixed(w.element(0), 3)), b = \(fixed(b.element(0), 3))")
        print("the script returned w = \(fixed(results[0].numberValue ?? .nan, 3)), b = \(fixed(results[1].numberValue ?? .nan, 3))")

        // 5. What the limits and the sandbox do to misbehaving scripts; the host carries on.
        let misbehaving = [
            ("runaway.lua", "while true do pcall(function() while true do end end) end"),
            ("greedy.lua", "local keep = {} while true do keep[#keep + 1] = torch.ones(100000) end"),
            ("snoop.lua", "return io.open('/etc/passwd')"),
        ]
        for (name, source) in misbehaving {
            do {
                try host.run(string: source, name: name)
                print("\(name): finished?")
            } catch let error as ScriptError {
                print("\(name): \(error.kind): \(error.message)")
            }
        }
        let check = try host.run(string: "return (params.w * 2):item()", name: "after.lua")
        print("the host still works: 2w = \(fixed(check[0].numberValue ?? .nan, 3))")
    }
}
