import Testing

@testable import JupyterKernel

// SHA-256 and HMAC-SHA256 against published vectors (FIPS 180-4 examples, RFC 4231), and the
// wire format's signing: what the kernel accepts and what it drops.

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        out.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return out
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownDigests(message: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(bytes(message))) == digest)
    }

    @Test func aMillionAs() {
        let digest = SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))
        #expect(Hex.encode(digest) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct HMACTests {
    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (case 5 truncates the tag).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231(key: String, data: String, tag: String) {
        #expect(Hex.encode(HMACSHA256(key: hex(key)).authenticate([hex(data)])) == tag)
    }

    @Test func partsAreConcatenated() {
        let hmac = HMACSHA256(key: bytes("key"))
        #expect(hmac.authenticate([bytes("ab"), bytes("c")]) == hmac.authenticate([bytes("abc")]))
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEqual(bytes("abc"), bytes("abc")))
        #expect(!constantTimeEqual(bytes("abc"), bytes("abd")))
        #expect(!constantTimeEqual(bytes("abc"), bytes("ab")))
    }
}

@Suite struct WireTests {
    let wire = Wire(key: "secret")
    let message = Message(identities: [bytes("client")], header: ["msg_type": "kernel_info_request", "msg_id": "1"], content: [:])

    @Test func signedFramesRoundTrip() throws {
        let received = try wire.message(wire.frames(message))
        #expect(received.type == "kernel_info_request")
        #expect(received.identities == [bytes("client")])
    }

    @Test func badOrMissingSignaturesAreRejected() {
        var frames = wire.frames(message)
        frames[2] = bytes(String(repeating: "0", count: 64))
        #expect(throws: WireError.self) { try wire.message(frames) }
        frames[2] = []
        #expect(throws: WireError.self) { try wire.message(frames) }
        #expect(throws: WireError.self) { try wire.message(Wire(key: "other").frames(message)) }
    }

    @Test func malformedMessagesAreRejected() {
        #expect(throws: WireError.self) { try wire.message([bytes("no delimiter")]) }
        #expect(throws: WireError.self) { try wire.message([bytes("<IDS|MSG>"), []]) }
    }

    @Test func cursorPositionsCountCodePoints() {
        let code = "é = x:su"
        #expect(Kernel.byteOffset(code, characterOffset: 8) == 9)
        #expect(Kernel.characterOffset(code, byteOffset: 7) == 6)
    }
}
