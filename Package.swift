// swift-tools-version: 6.0
// LuaGrad: a Swift autograd engine scripted from Lua 5.4.
//
// Dependencies point one way:
//   COpenBLAS (system OpenBLAS, for matrix products) + CThreadSlots (C thread-locals) -> Autograd
//   CLua (system liblua5.4) + CLuaShim (C trampoline, macro wrappers)
//     -> Autograd (pure Swift engine, knows nothing of Lua)
//     -> LuaGrad (bridge + ScriptHost; the only importer of CLua)
//     -> luagrad (command-line program, with jemalloc as its malloc)
//   CMPIShim (Open MPI through dlopen, for torch.distributed) -> LuaGrad
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
let kernelSettings: [SwiftSetting] = releaseSettings + [.unsafeFlags(["-Xcc", "-fno-math-errno"])]

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
        // Open MPI, opened with dlopen by torch.distributed: the build needs no MPI.
        .target(name: "CMPIShim", linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "Autograd",
            dependencies: ["COpenBLAS", "CThreadSlots"],
            swiftSettings: kernelSettings,
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "LuaGrad",
            dependencies: ["Autograd", "CLua", "CLuaShim", "CMPIShim"],
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
