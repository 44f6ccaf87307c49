import Foundation
import Testing

@testable import LuaGrad

// torch.save, torch.load, torch.io.save_npy/load_npy, torch.io.write_text and torch.io.read_csv
// under ScriptHost.Options.grantedDirectory
// (issue 13): absent from the sandbox unless a directory is granted, and then confined to it:
// no escape with "..", absolute paths or symbolic links; loaded tensors count against the
// memory limit.

/// A fresh directory (with a sibling "outside" directory) removed at the end of a test.
private final class Scratch {
    let root: URL
    let granted: String
    let outside: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("luagrad-files-\(UUID())")
        granted = root.appendingPathComponent("granted").path
        outside = root.appendingPathComponent("outside").path
        try FileManager.default.createDirectory(atPath: granted + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func host(sandbox: Bool = true, memoryLimit: Int? = nil) throws -> ScriptHost {
        try ScriptHost(options: .init(sandbox: sandbox, memoryLimit: memoryLimit, grantedDirectory: granted))
    }
}

@Suite struct ReliabilityFileAccessTests {
    @Test func theSandboxWithoutAGrantHasNoFileFunctions() throws {
        let host = try ScriptHost(options: .init(sandbox: true))
        #expect(try host.run(string: "return torch.save, torch.load, torch.io") == [nil, nil, nil])
    }

    @Test func aGrantKeepsOnlyThePathCheckedFunctions() throws {
        let scratch = try Scratch()
        let host = try scratch.host()
        let results = try host.run(string: """
            local names = {}
            for k in pairs(torch.io) do names[#names + 1] = k end
            table.sort(names)
            return type(torch.save), type(torch.load), table.concat(names, " ")
            """)
        #expect(results == ["function", "function", "load_idx load_npy read_csv save_npy write_text"])
    }

    @Test func pathsAreRelativeToTheGrantedDirectory() throws {
        let scratch = try Scratch()
        let host = try scratch.host()
        let results = try host.run(string: """
            torch.save({ w = torch.ones(2) }, "model.safetensors")
            torch.io.save_npy(torch.arange(3), "sub/x.npy")
            torch.save({ b = torch.zeros(1) }, "\(scratch.granted)/sub/../abs.safetensors")
            return torch.load("model.safetensors").w:sum():item(), torch.io.load_npy("sub/x.npy"):sum():item(),
                   torch.load("abs.safetensors").b:numel()
            """)
        #expect(results == [2.0, 3, 1])
        #expect(FileManager.default.fileExists(atPath: scratch.granted + "/model.safetensors"))
        #expect(FileManager.default.fileExists(atPath: scratch.granted + "/sub/x.npy"))
    }

    @Test(arguments: [
        ("torch.save({}, '../escape.safetensors')", "outside the granted directory"),
        ("torch.load('../outside/x.safetensors')", "outside the granted directory"),
        ("torch.io.save_npy(torch.ones(1), 'sub/../../escape.npy')", "outside the granted directory"),
        ("torch.save({}, '/tmp/escape.safetensors')", "outside the granted directory"),
        ("torch.save({}, 'missing/x.safetensors')", "its directory cannot be resolved"),
        ("torch.save({}, 'sub/')", "not a file name"),
        ("torch.save({}, '..')", "not a file name"),
        ("torch.save({}, 'link-out/x.safetensors')", "outside the granted directory"),
        ("torch.save({}, 'file-link.safetensors')", "is a symbolic link"),
        ("torch.load('file-link.safetensors')", "is a symbolic link"),
        ("torch.io.load_npy('inside-link.npy')", "is a symbolic link"),
        ("torch.io.write_text('../escape.safetensors', 'x')", "outside the granted directory"),
        ("torch.io.write_text('file-link.safetensors', 'x')", "is a symbolic link"),
        ("torch.io.read_csv('../outside/x.safetensors')", "outside the granted directory"),
        ("torch.io.read_csv('file-link.safetensors')", "is a symbolic link"),
    ])
    func escapesAreRefused(script: String, message: String) throws {
        let scratch = try Scratch()
        let manager = FileManager.default
        try manager.createSymbolicLink(atPath: scratch.granted + "/link-out", withDestinationPath: scratch.outside)
        try Data("secret".utf8).write(to: URL(fileURLWithPath: scratch.outside + "/x.safetensors"))
        try manager.createSymbolicLink(atPath: scratch.granted + "/file-link.safetensors", withDestinationPath: scratch.outside + "/x.safetensors")
        try manager.createSymbolicLink(atPath: scratch.granted + "/inside-link.npy", withDestinationPath: scratch.granted + "/sub/y.npy")
        let host = try scratch.host()
        let error = try #require(throws: ScriptError.self) { try host.run(string: script) }
        #expect(error.message.contains("is refused: ") && error.message.contains(message), "\(error.message)")
        #expect(try manager.contentsOfDirectory(atPath: scratch.outside) == ["x.safetensors"])
        #expect(try String(contentsOfFile: scratch.outside + "/x.safetensors", encoding: .utf8) == "secret")
        #expect(!manager.fileExists(atPath: scratch.root.path + "/escape.safetensors"))
    }

