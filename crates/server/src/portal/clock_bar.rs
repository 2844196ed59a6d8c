//! A clock drawn as a bar on the ticket page: from the clock's start to where it stopped (or,
//! while it runs, to its due instant), the stretches in which it counted business time, those
//! in which it ran but the calendar was closed (nights, weekends, holidays), those in which it
//! was paused, and the business time still ahead until the due instant. Drawn as inline SVG
//! (no script, no inline style: the colours come from the portal's stylesheet by class).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;
use tenggat_sla::Policy;
use tenggat_store::Language;
use tenggat_time::Calendar;

use super::i18n;
use super::view::when;

/// Most pieces one bar is cut into (a clock paused and resumed for months stays readable and
/// cheap; the rest of such a bar is drawn as one piece).
const MAX_SEGMENTS: usize = 400;

/// One piece of a bar.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSegment {
    /// `running`, `closed`, `paused` or `ahead` (its CSS class).
    pub kind: &'static str,
    /// Where it starts, in thousandths of the bar's width.
    pub x: String,
    /// Its width, in thousandths.
    pub w: String,
    /// What it is, from when to when, in words (a tooltip and for screen readers).
    pub title: String,
}

/// A clock's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockBar {
    /// Its pieces, in time order.
    pub segments: Vec<BarSegment>,
    /// Its start, in words.
    pub from: String,
    /// Its end, in words.
    pub to: String,
}

fn instant(m: &Value, key: &str) -> Option<Timestamp> {
    m.get(key)?.as_str()?.parse().ok()
}

