import Testing
@testable import MixLabCore

@Suite struct TensorTests {
    @Test func storesValuesRowMajor() throws {
        let t = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(t[1, 0] == 4)
        #expect(t[0, 2] == 3)
        #expect(t.flatIndex([1, 2]) == 5)
        #expect(t.multiIndex(ofFlat: 4) == [1, 1])
        #expect(t.count == 6 && t.rank == 2)
    }

    @Test func copiesOnWrite() throws {
        let a = try Tensor(shape: [3], values: [1, 2, 3])
        var b = a
        b[0] = 10
        #expect(a[0] == 1)
        #expect(b[0] == 10)
        #expect(a.storage !== b.storage)
    }

    @Test func storageIsAligned() {
        for count in [1, 3, 17, 1000] {
            let t = Tensor(zeros: [count])
            #expect(Int(bitPattern: t.storage.pointer) % TensorStorage.alignment == 0)
        }
    }

    @Test func rejectsWrongValueCount() {
        #expect {
            _ = try Tensor(shape: [2, 2], values: [1, 2, 3])
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .shapeMismatch && e.what.contains("3 values") && e.fix.contains("4")
        }
    }

    @Test func reshapeKeepsValuesAndChecksSize() throws {
        let t = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let r = try t.reshaped([3, 2])
        #expect(r.values == t.values && r.shape == [3, 2])
        #expect(throws: MixLabError.self) { try t.reshaped([4, 2]) }
    }

    @Test func arithmeticAndReductions() throws {
        let a = try Tensor(shape: [2], values: [3, -4])
        let b = try Tensor(shape: [2], values: [1, 1])
        #expect((a + b).values == [4, -3])
        #expect((a - b).values == [2, -5])
        #expect((2 * a).values == [6, -8])
        #expect(a.norm == 5)
        #expect(a.dot(b) == -1)
        #expect(a.maxAbs == 4)
        #expect(a.maxAbsDifference(b) == 5)
    }

    @Test func findsFirstNonFiniteValue() throws {
        var t = Tensor(zeros: [2, 3, 4])
        #expect(t.firstNonFiniteIndex() == nil)
        t[1, 2, 3] = .infinity
        t[1, 0, 1] = .nan
        #expect(t.firstNonFiniteIndex() == [1, 0, 1])
        #expect(t.maxAbs.isNaN)
    }

    @Test func equalityIsBitwise() throws {
        let a = try Tensor(shape: [1], values: [.nan])
        let b = try Tensor(shape: [1], values: [.nan])
        #expect(a == b)
        #expect(try Tensor(shape: [1], values: [0]) != Tensor(shape: [1], values: [-0.0]))
    }
}

@Suite struct ShapeTests {
    @Test func parsesShapes() throws {
        #expect(try Shape.parse("32,512,256") == [32, 512, 256])
        #expect(try Shape.parse(" 8 x 4096 x 256 ") == [8, 4096, 256])
    }

    @Test(arguments: ["", "32,,256", "32,-1,4", "a,b", "0,4,4"])
    func rejectsBadShapes(_ text: String) {
        #expect {
            _ = try Shape.parse(text, location: "--shape")
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .invalidArgument && e.location == "--shape" && e.fix.contains("32,512,256")
        }
    }

    @Test func stridesAreRowMajor() {
        #expect(Shape.strides([2, 3, 4]) == [12, 4, 1])
        #expect(Shape.count([]) == 1)
    }
}

@Suite struct MixLabErrorTests {
    @Test func messageSaysWhatWhereAndFix() {
        let e = MixLabError(.unsupportedLength, what: "sequence length 12 is not a power of two",
                            location: "HadamardMixer", fix: "pad to 16")
        #expect(e.description == "sequence length 12 is not a power of two\n  where: HadamardMixer\n  fix:   pad to 16")
    }
}

/// Copying blocks of rows out of and into a tensor seen as a matrix.
@Suite struct TensorRowsTests {
    @Test func rowsCopyOutAndReplaceRowsCopyBack() {
        let x = Tensor(shape: [2, 3, 4]) { Float($0) }  // 6 rows of width 4
        let middle = x.rows(2..<5, width: 4)
        #expect(middle.shape == [3, 4])
        #expect(middle.values == (8..<20).map(Float.init))
        var y = Tensor(zeros: [2, 3, 4])
        y.replaceRows(startingAt: 2, with: middle)
        #expect(y.values == [Float](repeating: 0, count: 8) + (8..<20).map(Float.init) + [Float](repeating: 0, count: 4))
        let shared = y
        y.replaceRows(startingAt: 0, with: x.rows(0..<1, width: 4))
        #expect(shared.values[0..<4] == [0, 0, 0, 0], "a copy sharing the storage is not changed")
        #expect(y.values[0..<4] == [0, 1, 2, 3])
    }
}
