//! `tenggat sla evaluate`: every clock of one ticket at one instant, as JSON or as a view a
//! person can check by eye (each running stretch of each clock, in the clock's calendar).

use std::fmt::Write as _;
use std::io::Read as _;

use anyhow::{Result, anyhow, bail};
use jiff::Timestamp;
use tenggat_sla::{Evaluation, MetricResult, Policy, Target, TicketEvent};
use tenggat_time::{BusinessDuration, Calendar, MAX_INSTANT, MIN_INSTANT};

use crate::{calendar_arg, cmd_policy, input};

/// The arguments of `tenggat sla evaluate`.
pub struct EvaluateArgs<'a> {
    /// Preset name or policy file.
    pub policy: &'a str,
    /// Events file, or `-` for stdin.
    pub events: &'a str,
    /// The instant to evaluate at; default: the last event.
    pub now: Option<&'a str>,
    /// Print the JSON object.
    pub json: bool,
    /// Add-ons to apply, in order.
    pub addons: &'a [String],
}

/// Runs `tenggat sla evaluate`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let mut policy = cmd_policy::load(args.policy)?;
    for id in args.addons {
        if policy.active_addons.iter().any(|a| a == id) {
            continue;
        }
        let available: Vec<String> = policy.addons.iter().map(|a| a.id.clone()).collect();
        policy = policy.with_addon(id).ok_or_else(|| {
            if available.is_empty() {
                anyhow!("unknown add-on {id:?}: this policy has no add-ons")
            } else {
                anyhow!(
                    "unknown add-on {id:?}: this policy has {}",
                    available.join(", ")
                )
            }
        })?;
    }
    let (label, text) = read_events(args.events)?;
    let events = TicketEvent::parse_jsonl(&text).map_err(|e| anyhow!("{label}: {e}"))?;
    // Line numbers of the events (blank lines carry none).
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, _)| i + 1);
    for (e, line) in events.iter().zip(lines) {
        in_range(e.at).map_err(|m| anyhow!("{label}: line {line}: \"at\" {}: {m}", e.at))?;
    }
    let now = match args.now {
        Some(text) => {
            let t = input::instant(text).map_err(|e| anyhow!("--now: {e}"))?;
            in_range(t).map_err(|m| anyhow!("--now {text}: {m}"))?;
            t
        }
        None => events.iter().map(|e| e.at).max().ok_or_else(|| {
            anyhow!("{label}: no events: a ticket starts with a \"created\" event")
        })?,
    };
    if let Some(first) = events.iter().map(|e| e.at).min()
        && now < first
    {
        let first = Zone(policy.calendar(&policy.default_calendar)).rfc3339(first);
        bail!(
            "--now {} is before the ticket's first event ({first})",
            args.now.unwrap_or_default()
        );
    }
    // The fold checks only the events up to `now`; the whole file must describe a ticket the
    // policy knows, whatever instant is asked about.
    if let Some(last) = events.iter().map(|e| e.at).max()
        && last > now
    {
        tenggat_sla::evaluate(&policy, &events, last).map_err(|e| anyhow!("{label}: {e}"))?;
    }
    let eval = tenggat_sla::evaluate(&policy, &events, now).map_err(|e| anyhow!("{label}: {e}"))?;
    warn_coverage(&policy, &eval);
    if args.json {
        println!("{}", tenggat_sla::evaluation_json(&policy, &eval));
    } else {
        print!("{}", human(&policy, &eval, &events));
    }
    Ok(())
}

fn in_range(t: Timestamp) -> Result<(), String> {
    let n = t.as_nanosecond();
    if n < i128::from(MIN_INSTANT) || n > i128::from(MAX_INSTANT) {
        return Err("outside the supported range 1900-01-01 to 2199-12-31 (UTC)".into());
    }
    Ok(())
}

/// The events text and the name to use in messages; stdin and files share the size limit.
fn read_events(source: &str) -> Result<(String, String)> {
    if source != "-" {
        let text = calendar_arg::read_text(std::path::Path::new(source))?;
        return Ok((source.to_string(), text));
    }
    let limit = calendar_arg::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow!("cannot read the events from stdin: {e}"))?;
    if bytes.len() as u64 > limit {
        bail!("the events on stdin are larger than {} MiB", limit >> 20);
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "the events on stdin are not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(("<stdin>".into(), text))
}

