// Rational: an exact rational number of any size, a value type over GMP's mpq_t.
import CGMP

// MARK: - Storage

/// Owns one canonical `mpq_t`. Never mutated after the initialiser that filled it returns, so a
/// `Rational` can share it freely (and across threads).
final class RationalStorage: @unchecked Sendable {
    var q = __mpq_struct()

    init() { __gmpq_init(&q) }
    deinit { __gmpq_clear(&q) }
}

// MARK: - Rational

/// An exact rational number in canonical form (lowest terms, positive denominator).
/// Prints as `5`, `-3/4`; parses integers, fractions and decimal literals.
public struct Rational: Sendable {
    let storage: RationalStorage

    /// Builds a value through `fill`, which writes into a fresh, initialised mpq_t.
    /// `fill` must leave it canonical (every GMP arithmetic function does).
    init(_ fill: (UnsafeMutablePointer<__mpq_struct>) -> Void) {
        let s = RationalStorage()
        fill(&s.q)
        storage = s
    }

    /// Reads the underlying value.
    @inline(__always)
    func with<R>(_ body: (UnsafePointer<__mpq_struct>) -> R) -> R {
        body(&storage.q)
    }

    public init(_ value: Int) {
        self.init { __gmpq_set_si($0, value, 1) }
    }

    /// `numerator / denominator`; `nil` when the denominator is zero.
    public init?(_ numerator: Int, _ denominator: Int) {
        guard denominator != 0 else { return nil }
        let n = Rational(numerator), d = Rational(denominator)
        self = n.quotient(d)
    }

    public static let zero = Rational(0)
    public static let one = Rational(1)

    // MARK: Properties

    /// -1, 0 or 1.
    public var signum: Int { Int(with { lab_mpq_sgn($0) }) }

    public var isZero: Bool { signum == 0 }

    /// True when the denominator is 1.
    public var isInteger: Bool {
        with { __gmpz_cmp_ui(lab_mpq_denref_const($0), 1) == 0 }
    }

    public var numerator: Rational {
        Rational { out in with { __gmpq_set_z(out, lab_mpq_numref_const($0)) } }
    }

    public var denominator: Rational {
        Rational { out in with { __gmpq_set_z(out, lab_mpq_denref_const($0)) } }
    }

    /// The value as an Int when it is an integer that fits, else nil.
    public var intValue: Int? {
        guard isInteger else { return nil }
        return with { q -> Int? in
            let num = lab_mpq_numref_const(q)
            guard __gmpz_fits_slong_p(num) != 0 else { return nil }
            return __gmpz_get_si(num)
        }
    }

    public var magnitude: Rational {
        Rational { out in with { __gmpq_abs(out, $0) } }
    }

    public var negated: Rational {
        Rational { out in with { __gmpq_neg(out, $0) } }
    }

    // MARK: Arithmetic

    public static func + (a: Rational, b: Rational) -> Rational {
        Rational { out in a.with { x in b.with { y in __gmpq_add(out, x, y) } } }
    }

    public static func - (a: Rational, b: Rational) -> Rational {
        Rational { out in a.with { x in b.with { y in __gmpq_sub(out, x, y) } } }
    }

    public static func * (a: Rational, b: Rational) -> Rational {
        Rational { out in a.with { x in b.with { y in __gmpq_mul(out, x, y) } } }
    }

    public static prefix func - (a: Rational) -> Rational { a.negated }

    /// `a / b`. Dividing by zero is a programmer error here; use `dividing(by:)` on input.
    public static func / (a: Rational, b: Rational) -> Rational {
        precondition(!b.isZero, "Rational division by zero")
        return a.quotient(b)
    }

    /// `self / divisor`, or `nil` when the divisor is zero.
    public func dividing(by divisor: Rational) -> Rational? {
        divisor.isZero ? nil : quotient(divisor)
    }

    private func quotient(_ b: Rational) -> Rational {
        Rational { out in with { x in b.with { y in __gmpq_div(out, x, y) } } }
    }

    /// Floor of an integer division of two integers' magnitudes: (quotient, remainder) with
    /// `self = q * d + r`, 0 ≤ r < |d|. Both must be non-negative integers, d > 0.
    public func quotientAndRemainder(dividingBy d: Rational) -> (quotient: Rational, remainder: Rational) {
        precondition(isInteger && d.isInteger && signum >= 0 && d.signum > 0,
                     "quotientAndRemainder needs non-negative integers and a positive divisor")
        let q = Rational { out in
            with { x in d.with { y in
                var z = __mpz_struct()
                __gmpz_init(&z)
                __gmpz_fdiv_q(&z, lab_mpq_numref_const(x), lab_mpq_numref_const(y))
                __gmpq_set_z(out, &z)
                __gmpz_clear(&z)
            } }
        }
        return (q, self - q * d)
    }

    /// Greatest common divisor of two integers (non-negative result; gcd(0, 0) = 0).
    public static func gcd(_ a: Rational, _ b: Rational) -> Rational {
        precondition(a.isInteger && b.isInteger, "gcd needs integers")
        return Rational { out in
            a.with { x in b.with { y in
                var z = __mpz_struct()
                __gmpz_init(&z)
                __gmpz_gcd(&z, lab_mpq_numref_const(x), lab_mpq_numref_const(y))
                __gmpq_set_z(out, &z)
                __gmpz_clear(&z)
            } }
        }
    }

    /// 10^n as a Rational.
    public static func powerOfTen(_ n: Int) -> Rational {
        precondition(n >= 0)
        return Rational { out in
            var z = __mpz_struct()
            __gmpz_init(&z)
            __gmpz_ui_pow_ui(&z, 10, UInt(n))
            __gmpq_set_z(out, &z)
            __gmpz_clear(&z)
        }
    }
}

// MARK: - Equality, order, hashing

extension Rational: Equatable, Comparable, Hashable {
    public static func == (a: Rational, b: Rational) -> Bool {
        a.with { x in b.with { y in __gmpq_equal(x, y) != 0 } }
    }

    public static func < (a: Rational, b: Rational) -> Bool {
        a.with { x in b.with { y in __gmpq_cmp(x, y) < 0 } }
    }

    /// Canonical form makes equal values print identically, so the printed form hashes them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}

// MARK: - Printing

extension Rational: CustomStringConvertible {
    /// Canonical text: `5`, `-3/4`. Parsing it gives the same value back.
    public var description: String {
        with { q in
            guard let p = __gmpq_get_str(nil, 10, q) else { return "?" }
            defer { lab_free(p) }
            return String(cString: p)
        }
    }
}

extension Rational: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