/// Cuts `[a, b)`, in which the clock ran (or will run), into business time (`open`) and
/// closed time.
fn split(
    cal: &Calendar,
    a: Timestamp,
    b: Timestamp,
    open: &'static str,
    pieces: &mut Vec<(&'static str, Timestamp, Timestamp)>,
) {
    let room = MAX_SEGMENTS.saturating_sub(pieces.len()) / 2;
    let mut t = a;
    for (o, c) in cal.working_stretches(a, b).take(room.max(1)) {
        if o > t {
            pieces.push(("closed", t, o));
        }
        pieces.push((open, o, c));
        t = c;
    }
    if t < b {
        pieces.push(("closed", t, b));
    }
}

/// The bar of one metric of an SLA JSON (`tenggat_sla::evaluation_json`) at `now`, or none
/// for a metric without a clock (not applicable) or when its calendar is unknown.
pub fn bar(
    lang: Language,
    policy: &Policy,
    metric: &Value,
    zone: &TimeZone,
    now: Timestamp,
) -> Option<ClockBar> {
    let state = metric.get("state")?.as_str()?;
    let start = instant(metric, "start")?;
    let cal = policy.calendar(metric.get("calendar")?.as_str()?)?;
    let due = instant(metric, "due");
    let end = match state {
        "met" => instant(metric, "met_at")?,
        "running" => due.filter(|d| *d > now).unwrap_or(now),
        "paused" | "breached" => now,
        _ => return None,
    };
    if end <= start {
        return None;
    }
    let stretches: Vec<(Timestamp, Timestamp)> = metric
        .get("stretches")?
        .as_array()?
        .iter()
        .filter_map(|s| {
            let pair = s.as_array()?;
            let a: Timestamp = pair.first()?.as_str()?.parse().ok()?;
            let b: Timestamp = pair.get(1)?.as_str()?.parse().ok()?;
            Some((a.max(start), b.min(end)))
        })
        .filter(|(a, b)| a < b)
        .collect();
    let mut pieces: Vec<(&'static str, Timestamp, Timestamp)> = Vec::new();
    let mut t = start;
    for (a, b) in stretches {
        if a > t {
            pieces.push(("paused", t, a));
        }
        split(cal, a.max(t), b, "running", &mut pieces);
        t = t.max(b);
    }
    // The rest: ahead of now until the due instant while it runs; paused (or stopped by
    // closing) otherwise.
    let past_end = if state == "running" {
        now.min(end)
    } else {
        end
    };
    if t < past_end {
        pieces.push(("paused", t, past_end));
        t = past_end;
    }
    if state == "running" && t < end {
        split(cal, t, end, "ahead", &mut pieces);
    }
    // Past the cap: the rest as one piece of its kind.
    pieces.truncate(MAX_SEGMENTS);
    if let Some(last) = pieces.last_mut() {
        last.2 = end;
    }
    let span = end.duration_since(start).as_secs_f64();
    let x = |at: Timestamp| at.duration_since(start).as_secs_f64() / span * 1000.0;
    let segments = pieces
        .into_iter()
        .map(|(kind, a, b)| BarSegment {
            kind,
            x: format!("{:.2}", x(a)),
            w: format!("{:.2}", (x(b) - x(a)).max(0.0)),
            title: i18n::tr_args(
                lang,
                &format!("bar-{kind}"),
                &[("from", when(a, zone)), ("to", when(b, zone))],
            ),
        })
        .collect();
    Some(ClockBar {
        segments,
        from: when(start, zone),
        to: when(end, zone),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn innovasia() -> Policy {
        tenggat_sla::preset("innovasia")
            .expect("a preset")
            .expect("valid")
    }

    fn kinds(bar: &ClockBar) -> Vec<(&'static str, &str)> {
        bar.segments
            .iter()
            .map(|s| (s.kind, s.title.as_str()))
            .collect()
    }

    #[test]
    fn a_clock_over_a_night_with_a_pause_and_the_rest_ahead() {
        let zone = TimeZone::get("Asia/Jakarta").expect("zone");
        // Reported Mon 16:00 WIB; ran until 17:00 (business), the night (closed), Tue
        // 09:00–10:00; paused 10:00–11:00; running again since; now Tue 12:00, due Tue 15:00.
        let m = json!({
            "metric": "resolution", "state": "running", "calendar": "business",
            "start": "2026-03-02T16:00:00+07:00", "due": "2026-03-03T15:00:00+07:00",
            "stretches": [["2026-03-02T16:00:00+07:00", "2026-03-03T10:00:00+07:00"],
                          ["2026-03-03T11:00:00+07:00", "2026-03-03T12:00:00+07:00"]]
        });
        let now: Timestamp = "2026-03-03T12:00:00+07:00".parse().expect("now");
        let bar = bar(Language::En, &innovasia(), &m, &zone, now).expect("a bar");
        assert_eq!(
            kinds(&bar),
            [
                (
                    "running",
                    "counting 2026-03-02 16:00 WIB – 2026-03-02 17:00 WIB"
                ),
                (
                    "closed",
                    "outside business hours 2026-03-02 17:00 WIB – 2026-03-03 09:00 WIB"
                ),
                (
                    "running",
                    "counting 2026-03-03 09:00 WIB – 2026-03-03 10:00 WIB"
                ),
                (
                    "paused",
                    "paused 2026-03-03 10:00 WIB – 2026-03-03 11:00 WIB"
                ),
                (
                    "running",
                    "counting 2026-03-03 11:00 WIB – 2026-03-03 12:00 WIB"
                ),
                (
                    "ahead",
                    "still to run 2026-03-03 12:00 WIB – 2026-03-03 15:00 WIB"
                ),
            ]
        );
        // 23 hours in all: the first hour is 1/23 of the width.
        assert_eq!(bar.segments[0].x, "0.00");
        assert_eq!(bar.segments[0].w, format!("{:.2}", 1000.0 / 23.0));
        let total: f64 = bar
            .segments
            .iter()
            .map(|s| s.w.parse::<f64>().expect("width"))
            .sum();
        assert!((total - 1000.0).abs() < 0.1, "{total}");
        assert_eq!(bar.to, "2026-03-03 15:00 WIB");
    }

    #[test]
    fn a_met_clock_ends_where_it_was_met_and_no_clock_has_no_bar() {
        let zone = TimeZone::get("Asia/Jakarta").expect("zone");
        let now: Timestamp = "2026-03-03T12:00:00+07:00".parse().expect("now");
        let met = json!({
            "metric": "response", "state": "met", "calendar": "business",
            "start": "2026-03-02T09:00:00+07:00", "met_at": "2026-03-02T09:30:00+07:00",
            "stretches": [["2026-03-02T09:00:00+07:00", "2026-03-02T09:30:00+07:00"]]
        });
        let bar = bar(Language::Id, &innovasia(), &met, &zone, now).expect("a bar");
        assert_eq!(
            kinds(&bar),
            [(
                "running",
                "berjalan 2026-03-02 09:00 WIB – 2026-03-02 09:30 WIB"
            )]
        );
        let none = json!({"metric": "resolution", "state": "not_applicable", "calendar": "business",
                          "start": "2026-03-02T09:00:00+07:00", "stretches": []});
        assert!(super::bar(Language::Id, &innovasia(), &none, &zone, now).is_none());
    }
}
