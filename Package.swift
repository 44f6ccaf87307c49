// swift-tools-version: 6.0
// LuaGrad: a Swift autograd engine scripted from Lua 5.4.
//
// Dependencies point one way:
//   COpenBLAS (the system's OpenBLAS, opened on the first matrix product) + CThreadSlots (C thread-locals)
//     + AVX512Kernels (float products for AVX-512 CPUs) + CCPUFeatures (cpuid) -> Autograd
//   CLua (Lua 5.4's headers only) + CLuaShim (C trampoline, macro wrappers)
//     -> Autograd (pure Swift engine, knows nothing of Lua)
//     -> LuaGrad (bridge + ScriptHost; the only importer of CLua)
//     -> luagrad (command-line program, with jemalloc as its malloc)
//     -> LuaGradModule (the Lua module luagrad.so, for the system's lua5.4; docs/lua-module.md)
//   CZmq (system libzmq, through dlopen) + LuaGrad -> JupyterKernel (`luagrad kernel`: the Jupyter protocol) -> luagrad
//   CMPIShim (Open MPI through dlopen, for torch.distributed) -> LuaGrad
//
// Who links the Lua core: the programs and tests below link Debian's liblua5.4 (`linksLua`);
// the Lua module links none and uses the core of the interpreter that loads it.
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

// The AVX512Kernels target alone is generated for AVX-512F: its code runs only after the
// engine has asked the CPU (`CCPUFeatures`), so the engine itself still runs on any AVX2 machine.
#if arch(x86_64)
let wideVectorFlags = vectorFlags + ["-Xcc", "-mavx512f"]
#else
let wideVectorFlags: [String] = []
#endif
let wideKernelSettings: [SwiftSetting] = releaseSettings + [.unsafeFlags(["-Xcc", "-fno-math-errno"] + wideVectorFlags)]

// The Lua core, for every program and test that creates its own Lua states (CLua is headers
// only, so that the Lua module never loads a second copy of Lua into its host).
let linksLua: [LinkerSetting] = [.linkedLibrary("lua5.4")]

// The Lua module carries the Swift runtime inside (no Swift toolchain where it runs: ~20 MB,
// depending on libc, libm and libstdc++ only) and stays loaded once loaded: Lua `dlclose`s C
// modules at `lua_close`, while the engine's worker threads and the Swift runtime's state live
// on in the process (`-z nodelete` makes that dlclose a no-op).
let moduleLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-Xlinker", "-z", "-Xlinker", "nodelete"]),
]

// The `luagrad` program carries the Swift runtime inside, as the Lua module does: the dynamic
// linker then resolves none of its symbols at start-up (an empty script: 12.5 M instructions
// against 9.1 M), and the nine Swift libraries leave the global scope that every later lookup
// walks, which is what made opening OpenBLAS at the first product (`COpenBLAS`) as cheap as
// linking it had been. The binary grows from 7 to 18 MB (stripped).
let programLinkerSettings: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"])]

let package = Package(
    name: "LuaGrad",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "LuaGrad", targets: ["LuaGrad"]),
        .executable(name: "luagrad", targets: ["luagrad"]),
        // Built by scripts/build-lua-module (or the rockspec) into .build-module; installed
        // as luagrad.so.
        .library(name: "LuaGradModule", type: .dynamic, targets: ["LuaGradModule"]),
    ],
    targets: [
        // Headers only, found without pkg-config (whose flags would link liblua5.4): see CLua.h.
        .systemLibrary(
            name: "CLua",
            providers: [.apt(["liblua5.4-dev"])]
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
        // Debian's libopenblas0 (libopenblas-dev to build, as before), opened with dlopen on the
        // first matrix product: linked, its relocations were most of an empty script's start-up.
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CThreadSlots"),
        .target(name: "CCPUFeatures"),
        // Pure Swift, generated for AVX-512F; called only where `lg_cpu_has_avx512f` says so.
        .target(name: "AVX512Kernels", swiftSettings: wideKernelSettings),
        // jemalloc's options for the `luagrad` program (its thread caches' depth).
        .target(name: "CMallocConf"),
        // Open MPI, opened with dlopen by torch.distributed: the build needs no MPI.
        .target(name: "CMPIShim", linkerSettings: [.linkedLibrary("dl")]),
        // libzmq through dlopen, for `luagrad kernel` only (Sources/CZmq/include/CZmq.h): the
        // build needs its header (libzmq3-dev), and other runs of the program never load it.
        .target(name: "CZmq", linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "Autograd",
            dependencies: ["COpenBLAS", "CThreadSlots", "CCPUFeatures", "AVX512Kernels"],
            swiftSettings: kernelSettings,
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(
            name: "LuaGrad",
            dependencies: ["Autograd", "CLua", "CLuaShim", "CMPIShim"],
            // The library's Lua sources, compiled in (see Sources/LuaGrad/Prelude/LuaLibrary.swift),
            // and the data sets it ships (Sources/LuaGrad/Data/README.md: origin and licence).
            exclude: ["Data/README.md"],
            resources: [.embedInCode("Lua"), .embedInCode("Data")],
            swiftSettings: releaseSettings
        ),
        .target(
            name: "JupyterKernel",
            dependencies: ["LuaGrad", "Autograd", "CZmq"],
            // The kernel's Lua side (display, completion, inspection), compiled in.
            resources: [.embedInCode("Lua")]
        ),
        .target(
            name: "LuaGradModule",
            dependencies: ["LuaGrad", "CLuaShim"],
            linkerSettings: moduleLinkerSettings
        ),
        .executableTarget(
            name: "luagrad", dependencies: ["LuaGrad", "JupyterKernel", "CEditLine", "CJemalloc", "CMallocConf"],
            linkerSettings: linksLua + programLinkerSettings),
        .executableTarget(
            name: "EmbedDemo", dependencies: ["LuaGrad", "Autograd"], path: "examples/EmbedDemo",
            linkerSettings: linksLua),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "AVX512Kernels"], exclude: ["Fixtures"]),
        .testTarget(name: "LuaGradTests", dependencies: ["LuaGrad", "Autograd"], linkerSettings: linksLua),
        .testTarget(name: "JupyterKernelTests", dependencies: ["JupyterKernel"], linkerSettings: linksLua),
    ]
)
