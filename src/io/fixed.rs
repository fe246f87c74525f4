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
            let fraction = scaled - scaled.floor();
            if (fraction - 0.5).abs() > 1e-3 {
                let r = scaled.round() as u64;
                if v.is_sign_negative() {
                    out.push(b'-');
                }
                let p = POW10[decimals];
                push_u64(out, r / p);
                if decimals > 0 {
                    out.push(b'.');
                    let mut digits = [b'0'; 10];
                    let mut f = r % p;
                    for d in digits[..decimals].iter_mut().rev() {
                        *d = b'0' + (f % 10) as u8;
                        f /= 10;
                    }
                    out.extend_from_slice(&digits[..decimals]);
                }
                return;
            }
        }
    }
    let _ = write!(out, "{v:.decimals$}");
}

/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
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
            check(v, rng.random_range(0..8));
        }
    }
}