    @Test func aGrantOutsideTheSandboxConfinesToo() throws {
        let scratch = try Scratch()
        let host = try scratch.host(sandbox: false)
        let error = try #require(throws: ScriptError.self) { try host.run(string: "torch.save({}, '../x.safetensors')") }
        #expect(error.message.contains("outside the granted directory"))
    }

    @Test func aMissingGrantedDirectoryIsAHostError() {
        let error = #expect(throws: ScriptError.self) {
            try ScriptHost(options: .init(sandbox: true, grantedDirectory: "/nonexistent/luagrad"))
        }
        #expect(error?.message.contains("the granted directory '/nonexistent/luagrad' cannot be used") == true)
    }

    @Test func loadedTensorsCountAgainstTheMemoryLimit() throws {
        let scratch = try Scratch()
        try ScriptHost(options: .init(grantedDirectory: scratch.granted)).run(string: """
            torch.save({ big = torch.zeros(4, 1024, 1024) }, "big.safetensors")
            """)
        let host = try scratch.host(memoryLimit: 8 << 20)
        let error = try #require(throws: ScriptError.self) { try host.run(string: "local sd = torch.load('big.safetensors')") }
        #expect(error.kind == .memoryLimit)
        #expect(error.message.contains("not enough memory"))
    }

    @Test func plotSavesAndReadCSVReadsInsideTheGrantedDirectory() throws {
        let scratch = try Scratch()
        try Data("x,y\n1,2\n3,4\n".utf8).write(to: URL(fileURLWithPath: scratch.granted + "/sub/data.csv"))
        let host = try scratch.host()
        let results = try host.run(string: """
            local plot = require "luagrad.plot"
            local fig = plot.plot({1, 2, 3})
            local saved = fig:save("sub/figure.svg")
            local data = torch.io.read_csv("sub/data.csv")
            return saved, data.nrows, data.y[2], #fig:svg()
            """)
        #expect(results.count == 4 && results[0] == "sub/figure.svg" && results[1] == 2 && results[2] == 4)
        let written = try String(contentsOfFile: scratch.granted + "/sub/figure.svg", encoding: .utf8)
        #expect(results[3] == .number(Double(written.utf8.count)) || results[3] == .integer(Int64(written.utf8.count)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.granted + "/sub").sorted() == ["data.csv", "figure.svg"])
    }

    @Test func plotSaveOutsideTheGrantedDirectoryIsRefused() throws {
        let scratch = try Scratch()
        let host = try scratch.host()
        let error = try #require(throws: ScriptError.self) {
            try host.run(string: "(require 'luagrad.plot').plot({1, 2}):save('../escape.svg')")
        }
        #expect(error.message.contains("plot: cannot write '../escape.svg'") && error.message.contains("outside the granted directory"),
                "\(error.message)")
        #expect(!FileManager.default.fileExists(atPath: scratch.root.path + "/escape.svg"))
    }
}
