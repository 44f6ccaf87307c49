import Autograd

/// The engine settings that belong to a host rather than to a thread.
///
/// The engine keeps grad mode, the random generator, the memory account and the rest in
/// `ThreadState`, per thread. A host installs its own settings on the calling thread when a
/// call from Swift enters it and takes them back when the call returns, so that
/// - two hosts on one thread do not see each other's `torch.no_grad()` or `manual_seed`;
/// - a host that is used from different threads over its life (one at a time, as a task that
///   hops threads would) keeps its settings, and its memory limit goes on counting the same
///   tensors.
struct EngineSettings {
    var gradEnabled = true
    var inferenceMode = false
    var detectAnomaly = false
    var scriptTraceback: (() -> String)?
    /// Lua counts positions from 1, and engine messages follow.
    var indexBase = 1
    var generator = Generator()
    var warnedOnce: Set<String> = []
    var memoryAccount: (any MemoryAccount)?
    var isCancelled: @Sendable () -> Bool = { false }

    init() {}

    /// The settings `thread` has now.
    init(of thread: ThreadState) {
        gradEnabled = thread.gradEnabled
        inferenceMode = thread.inferenceMode
        detectAnomaly = thread.detectAnomaly
        scriptTraceback = thread.scriptTraceback
        indexBase = thread.indexBase
        generator = thread.generator
        warnedOnce = thread.warnedOnce
        memoryAccount = thread.memoryAccount
        isCancelled = thread.isCancelled
    }

    /// Gives `thread` these settings.
    func install(on thread: ThreadState) {
        thread.gradEnabled = gradEnabled
        thread.inferenceMode = inferenceMode
        thread.detectAnomaly = detectAnomaly
        thread.scriptTraceback = scriptTraceback
        thread.indexBase = indexBase
        thread.generator = generator
        thread.warnedOnce = warnedOnce
        thread.memoryAccount = memoryAccount
        thread.isCancelled = isCancelled
    }
}
