// swift-tools-version: 6.0
// LuaGrad: a Swift autograd engine scripted from Lua 5.4.
//
// Dependencies point one way:
//   COpenBLAS (system OpenBLAS, for matrix products) + CThreadSlots (C thread-locals) -> Autograd
//   CLua (system liblua5.4) + CLuaShim (C trampoline, macro wrappers)
//     -> Autograd (pure Swift engine, knows nothing of Lua)
//     -> LuaGrad (bridge + ScriptHost; the only importer of CLua)
//     -> luagrad (command-line program, with jemalloc as its malloc)
import PackageDescription

// Release builds skip the runtime exclusivity checks: they cost ~8% of a small-tensor op from
// Lua (per-access thread-local bookkeeping), and the bridge never holds an access across a
// call into Lua (DESIGN.md §3). Debug builds and tests keep them.
let releaseSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

// Swift's `Float.squareRoot()` is a C shim (`__builtin_sqrtf`); compiled with C's default
// math-errno it is a call to `sqrtf` that may set errno, which no loop can vectorize (and a
// worker loop may not even inline). Nothing reads errno, so the engine's kernels drop it.
//
// On x86-64 the engine's code is generated for AVX2 with FMA (x86-64-v3: Intel Haswell and AMD
// Excavator/Zen onward). PyTorch's CPU kernels of record are its AVX2 builds, and reproducing
// their fused multiply-adds bit for bit (randn's Box–Muller step) otherwise costs a call to
// `fmaf` per lane; Swift takes its code-generation target from these Clang options. Swift
// never contracts `a * b + c` on its own, so no other result changes.
#if arch(x86_64)
let vectorFlags = ["-Xcc", "-mavx2", "-Xcc", "-mfma"]
#else
let vectorFlags: [String] = []
#endif
let kernelSettings: [SwiftSetting] = releaseSettings + [.unsafeFlags(["-Xcc", "-fno-math-errno"] + vectorFlags)]

let package = Package(
    name: "LuaGrad",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "LuaGrad", targets: ["LuaGrad"]),
        .executable(name: "luagrad", targets: ["luagrad"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CJemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "CThreadSlots"),
        .target(
            name: "Autograd",
            dependencies: ["COpenBLAS", "CThreadSlots"],
            swiftSettings: kernelSettings,
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "LuaGrad",
            dependencies: ["Autograd", "CLua", "CLuaShim"],
            // The library's Lua sources, compiled in (see Sources/LuaGrad/Prelude/LuaLibrary.swift).
            resources: [.embedInCode("Lua")],
            swiftSettings: releaseSettings
        ),
        .executableTarget(name: "luagrad", dependencies: ["LuaGrad", "CEditLine", "CJemalloc"]),
        .executableTarget(name: "EmbedDemo", dependencies: ["LuaGrad", "Autograd"], path: "examples/EmbedDemo"),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd"], exclude: ["Fixtures"]),
        .testTarget(name: "LuaGradTests", dependencies: ["LuaGrad", "Autograd"]),
    ]
)