/// Says on stderr when a clock reached dates its calendar's holiday data does not cover.
fn warn_coverage(policy: &Policy, eval: &Evaluation) {
    let mut said: Vec<String> = Vec::new();
    for m in &eval.metrics {
        let Some(cal) = policy.calendar(&m.calendar) else {
            continue;
        };
        let end = m.due.map_or(eval.now, |d| d.max(eval.now));
        if let Some(gap) = cal.coverage_gap(m.start, end)
            && !said.contains(&gap.set)
        {
            eprintln!("tenggat: warning: {gap}");
            said.push(gap.set);
        }
    }
}

/// Instants in a calendar's offset.
#[derive(Clone, Copy)]
struct Zone<'a>(Option<&'a Calendar>);

impl Zone<'_> {
    fn rfc3339(self, t: Timestamp) -> String {
        match self.0 {
            Some(cal) => t.display_with_offset(cal.offset_at(t)).to_string(),
            None => t.to_string(),
        }
    }

    fn civil(self, t: Timestamp) -> jiff::civil::DateTime {
        match self.0 {
            Some(cal) => cal.offset_at(t).to_datetime(t),
            None => jiff::tz::Offset::UTC.to_datetime(t),
        }
    }

    /// `WIB`, `EDT`, `UTC`, or the offset when the zone has no abbreviation.
    fn label(self, t: Timestamp) -> String {
        match self.0 {
            Some(cal) => {
                let info = cal.timezone().to_offset_info(t);
                let abbr = info.abbreviation();
                if abbr.is_empty() {
                    cal.offset_at(t).to_string()
                } else {
                    abbr.to_string()
                }
            }
            None => "UTC".into(),
        }
    }

    /// `Mon 2026-03-16 12:30 WIB (2026-03-16T12:30:00+07:00)`.
    fn full(self, t: Timestamp) -> String {
        let dt = self.civil(t);
        format!(
            "{} {} {} ({})",
            dt.strftime("%a"),
            date_time(dt),
            self.label(t),
            self.rfc3339(t)
        )
    }
}

/// `2026-03-16 12:30`, with seconds when there are any.
fn date_time(dt: jiff::civil::DateTime) -> String {
    format!("{} {}", dt.date(), clock(dt.time()))
}

fn clock(t: jiff::civil::Time) -> String {
    if t.second() == 0 && t.subsec_nanosecond() == 0 {
        t.strftime("%H:%M").to_string()
    } else {
        t.strftime("%H:%M:%S").to_string()
    }
}

/// Business time as `2h30m` (hours, never business days); `-15m` when negative.
fn dur(nanos: i64) -> String {
    if nanos < 0 {
        format!("-{}", BusinessDuration::from_nanos(nanos.saturating_neg()))
    } else {
        BusinessDuration::from_nanos(nanos).to_string()
    }
}

/// `2026-03-13 16:30 → 17:00 WIB`; the end carries its date when it differs, and each end
/// its own zone label when they differ (a change of offset).
fn span(zone: Zone, a: Timestamp, b: Timestamp) -> String {
    let (da, db) = (zone.civil(a), zone.civil(b));
    let (la, lb) = (zone.label(a), zone.label(b));
    let end = if da.date() == db.date() {
        clock(db.time())
    } else {
        date_time(db)
    };
    if la == lb {
        format!("{} → {end} {lb}", date_time(da))
    } else {
        format!("{} {la} → {end} {lb}", date_time(da))
    }
}

