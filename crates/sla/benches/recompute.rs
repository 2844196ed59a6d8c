//! Recomputes 1,000,000 tickets through the library on every core (as after a holiday
//! change) and prints the wall time. Run:
//! `cargo bench -p tenggat-sla --bench recompute` (add `-- N` for another ticket count).
#![allow(missing_docs, clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use tenggat_sla::{EventKind, Satisfier, State, TicketEvent, evaluate, preset};

/// A ticket of the Innovasia preset, varied by `i`: created at a pseudo-random minute of
/// 2026, acknowledged, sometimes paused and resumed, sometimes worked around and resolved.
fn ticket(i: u64) -> Vec<TicketEvent> {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let created: Timestamp = "2026-01-01T00:00:00+07:00".parse().unwrap();
    let created = created + SignedDuration::from_mins(next(360 * 24 * 60) as i64);
    let at = |mins: u64| created + SignedDuration::from_mins(mins as i64);
    let priority = ["P1", "P2", "P3"][next(3) as usize].to_string();
    let mut events = vec![TicketEvent {
        at: created,
        kind: EventKind::Created {
            priority,
            kind: None,
            channel: None,
            attributes: Default::default(),
        },
    }];
    let mut t = next(300);
    events.push(TicketEvent {
        at: at(t),
        kind: EventKind::Progress(Satisfier::Acknowledged),
    });
    if next(2) == 0 {
        t += next(600);
        events.push(TicketEvent {
            at: at(t),
            kind: EventKind::Paused(tenggat_sla::PauseReason::WaitingOnCustomer),
        });
        t += next(2000);
        events.push(TicketEvent {
            at: at(t),
            kind: EventKind::Resumed(None),
        });
    }
    if next(3) > 0 {
        t += next(3000);
        events.push(TicketEvent {
            at: at(t),
            kind: EventKind::Progress(Satisfier::Workaround),
        });
        t += next(5000);
        events.push(TicketEvent {
            at: at(t),
            kind: EventKind::Progress(Satisfier::Resolved),
        });
    }
    events
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let policy = preset("innovasia").unwrap().unwrap();
    let tickets: Vec<Vec<TicketEvent>> = (0..n).map(ticket).collect();
    let now: Timestamp = "2027-01-15T00:00:00+07:00".parse().unwrap();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let start = Instant::now();
    let chunk = tickets.len().div_ceil(threads);
    let breached: usize = std::thread::scope(|s| {
        let handles: Vec<_> = tickets
            .chunks(chunk)
            .map(|part| {
                let policy = &policy;
                s.spawn(move || {
                    part.iter()
                        .map(|events| {
                            let e = evaluate(policy, events, now).unwrap();
                            e.metrics
                                .iter()
                                .filter(|m| m.state == State::Breached)
                                .count()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "recomputed {n} tickets on {threads} threads in {secs:.3} s ({:.0} tickets/s); {breached} breached metrics",
        n as f64 / secs
    );
}
