//! `tenggat calendar show|check|list`: a calendar as a person checks it by eye.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use jiff::civil::Date;
use tenggat_time::{BUILTIN_CALENDARS, BUILTIN_SETS, BusinessDuration, Calendar, DAY_KEYS};

use crate::{calendar_arg, input};

/// `tenggat calendar show C [--from DATE] [--days N]`.
pub fn show(calendar: &str, from: Option<&str>, days: u32) -> Result<()> {
    if !(1..=3660).contains(&days) {
        bail!("--days must be between 1 and 3660, got {days}");
    }
    let cal = calendar_arg::load(calendar)?;
    let first = match from {
        Some(text) => input::date(text)?,
        None => today(&cal),
    };
    let mut out = String::new();
    summary(&cal, &mut out);
    let _ = writeln!(
        out,
        "\ndate        day  working intervals                 business time"
    );
    let mut date = first;
    let mut outside = Vec::new();
    for _ in 0..days {
        let plan = cal.day_plan(date)?;
        let day = DAY_KEYS[plan.weekday.to_monday_zero_offset() as usize];
        let intervals = if plan.intervals.is_empty() {
            "closed".to_string()
        } else {
            plan.intervals
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let worked = BusinessDuration::from_nanos(plan.working.as_nanos() as i64);
        let _ = write!(out, "{date}  {day}  {intervals:<32}  {worked}");
        for h in &plan.holidays {
            let _ = write!(out, "  holiday: {} / {} [{}]", h.name_id, h.name_en, h.set);
        }
        if plan.offset_change {
            let _ = write!(out, "  (UTC offset changes this day)");
        }
        out.push('\n');
        for set in cal.holiday_sets() {
            if let Some(c) = set.coverage
                && !c.contains(date)
                && !outside.contains(&set.set)
            {
                outside.push(set.set.clone());
                eprintln!(
                    "tenggat: warning: holiday set `{}` covers {} to {} only; dates outside are shown without its holidays",
                    set.set, c.first, c.last
                );
            }
        }
        date = date.tomorrow()?;
    }
    print!("{out}");
    Ok(())
}

/// Today's date in the calendar's zone: the CLI is the edge where the wall clock is read.
#[allow(clippy::disallowed_methods)]
fn today(cal: &Calendar) -> Date {
    jiff::Timestamp::now()
        .to_zoned(cal.timezone().clone())
        .date()
}

/// The calendar's definition: zone, week, business day, holiday sets and their coverage.
fn summary(cal: &Calendar, out: &mut String) {
    let _ = writeln!(out, "calendar      {}", cal.name());
    let _ = writeln!(out, "time zone     {}", cal.timezone_name());
    let _ = writeln!(
        out,
        "business day  {}  (week: {})",
        BusinessDuration::from_nanos(cal.business_day_nanos()),
        BusinessDuration::from_nanos(cal.week_nanos())
    );
    for (d, intervals) in cal.week().iter().enumerate() {
        let text = if intervals.is_empty() {
            "closed".to_string()
        } else {
            intervals
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "  {}         {text}", DAY_KEYS[d]);
    }
    if cal.holiday_sets().is_empty() {
        let _ = writeln!(out, "holidays      none");
    }
    for set in cal.holiday_sets() {
        let count = cal.holidays().iter().filter(|h| h.set == set.set).count();
        match set.coverage {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "holidays      {} ({count} dates, covers {} to {})",
                    set.set, c.first, c.last
                );
            }
            None => {
                let _ = writeln!(out, "holidays      {} ({count} dates)", set.set);
            }
        }
    }
}

/// `tenggat calendar check FILE`.
pub fn check(file: &str) -> Result<()> {
    let cal = calendar_arg::load_file(std::path::Path::new(file))?;
    let mut out = String::new();
    summary(&cal, &mut out);
    print!("{out}");
    println!("ok");
    Ok(())
}

/// `tenggat calendar list`.
pub fn list() -> Result<()> {
    println!("built-in calendars:");
    for name in BUILTIN_CALENDARS {
        if let Some(cal) = tenggat_time::builtin(name) {
            println!("  {name:<18} {} ({})", cal.name(), cal.timezone_name());
        }
    }
    println!("built-in holiday sets:");
    for set in BUILTIN_SETS {
        if let Some(s) = tenggat_time::HolidaySet::builtin(set)
            && let Some(c) = s.coverage
        {
            println!(
                "  {set:<18} {} dates, {} to {}",
                s.holidays.len(),
                c.first,
                c.last
            );
        }
    }
    Ok(())
}
