//! Java number semantics: `Double.toString`, Velocity 1.7 `MathUtils` arithmetic
//! (int → long → BigInteger promotion, integer division, double contagion) and
//! numeric comparison.

use crate::ast::BinOp;
use crate::value::Value;

/// Formats a double exactly as Java's `Double.toString` does.
pub(crate) fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        // Rust's shortest plain form is Java's in this range, minus the ".0".
        let mut s = format!("{d}");
        if !s.contains('.') {
            s.push_str(".0");
        }
        return s;
    }
    // Shortest round-trip digits and decimal exponent, e.g. "1.2345e6".
    let sci = format!("{:e}", d.abs());
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if d < 0.0 { "-" } else { "" };
    let (first, rest) = digits.split_at(1.min(digits.len()));
    let rest = if rest.is_empty() { "0" } else { rest };
    format!("{sign}{first}.{rest}E{exp}")
}

/// Appends Java's `Double.toString(d)`: what [`java_double`] gives, without
/// formatting machinery for the common plain decimals of up to 3 places.
pub(crate) fn write_java_double(d: f64, out: &mut String) {
    if !short_decimal(d, out) {
        out.push_str(&java_double(d));
    }
}

/// `d` as `[-]int.frac` when 1e-3 <= |d| < 1e7 and some decimal with at most
/// 3 places reads back as `d`. The fewest places is the shortest form that
/// reads back, as [`java_double`] prints: below 1e7 a double's spacing is
/// under 1e-8, so at most one such decimal exists per number of places, and
/// `a * 10^k` (under 1e10) is computed within 1e-5 of it, so rounding finds it.
fn short_decimal(d: f64, out: &mut String) -> bool {
    let a = d.abs();
    if !(1e-3..1e7).contains(&a) {
        return false;
    }
    for (k, p) in [(0, 1u64), (1, 10), (2, 100), (3, 1000)] {
        let scale = p as f64;
        // a * scale < 1e10: the cast rounds half up without a libm call.
        let m = (a * scale + 0.5) as u64 as f64;
        // m / scale is the double nearest the decimal m·10^-k (both exact).
        if m / scale == a {
            // m < 1e10: at most 10 digits, plus a sign, a point and a zero.
            let mut buf = [b'0'; 13];
            let mut at = buf.len();
            let mut n = m as u64;
            let mut put = |digit: u8| {
                at -= 1;
                if let Some(b) = buf.get_mut(at) {
                    *b = digit;
                }
            };
            if k == 0 {
                put(b'0');
            }
            for i in 0.. {
                if i == k {
                    put(b'.');
                }
                put(b'0' + (n % 10) as u8);
                n /= 10;
                if n == 0 && i >= k {
                    break;
                }
            }
            if d < 0.0 {
                put(b'-');
            }
            let text = buf.get(at..).unwrap_or_default();
            out.push_str(std::str::from_utf8(text).unwrap_or("0.0"));
            return true;
        }
    }
    false
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while i > 0 {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(buf.get(i..).unwrap_or_default()).unwrap_or("0"));
}

/// Appends `n` as Java prints an `int` or `long`.
pub(crate) fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Calculation base, as Velocity's `MathUtils` picks it.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Base {
    Int,
    Long,
    Big,
    Double,
}

fn base(v: &Value) -> Option<Base> {
    Some(match v {
        Value::Int(_) => Base::Int,
        Value::Long(_) => Base::Long,
        Value::Big(_) => Base::Big,
        Value::Double(_) => Base::Double,
        _ => return None,
    })
}

fn as_i128(v: &Value) -> i128 {
    match v {
        Value::Int(i) => i128::from(*i),
        Value::Long(i) => i128::from(*i),
        Value::Big(i) => *i,
        Value::Double(d) => *d as i128,
        _ => 0,
    }
}

pub(crate) fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => f64::from(*i),
        Value::Long(i) => *i as f64,
        Value::Big(i) => *i as f64,
        Value::Double(d) => *d,
        _ => 0.0,
    }
}

