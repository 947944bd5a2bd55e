//! Cadences in plain language: the recurrence picker's fields (every N days or weeks on chosen
//! weekdays, monthly on a date or on the Nth weekday, quarterly) turned into the RFC 5545 rule
//! the cadence stores, and a cadence's slug derived from its name. Pure, so the form works the
//! same with or without JavaScript: the server builds the rule from the submitted fields.

use crate::domain::ValidationError;

/// The weekday codes RFC 5545 uses, Monday first.
pub const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// The picker's fields as a form submits them; blank means "not chosen".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickerFields {
    /// `daily`, `weekly`, `monthly-date`, `monthly-weekday` or `quarterly`.
    pub repeat: String,
    /// Every how many days or weeks (1 when blank).
    pub interval: String,
    /// Weekday codes (`MO` …) for a weekly rule.
    pub weekdays: Vec<String>,
    /// Day of the month, 1 to 31, or -1 for the last day.
    pub month_day: String,
    /// Which weekday of the month: 1 to 4, or -1 for the last.
    pub nth: String,
    /// The weekday code for `monthly-weekday`.
    pub nth_weekday: String,
}

/// The rule the picker's fields describe, or why they describe none.
pub fn build_rrule(fields: &PickerFields) -> Result<String, ValidationError> {
    match fields.repeat.trim() {
        "daily" => Ok(with_interval(
            "FREQ=DAILY",
            interval(&fields.interval, 366)?,
        )),
        "weekly" => {
            let every = interval(&fields.interval, 52)?;
            let days = weekdays(&fields.weekdays)?;
            let base = with_interval("FREQ=WEEKLY", every);
            Ok(if days.is_empty() {
                base
            } else {
                format!("{base};BYDAY={}", days.join(","))
            })
        }
        "monthly-date" => Ok(format!(
            "FREQ=MONTHLY;BYMONTHDAY={}",
            month_day(&fields.month_day)?
        )),
        "monthly-weekday" => {
            let nth = match fields.nth.trim() {
                n @ ("1" | "2" | "3" | "4" | "-1") => n.to_string(),
                _ => {
                    return Err(ValidationError::new(
                        "choose first, second, third, fourth or last",
                    ));
                }
            };
            let day = weekdays(std::slice::from_ref(&fields.nth_weekday))?;
            let Some(day) = day.first() else {
                return Err(ValidationError::new("choose a weekday"));
            };
            Ok(format!("FREQ=MONTHLY;BYDAY={nth}{day}"))
        }
        "quarterly" => Ok(format!(
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY={}",
            month_day(&fields.month_day)?
        )),
        "" => Err(ValidationError::new("choose how often it repeats")),
        other => Err(ValidationError::new(format!(
            "“{other}” is not a way to repeat"
        ))),
    }
}

fn with_interval(base: &str, every: u32) -> String {
    if every == 1 {
        base.to_string()
    } else {
        format!("{base};INTERVAL={every}")
    }
}

fn interval(raw: &str, most: u32) -> Result<u32, ValidationError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    match raw.parse::<u32>() {
        Ok(n) if (1..=most).contains(&n) => Ok(n),
        _ => Err(ValidationError::new(format!(
            "“every” must be a whole number from 1 to {most}"
        ))),
    }
}

/// The chosen weekdays in calendar order, each once.
fn weekdays(chosen: &[String]) -> Result<Vec<&'static str>, ValidationError> {
    let mut days = Vec::new();
    for raw in chosen {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            continue;
        }
        if !WEEKDAYS.contains(&code.as_str()) {
            return Err(ValidationError::new(format!("“{raw}” is not a weekday")));
        }
    }
    for day in WEEKDAYS {
        if chosen.iter().any(|c| c.trim().eq_ignore_ascii_case(day)) {
            days.push(day);
        }
    }
    Ok(days)
}

fn month_day(raw: &str) -> Result<i32, ValidationError> {
    match raw.trim().parse::<i32>() {
        Ok(d) if (1..=31).contains(&d) || d == -1 => Ok(d),
        _ => Err(ValidationError::new(
            "the day of the month must be 1 to 31, or last",
        )),
    }
}

/// A slug made from a cadence's name: lowercase ASCII letters and digits joined by single
/// dashes ("Weekly blog post!" becomes `weekly-blog-post`), at most 60 characters. Letters
/// with accents lose them where a plain letter is obvious; other characters become breaks.
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::new();
    let mut pending_dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'a'..='z' | '0'..='9' => Some(c),
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => Some('a'),
            'è' | 'é' | 'ê' | 'ë' => Some('e'),
            'ì' | 'í' | 'î' | 'ï' => Some('i'),
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => Some('o'),
            'ù' | 'ú' | 'û' | 'ü' => Some('u'),
            'ç' => Some('c'),
            'ñ' => Some('n'),
            _ => None,
        };
        match plain {
            Some(p) => {
                if pending_dash && !slug.is_empty() {
                    slug.push('-');
                }
                pending_dash = false;
                slug.push(p);
            }
            None => pending_dash = true,
        }
        if slug.len() >= 60 {
            break;
        }
    }
    slug.truncate(60);
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
#[path = "recurrence_picker_tests.rs"]
mod tests;
