import Testing
@testable import LuaGrad
@Test func placeholder() { #expect(1 == 1) }
