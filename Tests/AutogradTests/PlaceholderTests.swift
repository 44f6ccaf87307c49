import Testing
@testable import Autograd
@Test func placeholder() { #expect(1 == 1) }
