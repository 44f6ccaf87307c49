/// What `help` says about the Swift functions of `torch` that are not ops (ops have the op
/// table; the Lua library has `---` doc comments, `LuaDocComments`): a usage line and a doc
/// line for each, by its path under `torch`. `help(torch)` lists them; Tests/lua/test_help.lua
/// walks `torch` and fails for a function that has neither.
enum ModuleReference {
    /// One function: `path` under `torch` (`"autograd.grad"`), other paths to the same
    /// function, its usage and its doc line.
    struct Entry {
        let path: String
        var aliases: [String] = []
        let usage: String
        let doc: String

        /// What `help` prints.
        var helpText: String {
            var lines = [usage, "    " + doc]
            if !aliases.isEmpty { lines.append("    Aliases: " + aliases.map { "torch." + $0 }.joined(separator: ", ")) }
            lines.append("    Not an op (see docs/lua-api.md).")
            return lines.joined(separator: "\n")
        }
    }

    static let entries: [Entry] = module + gradModes + autograd + transforms + others + files + generator

    // MARK: - torch

    private static let module: [Entry] = [
        Entry(path: "manual_seed", usage: "torch.manual_seed(n) -> n",
              doc: "Reseeds this thread's generator (PyTorch's CPU generator) and returns n."),
        Entry(path: "initial_seed", usage: "torch.initial_seed() -> integer", doc: "The seed in use."),
        Entry(path: "is_tensor", usage: "torch.is_tensor(v) -> boolean", doc: "Whether v is a tensor."),
        Entry(path: "numel", usage: "torch.numel(input) -> integer", doc: "The number of elements of input, as input:numel()."),
        Entry(path: "wallclock", usage: "torch.wallclock() -> number",
              doc: "Monotonic seconds, for timing scripts (os.clock is CPU time)."),
        Entry(path: "get_default_dtype", usage: "torch.get_default_dtype() -> dtype", doc: "torch.float32."),
        Entry(path: "Size", usage: "torch.Size(sizes) -> torch.Size", doc: "A torch.Size from a table of sizes."),
        Entry(path: "help", usage: "help(f)",
              doc: "Prints an op's usage and doc line; help(torch) lists the functions, help(x) a tensor's methods."),
    ]

    private static let gradModes: [Entry] = [
        Entry(path: "no_grad", usage: "torch.no_grad(fn) -> fn's results | torch.no_grad() -> guard",
              doc: "Runs fn without recording gradients, or turns recording off until the guard is closed (local g <close> = torch.no_grad())."),
        Entry(path: "enable_grad", usage: "torch.enable_grad(fn) -> fn's results | torch.enable_grad() -> guard",
              doc: "Runs fn with gradient recording on, or turns it on until the guard is closed."),
        Entry(path: "set_grad_enabled", usage: "torch.set_grad_enabled(flag, fn) -> fn's results | torch.set_grad_enabled(flag) -> guard",
              doc: "Runs fn with gradient recording set to flag, or sets it until the guard is closed."),
        Entry(path: "inference_mode", usage: "torch.inference_mode(mode=true, fn) -> fn's results | torch.inference_mode(mode=true) -> guard",
              doc: "Runs fn in inference mode (no recording, no version counting), or enters it until the guard is closed; mode=false changes nothing."),
        Entry(path: "is_grad_enabled", usage: "torch.is_grad_enabled() -> boolean", doc: "Whether gradients are being recorded."),
        Entry(path: "is_inference_mode_enabled", usage: "torch.is_inference_mode_enabled() -> boolean",
              doc: "Whether inference mode is on."),
    ]

    // MARK: - torch.autograd

