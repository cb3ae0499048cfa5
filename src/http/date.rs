//! HTTP dates (RFC 9110 §5.6.7), without a date library.
//!
//! ```text
//! HTTP-date    = IMF-fixdate / obs-date
//! IMF-fixdate  = day-name "," SP date1 SP time-of-day SP GMT
//!              ; fixed length/zone/capitalization subset of RFC 5322
//!                e.g. Sun, 06 Nov 1994 08:49:37 GMT
//! obs-date     = rfc850-date / asctime-date
//! rfc850-date  = day-name-l "," SP date2 SP time-of-day SP GMT
//!                e.g. Sunday, 06-Nov-94 08:49:37 GMT
//! asctime-date = day-name SP date3 SP time-of-day SP year
//!                e.g. Sun Nov  6 08:49:37 1994
//! ```
//!
//! We always send IMF-fixdate and accept all three forms ("A recipient that
//! parses a timestamp value in an HTTP field MUST accept all three").
//! Calendar arithmetic uses the days-from-civil / civil-from-days algorithms
//! (proleptic Gregorian, as explained by Howard Hinnant), so no table of
//! month lengths is needed beyond February's leap rule. Dates before 1970 are
//! not representable (`None`), and the weekday name is checked for spelling
//! but not against the date, as most implementations do.

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
const LONG_DAY_NAMES: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Seconds in a day.
const DAY: u64 = 86_400;

/// Formats Unix seconds as IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn format_http_date(unix_seconds: u64) -> String {
    let days = unix_seconds / DAY;
    let secs = unix_seconds % DAY;
    let (year, month, day) = civil_from_days(days);
    let weekday = DAY_NAMES.get((days % 7) as usize).copied().unwrap_or("Thu");
    let month_name = MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses an HTTP-date in any of its three forms into Unix seconds.
pub fn parse_http_date(s: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(s).ok()?;
    parse_imf_fixdate(s)
        .or_else(|| parse_rfc850(s))
        .or_else(|| parse_asctime(s))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn parse_imf_fixdate(s: &str) -> Option<u64> {
    let (name, rest) = s.split_once(", ")?;
    if !DAY_NAMES.contains(&name) || rest.len() != 24 {
        return None;
    }
    let day = number(rest.get(0..2)?)?;
    let month = month_number(rest.get(3..6)?)?;
    let year = number(rest.get(7..11)?)?;
    let expected_spaces = [rest.get(2..3)?, rest.get(6..7)?, rest.get(11..12)?];
    if expected_spaces != [" ", " ", " "] || rest.get(20..)? != " GMT" {
        return None;
    }
    let time = time_of_day(rest.get(12..20)?)?;
    to_unix(year, month, day, time)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`; two-digit years 70-99 are 19xx,
/// 00-69 are 20xx (RFC 9110 §5.6.7 asks for the year "within 50 years",
/// which this approximates without a clock).
fn parse_rfc850(s: &str) -> Option<u64> {
    let (name, rest) = s.split_once(", ")?;
    if !LONG_DAY_NAMES.contains(&name) || rest.len() != 22 {
        return None;
    }
    let day = number(rest.get(0..2)?)?;
    let month = month_number(rest.get(3..6)?)?;
    let yy = number(rest.get(7..9)?)?;
    if rest.get(2..3)? != "-" || rest.get(6..7)? != "-" || rest.get(9..10)? != " " {
        return None;
    }
    if rest.get(18..)? != " GMT" {
        return None;
    }
    let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
    to_unix(year, month, day, time_of_day(rest.get(10..18)?)?)
}

/// `Sun Nov  6 08:49:37 1994` (day padded with a space).
fn parse_asctime(s: &str) -> Option<u64> {
    if s.len() != 24 || !DAY_NAMES.contains(&s.get(0..3)?) {
        return None;
    }
    if s.get(3..4)? != " " || s.get(7..8)? != " " || s.get(10..11)? != " " || s.get(19..20)? != " "
    {
        return None;
    }
    let month = month_number(s.get(4..7)?)?;
    let day = number(s.get(8..10)?.trim_start_matches(' '))?;
    let year = number(s.get(20..24)?)?;
    to_unix(year, month, day, time_of_day(s.get(11..19)?)?)
}

/// Digits only (no sign) as a number.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn month_number(s: &str) -> Option<u64> {
    MONTHS.iter().position(|&m| m == s).map(|i| i as u64 + 1)
}

/// `HH:MM:SS` as seconds into the day (a leap second 60 is accepted).
fn time_of_day(s: &str) -> Option<u64> {
    if s.get(2..3)? != ":" || s.get(5..6)? != ":" {
        return None;
    }
    let (h, m, sec) = (
        number(s.get(0..2)?)?,
        number(s.get(3..5)?)?,
        number(s.get(6..8)?)?,
    );
    (h < 24 && m < 60 && sec <= 60).then_some(h * 3600 + m * 60 + sec)
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Validates the calendar date and converts it to Unix seconds.
fn to_unix(year: u64, month: u64, day: u64, time: u64) -> Option<u64> {
    if !(1970..=9999).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY + time)
}

/// Days since 1970-01-01 of a date in 1970..=9999 (Hinnant's algorithm with
/// the era shifted so that everything stays unsigned).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: u64 = 784_111_777;

    #[test]
    fn known_vector_formats_and_parses() {
        assert_eq!(format_http_date(VECTOR), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(VECTOR)
        );
    }

    #[test]
    fn obsolete_forms() {
        assert_eq!(
            parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(VECTOR)
        );
        assert_eq!(parse_http_date(b"Sun Nov  6 08:49:37 1994"), Some(VECTOR));
    }

    #[test]
    fn epoch_and_leap_days() {
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            parse_http_date(b"Thu, 29 Feb 2024 12:00:00 GMT"),
            Some(1_709_208_000)
        );
        assert_eq!(parse_http_date(b"Wed, 29 Feb 2023 12:00:00 GMT"), None);
    }

    #[test]
    fn round_trips_across_centuries() {
        let mut t = 0u64;
        while t < 253_402_300_799 {
            let s = format_http_date(t);
            assert_eq!(parse_http_date(s.as_bytes()), Some(t), "{s}");
            t += 86_399 * 37 + 12_345;
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b""[..],
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"Sun, 6 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:00:00 GMT",
            b"Xyz, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 08:49:37 GMT ",
            b"Sun, +6 Nov 1994 08:49:37 GMT",
            b"\xff\xfe",
        ] {
            assert_eq!(
                parse_http_date(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