/// The events at instant `t`, as `paused: waiting_on_customer, acknowledged`.
fn events_at(events: &[TicketEvent], t: Timestamp) -> String {
    events
        .iter()
        .filter(|e| e.at == t)
        .map(|e| {
            let json = e.to_json();
            let extra = ["reason", "to"]
                .iter()
                .find_map(|k| json.get(*k).and_then(|v| v.as_str()).map(str::to_string));
            match extra {
                Some(x) => format!("{}: {x}", e.kind.type_id()),
                None => e.kind.type_id().to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most this many timeline lines per metric; the middle of longer timelines is elided.
const MAX_TIMELINE: usize = 24;

fn timeline(
    m: &MetricResult,
    cal: Option<&Calendar>,
    zone: Zone,
    events: &[TicketEvent],
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut prev_end: Option<Timestamp> = None;
    for &(s, e) in &m.stretches {
        if let Some(p) = prev_end
            && s > p
        {
            let why = events_at(events, p);
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            };
            lines.push(format!("stopped   {}{why}", span(zone, p, s)));
        }
        let pieces = match cal {
            Some(cal) => cal.working_stretches(s, e).collect(),
            None => vec![(s, e)],
        };
        for (a, b) in pieces {
            let worked = cal.map_or(0, |c| {
                c.elapsed_nanos(a.as_nanosecond() as i64, b.as_nanosecond() as i64)
                    .unwrap_or(0)
            });
            lines.push(format!("running   {} ({})", span(zone, a, b), dur(worked)));
        }
        prev_end = Some(e);
    }
    if lines.len() > MAX_TIMELINE {
        let keep = MAX_TIMELINE / 2 - 1;
        let hidden = lines.len() - 2 * keep;
        let tail = lines.split_off(lines.len() - keep);
        lines.truncate(keep);
        lines.push(format!("… {hidden} more lines"));
        lines.extend(tail);
    }
    lines
}

/// The view for people.
fn human(policy: &Policy, eval: &Evaluation, events: &[TicketEvent]) -> String {
    let mut out = String::new();
    let default = Zone(policy.calendar(&policy.default_calendar));
    let addons = if policy.active_addons.is_empty() {
        String::new()
    } else {
        format!(", add-ons: {}", policy.active_addons.join(", "))
    };
    let _ = writeln!(
        out,
        "policy      {} {} — {}{addons}",
        policy.id, policy.version, policy.name.en
    );
    let priority_name = policy
        .priority(&eval.priority)
        .map(|p| format!(" ({})", p.name.en))
        .unwrap_or_default();
    let kind_name = policy
        .kind(&eval.kind)
        .map(|k| format!(" ({})", k.name.en))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "ticket      priority {}{priority_name}, kind {}{kind_name}",
        eval.priority, eval.kind
    );
    let _ = writeln!(out, "now         {}", default.full(eval.now));
    let level = policy
        .escalation
        .levels
        .iter()
        .find(|l| l.level == eval.escalation.level);
    let _ = writeln!(
        out,
        "escalation  level {}{}",
        eval.escalation.level,
        level.map_or(String::new(), |l| format!(
            " — {} ({})",
            l.name.en, l.role.en
        ))
    );
    for f in &eval.escalation.fired {
        let _ = writeln!(
            out,
            "  fired     {} → level {} at {}",
            f.rule,
            f.level,
            default.full(f.at)
        );
    }
    if eval.metrics.is_empty() {
        let _ = writeln!(
            out,
            "\nno clocks: the policy defines no target for this ticket"
        );
    }
    for m in &eval.metrics {
        let cal = policy.calendar(&m.calendar);
        // Every instant of the ticket in one zone: the policy's main calendar's.
        let zone = default;
        let id = m.metric.as_str();
        let name = m.metric.name(tenggat_sla::Lang::En);
        let name = if name == id {
            String::new()
        } else {
            format!(" ({name})")
        };
        let _ = writeln!(out, "\n{id}{name}: {}", m.state.as_str());
        let cal_text = cal.map_or(String::new(), |c| {
            format!(" — {} ({})", c.name(), c.timezone_name())
        });
        let target = match m.target {
            Target::Duration(d) => format!("{d} on {}{cal_text}", m.calendar),
            Target::None => "none (no time commitment)".into(),
            Target::NextRelease => "next_release (the next release cycle; no clock)".into(),
        };
        let _ = writeln!(out, "  target    {target}");
        let _ = writeln!(out, "  start     {}", zone.full(m.start));
        if let Some(t) = m.due {
            let _ = writeln!(out, "  due       {}", zone.full(t));
        }
        if let Some(t) = m.met_at {
            let _ = writeln!(out, "  met       {}", zone.full(t));
        }
        if let Some(t) = m.breached_at {
            let _ = writeln!(out, "  breached  {}", zone.full(t));
        }
        if let Some(total) = m.target_nanos {
            let mut line = format!("{} of {}", dur(m.elapsed_nanos), dur(total));
            if let Some(p) = m.percent_elapsed {
                let _ = write!(line, " ({p:.1} %)");
            }
            if let Some(r) = m.remaining_nanos {
                let _ = write!(line, ", remaining {}", dur(r));
            }
            let _ = writeln!(out, "  elapsed   {line}");
        }
        if !m.paused_by.is_empty() {
            let reasons: Vec<&str> = m.paused_by.iter().map(|r| r.as_str()).collect();
            let _ = writeln!(out, "  paused by {}", reasons.join(", "));
        }
        if let Some(source) = &m.source {
            let _ = writeln!(out, "  source    {source}");
        }
        // A metric without a clock has no timeline to show.
        let lines = if m.target_nanos.is_some() {
            timeline(m, cal, zone, events)
        } else {
            Vec::new()
        };
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    }
    match eval.next_change {
        Some(t) => {
            let _ = writeln!(out, "\nnext change: {}", default.full(t));
        }
        None => {
            let _ = writeln!(
                out,
                "\nnext change: none (nothing changes without a new event)"
            );
        }
    }
    out
}
