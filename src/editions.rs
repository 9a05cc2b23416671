//! Editions: the archive cut into weeks (ISO weeks, Monday to Sunday) or
//! calendar months, in the display time zone, like the weekly issues of a
//! newsletter.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use crate::config::EditionPeriod;
use crate::digest::Article;

/// Which edition a moment falls in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EditionKey {
    /// `2026-w07` (weekly) or `2026-02` (monthly): also the URL segment.
    pub id: String,
    pub start: NaiveDate,
    /// The last day of the edition.
    pub end: NaiveDate,
}

/// One edition of the digest.
#[derive(Debug, Clone)]
pub struct Edition {
    pub key: EditionKey,
    /// "Week 7, 2026" or "February 2026".
    pub title: String,
    /// Indices into the digest's articles, in archive order.
    pub articles: Vec<usize>,
    /// The editor's introduction (sanitized HTML), from `content/editions/<id>.md`.
    pub intro_html: Option<String>,
}

/// The edition `when` falls in, judged in `tz`.
pub fn edition_key(when: DateTime<Utc>, tz: chrono_tz::Tz, period: EditionPeriod) -> EditionKey {
    let local = when.with_timezone(&tz).date_naive();
    match period {
        EditionPeriod::Weekly => {
            let week = local.iso_week();
            let start =
                NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon).unwrap_or(local);
            EditionKey {
                id: format!("{}-w{:02}", week.year(), week.week()),
                start,
                end: start + chrono::Days::new(6),
            }
        }
        EditionPeriod::Monthly => {
            let start = local.with_day(1).unwrap_or(local);
            let next = start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(start);
            EditionKey {
                id: format!("{}-{:02}", start.year(), start.month()),
                start,
                end: next.pred_opt().unwrap_or(start),
            }
        }
    }
}

/// A reader-facing title for an edition.
pub fn edition_title(key: &EditionKey, period: EditionPeriod) -> String {
    match period {
        EditionPeriod::Weekly => {
            let week = key.start.iso_week();
            format!("Week {}, {}", week.week(), week.year())
        }
        EditionPeriod::Monthly => key.start.format("%B %Y").to_string(),
    }
}

/// Groups `articles` (in archive order) into editions, newest first.
pub fn group_editions(
    articles: &[Article],
    tz: chrono_tz::Tz,
    period: EditionPeriod,
) -> Vec<Edition> {
    let mut editions: Vec<Edition> = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        let key = edition_key(a.published, tz, period);
        // Archive order is by date, so an edition's articles are adjacent.
        match editions.last_mut().filter(|e| e.key == key) {
            Some(e) => e.articles.push(i),
            None => editions.push(Edition {
                title: edition_title(&key, period),
                key,
                articles: vec![i],
                intro_html: None,
            }),
        }
    }
    editions.sort_by(|a, b| b.key.cmp(&a.key));
    editions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn iso_weeks_cross_the_year_boundary() {
        let utc = chrono_tz::UTC;
        // Thursday 1 January 2026 is in ISO week 1 of 2026; Sunday 28 December 2025 in week 52 of 2025.
        let k = edition_key(
            Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap(),
            utc,
            EditionPeriod::Weekly,
        );
        assert_eq!(k.id, "2026-w01");
        assert_eq!(k.start, NaiveDate::from_ymd_opt(2025, 12, 29).unwrap());
        let k = edition_key(
            Utc.with_ymd_and_hms(2025, 12, 28, 12, 0, 0).unwrap(),
            utc,
            EditionPeriod::Weekly,
        );
        assert_eq!(k.id, "2025-w52");
        // 2027-01-01 is a Friday: it belongs to 2026's week 53.
        let k = edition_key(
            Utc.with_ymd_and_hms(2027, 1, 1, 12, 0, 0).unwrap(),
            utc,
            EditionPeriod::Weekly,
        );
        assert_eq!(k.id, "2026-w53");
    }

    #[test]
    fn the_time_zone_decides_the_week() {
        // Sunday 23:30 UTC is already Monday in Berlin: the next week there.
        let when = Utc.with_ymd_and_hms(2026, 2, 15, 23, 30, 0).unwrap();
        assert_eq!(
            edition_key(when, chrono_tz::UTC, EditionPeriod::Weekly).id,
            "2026-w07"
        );
        assert_eq!(
            edition_key(when, chrono_tz::Europe::Berlin, EditionPeriod::Weekly).id,
            "2026-w08"
        );
    }

    #[test]
    fn months() {
        let k = edition_key(
            Utc.with_ymd_and_hms(2026, 2, 15, 0, 0, 0).unwrap(),
            chrono_tz::UTC,
            EditionPeriod::Monthly,
        );
        assert_eq!(k.id, "2026-02");
        assert_eq!(k.end, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(edition_title(&k, EditionPeriod::Monthly), "February 2026");
    }
}
