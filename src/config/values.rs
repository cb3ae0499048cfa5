//! Typed values inside directive arguments: sizes (`16k`), durations
//! (`250ms`), numbers. Each parser rejects signs, empty digits and overflow,
//! and says what it expected.
//!
//! Durations are bounded by [`MAX_DURATION`]: the server adds them to
//! `Instant::now()`, which panics on overflow, so a config must not be able to
//! ask for 10^15 hours.

use std::time::Duration;

/// The longest duration a config may name: a year (8760h). Long enough for
/// any timeout, TTL or window; short enough that `now + d` never overflows.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// `123`, `16k`, `10m`, `1g` (binary multiples; upper case allowed).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let expected = || format!("expected a size like 512, 16k, 10m or 1g, found '{text}'");
    let (digits, mult) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (text.get(..i), 1024u64),
        Some((i, 'm' | 'M')) => (text.get(..i), 1024 * 1024),
        Some((i, 'g' | 'G')) => (text.get(..i), 1024 * 1024 * 1024),
        Some(_) => (Some(text), 1),
        None => (None, 1),
    };
    let n = digits.and_then(parse_digits).ok_or_else(expected)?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size '{text}' is too large"))
}

/// `250ms`, `30s`, `5m`, `1h`; at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let expected = || format!("expected a duration like 250ms, 30s, 5m or 1h, found '{text}'");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(expected)?;
    let (digits, unit) = (
        text.get(..split).ok_or_else(expected)?,
        text.get(split..).ok_or_else(expected)?,
    );
    let n = parse_digits(digits).ok_or_else(expected)?;
    let secs = |mult: u64| n.checked_mul(mult).map(Duration::from_secs);
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => secs(1),
        "m" => secs(60),
        "h" => secs(3600),
        _ => return Err(expected()),
    }
    .filter(|d| *d <= MAX_DURATION)
    .ok_or_else(|| format!("duration '{text}' is too large: at most 8760h (a year)"))
}

/// Plain decimal digits, no sign, no empty string, no overflow.
pub fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16k"), Ok(16 * 1024));
        assert_eq!(parse_size("10M"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("7"), Ok(7));
        for bad in ["", "k", "-1", "+1", "1x", "1.5k", "99999999999999999999g"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in [
            "", "5", "s", "-5s", "5 s", "5d", "1.5s", "1m30s", "+5s", "5S",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_are_bounded_so_now_plus_d_cannot_overflow() {
        assert_eq!(parse_duration("8760h"), Ok(MAX_DURATION));
        for huge in [
            "8761h",
            "5000000000000000h",
            "18446744073709551615ms",
            "18446744073709551615s",
        ] {
            let err = parse_duration(huge).unwrap_err();
            assert!(err.contains("too large"), "{huge}: {err}");
        }
    }
}
