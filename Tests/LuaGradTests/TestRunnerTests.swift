import Testing

@testable import LuaGrad

/// Runs the runner in-process on the fixtures in `Tests/lua/runner-fixtures`.
@Suite struct TestRunnerTests {
    let failing = luaFixture("runner-fixtures/failing")
    let passing = luaFixture("runner-fixtures/passing")

    /// Runs `paths`, returning the summary and everything the runner and the scripts printed.
    func run(_ paths: [String]) -> (summary: TestRunner.Summary, output: String) {
        let log = OutputLog()
        let runner = TestRunner(hostOptions: log.options, output: { [unowned log] in log.text += $0 })
        let summary = runner.run(paths: paths)
        return (summary, log.text)
    }

    @Test func mixedFileCountsAndLocations() {
        let file = "\(failing)/mixed_fixture.lua"
        let (summary, output) = run([file])
        #expect(summary.passed == 2)
        #expect(summary.failed == 4)
        #expect(summary.skipped == 1)
        #expect(summary.exitStatus == 1)
        #expect(summary.closingLine == "2 passed, 4 failed, 1 skipped")
        #expect(output.hasSuffix("\n2 passed, 4 failed, 1 skipped\n"))

        let expected: [(String, String, String)] = [
            ("\(file):9", "mixed fails an assertion", "expected 5, got 4"),
            ("\(file):13", "mixed raises an error", "attempt to index a nil value (local 'missing')"),
            ("\(failing)/mixed_helper.lua:3", "mixed fails in a helper", "expected a positive number, got -1"),
            ("\(file):21", "mixed inner fails with an error object", "(error object is a table value)"),
        ]
        #expect(summary.failures.count == expected.count)
        for (failure, (location, name, message)) in zip(summary.failures, expected) {
            #expect(failure.file == file)
            #expect(failure.location == location)
            #expect(failure.name == name)
            #expect(failure.message == message)
            #expect(output.contains("FAIL \(location): \(name): \(message)\n"))
        }
        #expect(output.contains("\(file): 2 passed, 4 failed, 1 skipped\n"))
    }

    @Test func loadAndDeclarationErrorsAreFailures() {
        let syntax = "\(failing)/load_error_fixture.lua"
        let declaring = "\(failing)/describe_error_fixture.lua"
        let (summary, output) = run([syntax, declaring])
        #expect(summary.passed == 0)
        #expect(summary.failed == 2)
        #expect(summary.exitStatus == 1)
        #expect(
            summary.failures.map(\.location) == ["\(syntax):3", "\(declaring):4"])
        #expect(summary.failures.first?.message == "unexpected symbol near '='")
        #expect(summary.failures.last?.message == "attempt to index a nil value (local 'settings')")
        #expect(output.hasSuffix("\n0 passed, 2 failed\n"))
    }

    @Test func hookErrors() {
        let file = "\(failing)/hook_errors_fixture.lua"
        let (summary, _) = run([file])
        #expect(summary.passed == 1)
        #expect(summary.failures.map(\.name)
            == ["setup fails first", "setup fails second", "before_each fails only", "teardown fails (teardown)"])
        #expect(summary.failures.map(\.location) == ["\(file):3", "\(file):3", "\(file):8", "\(file):12"])
        #expect(summary.failures.first?.message == "setup failed: no database")
    }

    @Test func discoveryFindsTestFilesRecursivelyInOrder() {
        let (summary, output) = run([passing])
        #expect(
            summary.files == [
                "\(passing)/nested/hooks_test.lua", "\(passing)/test_basics.lua",
                "\(passing)/test_tensor_assertions.lua",
            ])
        #expect(summary.failures.isEmpty, "\(summary.failures)")
        #expect(summary.passed == 9)
        #expect(summary.skipped == 1)
        #expect(summary.exitStatus == 0)
        #expect(output.hasSuffix("\n9 passed, 0 failed, 1 skipped\n"))
    }

    @Test func theFrameworkSelfTestPasses() {
        let (summary, output) = run([luaFixture("test_framework.lua")])
        #expect(summary.failed == 0, "\(output)")
        #expect(summary.passed >= 25)
        #expect(summary.exitStatus == 0)
    }

    @Test func noTestFilesIsAFailure() {
        let (empty, emptyOutput) = run([luaFixture("host-fixtures")])
        #expect(empty.files.isEmpty)
        #expect(empty.exitStatus == 1)
        #expect(emptyOutput.contains("no test files found"))
        #expect(emptyOutput.hasSuffix("\n0 passed, 0 failed\n"))
    }

    @Test func missingPathsAreFailures() {
        let (summary, output) = run(["/no/such/directory"])
        #expect(summary.failed == 1)
        #expect(summary.exitStatus == 1)
        #expect(output.contains("FAIL /no/such/directory: (finding tests): no such file or directory\n"))
        #expect(output.hasSuffix("\n0 passed, 1 failed\n"))
    }

    @Test func testFileNames() {
        #expect(TestDiscovery.isTestFileName("test_x.lua"))
        #expect(TestDiscovery.isTestFileName("x_test.lua"))
        #expect(!TestDiscovery.isTestFileName("test_x.luac"))
        #expect(!TestDiscovery.isTestFileName("testx.lua"))
        #expect(!TestDiscovery.isTestFileName("helper.lua"))
        #expect(TestDiscovery.directory(of: "a/b/c.lua") == "a/b")
        #expect(TestDiscovery.directory(of: "c.lua") == ".")
        #expect(TestDiscovery.directory(of: "/c.lua") == "/")
    }
}