    private static let autograd: [Entry] = [
        Entry(path: "autograd.grad",
              usage: "torch.autograd.grad(outputs, inputs, {grad_outputs=, retain_graph=, create_graph=, allow_unused=, materialize_grads=}) -> gradients",
              doc: "The gradients of outputs with respect to inputs, one result per input, without touching .grad."),
        Entry(path: "autograd.backward",
              usage: "torch.autograd.backward(tensors, grad_tensors, {retain_graph=, create_graph=, inputs=})",
              doc: "Accumulates the gradients of tensors into the .grad of the leaves, as t:backward() does."),
        Entry(path: "autograd.gradcheck", usage: "torch.autograd.gradcheck(f, inputs, {eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=true}) -> true",
              doc: "Compares the gradients of f with central finite differences; raises (or returns false) at the first mismatch."),
        Entry(path: "autograd.gradgradcheck", usage: "torch.autograd.gradgradcheck(f, inputs, {eps=, atol=, rtol=, raise_exception=}) -> true",
              doc: "gradcheck for second derivatives."),
        Entry(path: "autograd.set_detect_anomaly", usage: "torch.autograd.set_detect_anomaly(flag)",
              doc: "When on, the first NaN gradient is an error naming the node and the Lua traceback of its forward call."),
        Entry(path: "autograd.is_anomaly_enabled", usage: "torch.autograd.is_anomaly_enabled() -> boolean",
              doc: "Whether anomaly detection is on."),
        Entry(path: "autograd.Function", usage: "torch.autograd.Function{forward=function(ctx, ...), backward=function(ctx, ...), name=} -> F",
              doc: "A differentiable function defined by its forward and backward; F.apply(...) runs it."),
        Entry(path: "autograd.forward_ad.dual_level", usage: "torch.autograd.forward_ad.dual_level(fn) | dual_level() -> level",
              doc: "Runs fn inside a forward-mode level, or enters one until the level is closed (local l <close> = dual_level())."),
        Entry(path: "autograd.forward_ad.make_dual", usage: "torch.autograd.forward_ad.make_dual(primal, tangent) -> Tensor",
              doc: "A dual tensor: primal carrying tangent through every op (inside a dual level)."),
        Entry(path: "autograd.forward_ad.unpack_dual", usage: "torch.autograd.forward_ad.unpack_dual(x) -> primal, tangent",
              doc: "The primal and the tangent of a dual tensor (tangent nil for a plain one)."),
    ]

    // MARK: - Transforms

    private static let transforms: [Entry] = [
        Entry(path: "autograd.functional.vjp", usage: "torch.autograd.functional.vjp(func, inputs, v, {create_graph=}) -> output, vᵀJ...",
              doc: "The output of func and the vector-Jacobian product for each input."),
        Entry(path: "autograd.functional.jvp", usage: "torch.autograd.functional.jvp(func, inputs, v, {create_graph=}) -> output, J v",
              doc: "The output of func and the Jacobian-vector product."),
        Entry(path: "autograd.functional.jacobian", usage: "torch.autograd.functional.jacobian(func, inputs, {create_graph=}) -> Jacobian...",
              doc: "One Jacobian per input, each of shape output.shape .. input.shape."),
        Entry(path: "autograd.functional.hessian", usage: "torch.autograd.functional.hessian(func, inputs, {create_graph=}) -> Hessian",
              doc: "The Jacobian of the gradient of a scalar func; with several inputs, one table of blocks per input."),
        Entry(path: "autograd.functional.vhp", aliases: ["autograd.functional.hvp"],
              usage: "torch.autograd.functional.vhp(func, inputs, v, {create_graph=}) -> output, vᵀH",
              doc: "The output of a scalar func and the vector-Hessian product (hvp, H v, is the same for smooth func)."),
        Entry(path: "func.grad", usage: "torch.func.grad(f, {argnums=1, has_aux=false}) -> function",
              doc: "A function returning the gradient of f's scalar result with respect to argument argnums."),
        Entry(path: "func.grad_and_value", usage: "torch.func.grad_and_value(f, {argnums=1, has_aux=false}) -> function",
              doc: "A function returning the gradient and the value of f."),
        Entry(path: "func.vjp", usage: "torch.func.vjp(f, ...primals) -> output, vjp_fn",
              doc: "The output of f and a function mapping cotangents to vᵀJ per primal."),
        Entry(path: "func.jvp", usage: "torch.func.jvp(f, primals, tangents) -> output, J tangents",
              doc: "The output of f and the Jacobian-vector product (forward mode)."),
        Entry(path: "func.jacrev", aliases: ["func.jacfwd"], usage: "torch.func.jacrev(f, {argnums=1}) -> function",
              doc: "A function returning the Jacobian of f."),
        Entry(path: "func.hessian", usage: "torch.func.hessian(f, {argnums=1}) -> function",
              doc: "A function returning the Hessian of f."),
    ]

