//! Criterion benchmark of `evaluate`: one ticket with 10 events and 4 metrics (response,
//! workaround, resolution, on-site) plus three escalation rules.
//!
//! Run: `cargo bench -p tenggat-sla --bench fold`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tenggat_sla::{Policy, TicketEvent, evaluate};

pub const POLICY: &str = r#"
id = "bench"
name = { id = "Bench", en = "Bench" }
calendar = "business"
[calendars]
business = "innovasia"
[[priorities]]
id = "P1"
name = { id = "Kritis", en = "Critical" }
[[priorities]]
id = "P2"
name = { id = "Sedang", en = "Medium" }
[[targets]]
metric = "response"
target = "4h"
paused_by = ["waiting_on_customer"]
[[targets]]
metric = "workaround"
target = "1bd"
paused_by = ["waiting_on_customer"]
[[targets]]
metric = "resolution"
target = "3bd"
paused_by = ["waiting_on_customer", "awaiting_permit"]
[[targets]]
metric = "onsite"
target = "9h"
paused_by = ["awaiting_permit"]
[[targets]]
priority = "P1"
metric = "response"
target = "1h"
calendar = "24x7"
[escalation]
levels = [
  { level = 1, name = { id = "L1", en = "L1" }, role = { id = "a", en = "a" } },
  { level = 2, name = { id = "L2", en = "L2" }, role = { id = "b", en = "b" } },
  { level = 3, name = { id = "L3", en = "L3" }, role = { id = "c", en = "c" } },
]
[[escalation.rules]]
id = "resolution-75pct"
level = 2
metric = "resolution"
percent = 75
until = ["workaround", "resolved"]
[[escalation.rules]]
id = "p1-no-workaround-4h"
level = 2
priority = "P1"
metric = "resolution"
after = "4h"
until = ["workaround", "resolved"]
[[escalation.rules]]
id = "unresolved-2bd"
level = 3
metric = "resolution"
after = "2bd"
until = ["resolved"]
"#;

pub const EVENTS: &str = r#"{"at":"2026-03-13T16:30:00+07:00","type":"created","priority":"P2","kind":"incident"}
{"at":"2026-03-13T16:45:00+07:00","type":"paused","reason":"waiting_on_customer"}
{"at":"2026-03-16T10:00:00+07:00","type":"resumed"}
{"at":"2026-03-16T10:30:00+07:00","type":"acknowledged"}
{"at":"2026-03-16T11:00:00+07:00","type":"priority","to":"P1"}
{"at":"2026-03-16T13:00:00+07:00","type":"paused","reason":"awaiting_permit"}
{"at":"2026-03-17T09:00:00+07:00","type":"resumed","reason":"awaiting_permit"}
{"at":"2026-03-17T11:00:00+07:00","type":"onsite"}
{"at":"2026-03-17T15:00:00+07:00","type":"workaround"}
{"at":"2026-03-18T10:00:00+07:00","type":"resolved"}"#;

fn bench(c: &mut Criterion) {
    let policy = Policy::from_toml(POLICY).unwrap();
    let events = TicketEvent::parse_jsonl(EVENTS).unwrap();
    assert_eq!(events.len(), 10);
    let now = "2026-03-18T12:00:00+07:00".parse().unwrap();
    let eval = evaluate(&policy, &events, now).unwrap();
    assert_eq!(eval.metrics.len(), 4);
    c.bench_function("evaluate_10_events_4_metrics", |b| {
        b.iter(|| black_box(evaluate(black_box(&policy), black_box(&events), now).unwrap()))
    });
    let mid = "2026-03-16T12:00:00+07:00".parse().unwrap();
    c.bench_function("evaluate_10_events_4_metrics_mid_ticket", |b| {
        b.iter(|| black_box(evaluate(black_box(&policy), black_box(&events), mid).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
