//! Numbers with a fixed count of decimals, as `format!("{v:.N}")` writes them, without its
//! exact big-number path for the common case: the CSVs of millions of candidates spent a fifth
//! of their time in `core::fmt`'s `dragon` formatter.

use std::io::Write;

/// Powers of ten exact in an `f64` and a `u64`.
const POW10: [u64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// The digit buffer's length: at most 13 digits below 2^40, 9 decimals, a point and a sign.
const END: usize = 32;

/// `00`, `01`, ... `99`.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends `v` with `decimals` digits after the point, exactly as `write!(out, "{v:.decimals$}")`
/// does. The fast path scales by a power of ten and rounds; a value whose scaled fraction lies
/// within 1e-3 of a half (where the product's rounding could decide the digit), or too large
/// for the product to keep its fraction, takes the standard path.
pub fn push_fixed(out: &mut String, v: f64, decimals: usize) {
    let mut bytes = Vec::with_capacity(24);
    push_fixed_bytes(&mut bytes, v, decimals);
    // Only ASCII digits, signs, points and letters (inf, NaN).
    out.push_str(&String::from_utf8_lossy(&bytes));
}

/// [`push_fixed`] into bytes (a CSV row being built), with the digits written by hand: the
/// standard integer formatter was a tenth of the time of writing millions of CSV rows.
pub fn push_fixed_bytes(out: &mut Vec<u8>, v: f64, decimals: usize) {
    if decimals < POW10.len() && v.is_finite() {
        let scaled = v.abs() * POW10[decimals] as f64;
        // Below 2^40 the product's error (half an ulp, at most 2^-13) is far inside the margin.
        if scaled < (1u64 << 40) as f64 {
            // Truncation is the floor of a non-negative number below 2^40, exact, and without
            // the library calls `floor` and `round` are on x86-64's baseline.
            let whole = scaled as u64;
            let fraction = scaled - whole as f64;
            if (fraction - 0.5).abs() > 1e-3 {
                // The digits of the rounded product, two at a time from the right (divisions
                // by the constant 100 only: a division by the power of ten was most of the time
                // of this function), at least `decimals + 1` of them, then the point moved in.
                let mut n = whole + u64::from(fraction > 0.5);
                let mut buf = [b'0'; END];
                let mut i = END;
                while n >= 100 {
                    let pair = 2 * (n % 100) as usize;
                    n /= 100;
                    i -= 2;
                    buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
                }
                if n >= 10 {
                    let pair = 2 * n as usize;
                    i -= 2;
                    buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
                } else {
                    i -= 1;
                    buf[i] = b'0' + n as u8;
                }
                // The buffer starts as zeros: 0.05 to 2 decimals is the digits `5`, padded.
                i = i.min(END - decimals - 1);
                if decimals > 0 {
                    buf.copy_within(i..END - decimals, i - 1);
                    i -= 1;
                    buf[END - decimals - 1] = b'.';
                }
                if v.is_sign_negative() {
                    i -= 1;
                    buf[i] = b'-';
                }
                out.extend_from_slice(&buf[i..]);
                return;
            }
        }
    }
    let _ = write!(out, "{v:.decimals$}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: f64, decimals: usize) {
        let mut fast = String::new();
        push_fixed(&mut fast, v, decimals);
        assert_eq!(
            fast,
            format!("{v:.decimals$}"),
            "{v:e} to {decimals} decimals"
        );
    }

    #[test]
    fn writes_what_the_standard_formatter_writes() {
        use rand::{rngs::SmallRng, Rng, SeedableRng};
        let mut rng = SmallRng::seed_from_u64(11);
        for v in [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            0.125,
            0.0005,
            -0.0004,
            -0.0006,
            1.0005,
            2.675,
            1e-300,
            -1e-300,
            123_456.789_51,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1_099_511_627_775.9,
            1_099_511_627_776.4,
        ] {
            for d in 0..12 {
                check(v, d);
            }
        }
        for _ in 0..200_000 {
            let v = match rng.random_range(0..4) {
                0 => rng.random_range(-1000.0..1000.0),
                1 => rng.random_range(-1e9..1e9),
                // Short decimals, where halves are common.
                2 => f64::from(rng.random_range(-100_000i32..100_000)) / 2000.0,
                _ => f64::from_bits(rng.random::<u64>()),
            };
            check(v, rng.random_range(0..10));
        }
    }
}