    // MARK: - Distributions, files, pictures

    private static let others: [Entry] = [
        Entry(path: "distributions.Multinomial", aliases: ["distributions.multinomial.Multinomial"],
              usage: "torch.distributions.Multinomial(total_count, probs) -> distribution",
              doc: "PyTorch's Multinomial: :sample(shape) draws counts as PyTorch draws them (also Multinomial{total_count=, probs=})."),
        Entry(path: "io.read_csv", usage: "torch.io.read_csv(path, {sep=\",\"}) -> table of columns",
              doc: "A CSV file as columns, pandas style: data.columns, data.nrows, data.NAME; numbers with NaN where missing, else strings with nil."),
        Entry(path: "viz.dot", usage: "torch.viz.dot(t) -> string",
              doc: "The Graphviz DOT text of the graph behind t (or behind each tensor of a table)."),
        Entry(path: "viz.svg", usage: "torch.viz.svg(t, path) -> path",
              doc: "Renders the graph behind t to an SVG file with Graphviz's dot program."),
    ]

    private static let files: [Entry] = [
        Entry(path: "save", usage: "torch.save(obj, path, {metadata=nil})",
              doc: "Writes a tensor or a table of tensors (a state dict, or nested tables) as safetensors, atomically (docs/files.md)."),
        Entry(path: "load", usage: "torch.load(path) -> obj, metadata",
              doc: "What torch.save wrote, or any safetensors file as name -> tensor in file order; then the file's metadata."),
        Entry(path: "io.save_npy", usage: "torch.io.save_npy(tensor, path)",
              doc: "Writes a tensor as a NumPy .npy file (numpy.load reads it), atomically."),
        Entry(path: "io.load_npy", usage: "torch.io.load_npy(path) -> Tensor",
              doc: "A tensor from a NumPy .npy file (little-endian, C order)."),
        Entry(path: "io.write_text", usage: "torch.io.write_text(path, text)",
              doc: "Writes a string to a file atomically, inside the granted directory in a sandbox (luagrad.plot saves with it)."),
        Entry(path: "io.load_idx", usage: "torch.io.load_idx(path, {dtype=nil}) -> Tensor",
              doc: "A tensor from an IDX file (MNIST's and Fashion-MNIST's format), its shape and dtype from the header."),
    ]

    // MARK: - Generators

    /// The Swift functions behind generators: `torch.Generator` and the methods of its objects
    /// (found by name in the objects' method table, not under `torch`).
    private static let generator: [Entry] = [
        Entry(path: "Generator", usage: "torch.Generator() -> Generator",
              doc: "A new random generator (PyTorch's CPU generator, seeded with 67280421310721 as PyTorch's is)."),
    ]

    static let generatorMethods: [Entry] = [
        Entry(path: "manual_seed", usage: "g:manual_seed(n) -> g", doc: "Reseeds the generator; returns it, as PyTorch does."),
        Entry(path: "initial_seed", usage: "g:initial_seed() -> integer", doc: "The seed the generator was last seeded with."),
        Entry(path: "seed", usage: "g:seed() -> integer", doc: "Reseeds the generator with a non-deterministic seed and returns it."),
    ]
}
