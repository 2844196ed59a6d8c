//! `GET /admin/calendars`: the built-in calendars (`GET /api/v1/calendars`) and, for the one
//! chosen (`?calendar=`), the next 30 days from today in the calendar's zone: each day's date
//! and weekday, its working intervals drawn as a bar over 00:00–24:00 (inline SVG coloured by
//! the stylesheet), and the holidays that close it, by name.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use serde::Deserialize;
use tenggat_store::Language;
use tenggat_time::{Calendar, DayPlan};

use super::super::view::Choice;
use super::super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::admin;
use crate::problem::Problem;

/// Days drawn from today.
pub const DAYS: i64 = 30;

/// Nanoseconds in 24 hours.
const DAY_NANOS: i64 = 86_400_000_000_000;

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    #[serde(default)]
    calendar: String,
}

/// One working interval of a day, placed on the day's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// Where it starts, in thousandths of the day.
    pub x: String,
    /// Its width, in thousandths of the day.
    pub w: String,
    /// `HH:MM–HH:MM`.
    pub label: String,
}

/// One day of the calendar as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The weekday in the viewer's language.
    pub weekday: String,
    /// The working intervals (none on a closed day or a holiday).
    pub intervals: Vec<Interval>,
    /// The holidays of the date, by name in the viewer's language.
    pub holidays: Vec<String>,
    /// `open`, `closed` or `holiday` (its CSS class).
    pub kind: &'static str,
}

fn thousandths(nanos: i64) -> String {
    let t = nanos.clamp(0, DAY_NANOS) as f64 * 1000.0 / DAY_NANOS as f64;
    format!("{t:.1}")
}

/// The page's row for one day plan.
pub fn day_row(lang: Language, plan: &DayPlan) -> DayRow {
    let weekday = plan.weekday.to_monday_one_offset();
    let intervals: Vec<Interval> = plan
        .intervals
        .iter()
        .map(|i| Interval {
            x: thousandths(i.start),
            w: thousandths(i.end - i.start),
            label: i.to_string().replace('-', "–"),
        })
        .collect();
    let holidays: Vec<String> = plan
        .holidays
        .iter()
        .map(|h| match lang {
            Language::Id => h.name_id.clone(),
            Language::En => h.name_en.clone(),
        })
        .collect();
    let kind = if !holidays.is_empty() {
        "holiday"
    } else if intervals.is_empty() {
        "closed"
    } else {
        "open"
    };
    DayRow {
        date: plan.date.to_string(),
        weekday: i18n::tr(lang, &format!("admin-weekday-{weekday}")),
        intervals,
        holidays,
        kind,
    }
}

/// The rows of `days` days of `cal` from `from`.
pub fn rows(lang: Language, cal: &Calendar, from: Date, days: i64) -> Result<Vec<DayRow>, Problem> {
    let mut out = Vec::new();
    let mut date = from;
    for _ in 0..days {
        let plan = cal.day_plan(date).map_err(|e| Problem::internal(&e))?;
        out.push(day_row(lang, &plan));
        date = date.tomorrow().map_err(|e| Problem::internal(&e))?;
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "portal/admin_calendars.html")]
struct CalendarsPage {
    ui: Ui,
    calendars: Vec<Choice>,
    name: String,
    zone: String,
    from: String,
    days: Vec<DayRow>,
}

/// `GET /admin/calendars` (the provider's team).
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    if !viewer.principal.is_staff() {
        return Err(PortalError::new(
            lang,
            StatusCode::FORBIDDEN,
            "error-forbidden",
        ));
    }
    // The API's own answer decides whether the viewer may read calendars at all.
    let _listed = admin::list_calendars(viewer.principal.clone())
        .await
        .map_err(fail)?;
    let builtins: Vec<(&str, Calendar)> = tenggat_time::BUILTIN_CALENDARS
        .iter()
        .filter_map(|key| tenggat_time::builtin(key).map(|c| (*key, c)))
        .collect();
    let wanted = query.calendar.trim();
    let wanted = if wanted.is_empty() {
        "innovasia"
    } else {
        wanted
    };
    let Some((key, cal)) = builtins.iter().find(|(k, _)| *k == wanted) else {
        return Err(PortalError::new(
            lang,
            StatusCode::NOT_FOUND,
            "error-not-found",
        ));
    };
    let today = state.clock.now().to_zoned(cal.timezone().clone()).date();
    let days = rows(lang, cal, today, DAYS).map_err(fail)?;
    let calendars = builtins
        .iter()
        .map(|(k, c)| Choice {
            selected: k == key,
            value: (*k).to_owned(),
            label: c.name().to_owned(),
            ..Choice::default()
        })
        .collect();
    let page = CalendarsPage {
        ui: viewer.ui("admin"),
        calendars,
        zone: cal.timezone_name().to_owned(),
        name: cal.name().to_owned(),
        from: today.to_string(),
        days,
    };
    Ok(render(lang, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nyepi_closes_a_thursday_and_weekends_have_no_bar() {
        let cal = tenggat_time::builtin("innovasia").expect("calendar");
        let from: Date = "2026-03-10".parse().expect("date");
        let days = rows(Language::En, &cal, from, DAYS).expect("rows");
        assert_eq!(days.len(), 30);
        let nyepi = &days[9];
        assert_eq!(nyepi.date, "2026-03-19");
        assert_eq!(nyepi.weekday, "Thursday");
        assert_eq!(nyepi.kind, "holiday");
        assert_eq!(nyepi.holidays, vec!["Day of Silence (Nyepi)".to_owned()]);
        assert!(nyepi.intervals.is_empty());
        let saturday = &days[4];
        assert_eq!(saturday.date, "2026-03-14");
        assert_eq!(saturday.kind, "closed");
        assert!(saturday.intervals.is_empty());
        let tuesday = &days[0];
        assert_eq!(tuesday.kind, "open");
        assert!(!tuesday.intervals.is_empty());
        let id = rows(Language::Id, &cal, from, 10).expect("rows");
        assert_eq!(id[9].weekday, "Kamis");
        assert_eq!(
            id[9].holidays,
            vec!["Hari Suci Nyepi (Tahun Baru Saka 1948)".to_owned()]
        );
    }

    #[test]
    fn intervals_are_placed_on_the_day() {
        let cal = tenggat_time::builtin("24x7").expect("calendar");
        let day = rows(Language::En, &cal, "2026-03-10".parse().expect("date"), 1).expect("rows");
        assert_eq!(day[0].intervals.len(), 1);
        assert_eq!(day[0].intervals[0].x, "0.0");
        assert_eq!(day[0].intervals[0].w, "1000.0");
        assert_eq!(day[0].intervals[0].label, "00:00–24:00");
        assert_eq!(thousandths(DAY_NANOS / 4 + DAY_NANOS / 8), "375.0");
    }

    #[test]
    fn every_weekday_has_a_word_in_both_languages() {
        for lang in [Language::Id, Language::En] {
            for d in 1..=7 {
                let key = format!("admin-weekday-{d}");
                assert!(i18n::has(lang, &key), "{key} in {}", lang.as_str());
            }
        }
    }
}
