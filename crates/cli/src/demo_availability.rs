//! The demo's availability history: for each demo customer whose policy promises availability,
//! monitors that have watched its services since before last month, and the timeline they
//! would have left — outages with their causes, a stretch where the prober was cut off,
//! maintenance announced in time and at short notice, a third-party exclusion — so that last
//! month's report has real figures from the first minute (Innovasia's earns a credit).
//!
//! The history is written through the store as the evaluator writes it
//! ([`Monitoring::advance_availability`]: runs plus `evaluated_until` = the load instant), so
//! the server carries on from there. AmpoCloud's monitors check Tenggat's own `/healthz` and run
//! as soon as `tenggat serve` does (its status page is green); Innovasia's history monitor is
//! paused, so a monitor the newcomer adds is the only live one of its service (the
//! walk-through in `docs/operations.md` stops that one's target and sees a P1 open itself).

use anyhow::{Result, anyhow};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tenggat_availability::{Cause, Failure, FailureKind, Month, Stream};
use tenggat_sla::Policy;
use tenggat_store::{
    Database, LOCAL_LOCATION, LiveState, Monitoring, NewExclusion, NewMaintenance, NewMonitor,
    NewRun, RunKind,
};

/// What the history holds for one contract, for the demo's summary.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// The contract.
    pub contract_id: i64,
    /// Last month, whose report is complete.
    pub month: Month,
}

/// An outage of last month: day of the month, start `HH:MM`, length in minutes.
struct Outage {
    day: i8,
    start: (i8, i8),
    minutes: i64,
}

const fn outage(day: i8, hour: i8, minute: i8, minutes: i64) -> Outage {
    Outage {
        day,
        start: (hour, minute),
        minutes,
    }
}

/// Innovasia's month: a storage cluster lost for 33½ hours on the 12th, three shorter
/// outages. 2,415 minutes down, of which 120 inside maintenance announced 72 hours ahead and
/// 45 minutes recorded as a third-party failure: 2,250 count, under 95 % in any month length,
/// so the first credit tier (10 %) applies.
const INNOVASIA: &[Outage] = &[
    outage(6, 14, 10, 150),
    outage(12, 1, 0, 2010),
    outage(20, 9, 5, 45),
    outage(24, 22, 0, 210),
];

/// AmpoCloud's backend API: two short outages, 70 minutes of the 220 its 99.5 % allows.
const AMPOCLOUD: &[Outage] = &[outage(9, 13, 20, 45), outage(21, 3, 10, 25)];

/// One demo contract, as [`seed`] needs it.
#[derive(Debug)]
pub struct Demo<'a> {
    /// The provider.
    pub provider_id: i64,
    /// The contract.
    pub contract_id: i64,
    /// Its preset.
    pub preset: &'a str,
    /// Its policy.
    pub policy: &'a Policy,
    /// Where the server answers (the monitors check its `/healthz`).
    pub public_url: &'a str,
    /// Who announced the maintenance.
    pub agent_id: i64,
    /// Who recorded the exclusion.
    pub admin_id: i64,
    /// The load instant.
    pub now: Timestamp,
}