/// Wraps an integer result in the smallest type at least as wide as the operands.
fn wrap(v: i128, at_least: Base) -> Value {
    if at_least == Base::Int
        && let Ok(i) = i32::try_from(v)
    {
        return Value::Int(i);
    }
    if at_least <= Base::Long
        && let Ok(i) = i64::try_from(v)
    {
        return Value::Long(i);
    }
    Value::Big(v)
}

/// Applies an arithmetic operator; `None` is Velocity's null (bad operands, x/0).
pub(crate) fn arith(op: BinOp, l: &Value, r: &Value) -> Option<Value> {
    let b = base(l)?.max(base(r)?);
    if b == Base::Double {
        let (x, y) = (as_f64(l), as_f64(r));
        if matches!(op, BinOp::Div | BinOp::Mod) && y == 0.0 {
            return None;
        }
        return Some(Value::Double(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
            BinOp::Mod => x % y,
            _ => return None,
        }));
    }
    let (x, y) = (as_i128(l), as_i128(r));
    let v = match op {
        BinOp::Add => x.checked_add(y)?,
        BinOp::Sub => x.checked_sub(y)?,
        BinOp::Mul => x.checked_mul(y)?,
        BinOp::Div => x.checked_div(y)?,
        BinOp::Mod => x.checked_rem(y)?,
        _ => return None,
    };
    Some(wrap(v, b))
}

/// Numeric comparison (`MathUtils.compare`); `None` when either side is not a number.
pub(crate) fn compare(l: &Value, r: &Value) -> Option<std::cmp::Ordering> {
    let b = base(l)?.max(base(r)?);
    if b == Base::Double {
        as_f64(l).partial_cmp(&as_f64(r))
    } else {
        Some(as_i128(l).cmp(&as_i128(r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_to_string_matches_java() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(java_double(1e-5), "1.0E-5");
        assert_eq!(java_double(12.5), "12.5");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(12345678.0), "1.2345678E7");
        assert_eq!(java_double(-0.5), "-0.5");
        assert_eq!(java_double(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn fast_double_printing_matches_the_general_path() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let check = |d: f64| {
            let mut fast = String::new();
            write_java_double(d, &mut fast);
            assert_eq!(fast, java_double(d), "{d:e}");
        };
        for d in [
            0.001,
            0.0015,
            0.01,
            0.1,
            0.5,
            1.0,
            1.5,
            2.25,
            9.999,
            10.0,
            99.99,
            100.5,
            0.30000000000000004,
            1e7,
            9_999_999.999,
            9_999_999.999_9,
            1234567.0,
            0.000_999,
            1e-3 - 1e-19,
            3.0005,
            0.007,
            0.07,
            0.705,
        ] {
            check(d);
            check(-d);
        }
        for _ in 0..200_000 {
            let r = next();
            let places = [1.0, 10.0, 100.0, 1000.0, 10_000.0][(r % 5) as usize];
            let d = ((r >> 8) % 20_000_000_000) as f64 / places / 1000.0;
            check(d);
            check(-d);
            check(f64::from_bits(next()));
        }
        for n in [0, 7, -7, 10, i64::MAX, i64::MIN, 1_000_000_007] {
            let mut s = String::new();
            push_i64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn integer_math_promotes() {
        assert!(matches!(
            arith(BinOp::Add, &Value::Int(i32::MAX), &Value::Int(1)),
            Some(Value::Long(2147483648))
        ));
        assert!(matches!(
            arith(BinOp::Div, &Value::Int(7), &Value::Int(2)),
            Some(Value::Int(3))
        ));
        assert!(matches!(
            arith(BinOp::Div, &Value::Int(-7), &Value::Int(2)),
            Some(Value::Int(-3))
        ));
        assert!(arith(BinOp::Div, &Value::Int(1), &Value::Int(0)).is_none());
        assert!(matches!(
            arith(BinOp::Add, &Value::Long(i64::MAX), &Value::Int(1)),
            Some(Value::Big(_))
        ));
    }
}