/// Loads the history of one demo contract; `None` when its policy promises no availability.
pub async fn seed(db: &Database, demo: &Demo<'_>) -> Result<Option<Seeded>> {
    let Demo {
        provider_id,
        contract_id,
        preset,
        policy,
        public_url,
        agent_id,
        admin_id,
        now,
    } = *demo;
    let Some(avail) = &policy.availability else {
        return Ok(None);
    };
    let tz = policy
        .calendars
        .get(&policy.default_calendar)
        .map_or(Ok(TimeZone::UTC), |c| TimeZone::get(c.timezone_name()))?;
    let this_month = Month::of(now.to_zoned(tz.clone()).date());
    let last = previous(this_month)?;
    let since = last.start(&tz)? - SignedDuration::from_hours(24);
    let at = |day: i8, (hour, minute): (i8, i8)| -> Result<Timestamp> {
        let date = jiff::civil::date(last.year(), last.month(), day);
        Ok(date
            .at(hour, minute, 0, 0)
            .to_zoned(tz.clone())?
            .timestamp())
    };
    let health = format!("{}/healthz", public_url.trim_end_matches('/'));
    let (outages, live) = match preset {
        "innovasia" => (INNOVASIA, false),
        "ampocloud" => (AMPOCLOUD, true),
        _ => (&[][..], true),
    };
    for (index, service) in avail.services.iter().enumerate() {
        let monitor = db
            .create_monitor(&NewMonitor {
                provider_id,
                contract_id,
                service_id: service.id.clone(),
                name: format!("{} /healthz", service.name.en),
                check: json!({"type": "http", "url": health, "timeout": "5s"}),
                interval_ms: 60_000,
                locations: vec![LOCAL_LOCATION.to_owned()],
                public: live,
                created_at: since,
                first_run_at: now,
            })
            .await?;
        if !live {
            db.set_monitor_paused(monitor.id, Some(now), now).await?;
        }
        // The rule's outages fall on the last service (AmpoCloud: the backend API, the one its
        // downtime rule is written for); the other services were up all month.
        let mine: &[Outage] = if index + 1 == avail.services.len() {
            outages
        } else {
            &[]
        };
        let cause = cause_of(preset, monitor.id);
        let mut runs = Vec::new();
        for o in mine {
            let start = at(o.day, o.start)?;
            runs.push(NewRun {
                kind: RunKind::Down,
                start,
                end: start + SignedDuration::from_mins(o.minutes),
                cause: cause.clone(),
            });
        }
        // The prober cut off for 20 minutes on the 3rd: no data, never downtime.
        let cut = at(3, (3, 0))?;
        runs.push(NewRun {
            kind: RunKind::NoData,
            start: cut,
            end: cut + SignedDuration::from_mins(20),
            cause: Value::Null,
        });
        runs.sort_by_key(|r| r.start);
        let live_state = LiveState {
            down_since: None,
            incident_ticket_id: None,
        };
        db.advance_availability(contract_id, &service.id, None, now, &runs, &live_state, now)
            .await?;
    }
    if preset == "innovasia" {
        // Announced 72 hours ahead (excluded: 120 minutes of the outage on the 24th) and one
        // announced a day ahead (not excluded; nothing was down in it).
        for (day, start, end_day, end, notice_hours, note) in [
            (
                24,
                (23, 0),
                25,
                (1, 0),
                72,
                "Peningkatan basis data ke PostgreSQL 18",
            ),
            (27, (1, 0), 27, (2, 0), 24, "Penggantian sertifikat TLS"),
        ] {
            let start = at(day, start)?;
            db.create_maintenance(
                &NewMaintenance {
                    contract_id,
                    service_id: None,
                    start,
                    end: at(end_day, end)?,
                    announced_at: start - SignedDuration::from_hours(notice_hours),
                    note: note.to_owned(),
                    created_by: Some(agent_id),
                },
                &[],
            )
            .await?;
        }
        let start = at(20, (9, 5))?;
        db.create_exclusion(&NewExclusion {
            contract_id,
            service_id: None,
            start,
            end: start + SignedDuration::from_mins(45),
            reason: "third_party".to_owned(),
            note: "Penyedia DNS global (status page penyedia, insiden #4471) tidak menjawab."
                .to_owned(),
            created_by: Some(admin_id),
            created_at: start + SignedDuration::from_hours(3),
        })
        .await?;
    }
    Ok(Some(Seeded {
        contract_id,
        month: last,
    }))
}

/// The month before `month`.
fn previous(month: Month) -> Result<Month> {
    let (year, m) = if month.month() == 1 {
        (month.year() - 1, 12)
    } else {
        (month.year(), month.month() - 1)
    };
    Month::new(year, m).map_err(|e| anyhow!("{e}"))
}

/// The cause the preset's rule would have recorded for an outage seen by `monitor`.
fn cause_of(preset: &str, monitor: i64) -> Value {
    let cause = if preset == "ampocloud" {
        Cause::ConsecutiveFailures {
            stream: Stream::new(monitor.to_string(), LOCAL_LOCATION),
            failures: 2,
            first: Failure::new(FailureKind::Unhealthy, "HTTP 503 Service Unavailable"),
        }
    } else {
        Cause::FailingShare {
            failing: 1,
            unreachable: 1,
            monitored: 1,
            over_percent: 50.0,
        }
    };
    serde_json::to_value(cause).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_before_january_is_december() {
        let jan = Month::new(2027, 1).expect("month");
        let dec = previous(jan).expect("previous");
        assert_eq!((dec.year(), dec.month()), (2026, 12));
        let mar = Month::new(2026, 3).expect("month");
        assert_eq!(previous(mar).expect("previous").month(), 2);
    }

    #[test]
    fn innovasias_month_earns_the_first_tier_in_any_month_length() {
        let down: i64 = INNOVASIA.iter().map(|o| o.minutes).sum();
        assert_eq!(down, 2415);
        let counted = down - 120 - 45;
        for days in [28_i64, 29, 30, 31] {
            let minutes = days * 24 * 60;
            let percent = 100.0 * (minutes - counted) as f64 / minutes as f64;
            assert!((90.0..95.0).contains(&percent), "{days} days: {percent}");
        }
    }
}
