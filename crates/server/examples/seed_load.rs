//! Bulk-loads tickets with their event logs for the API load benchmark
//! (`scripts/bench_api.sh`, `docs/benchmarks.md`, "API (issue 4)").
//!
//! ```sh
//! cargo run --release -p tenggat-server --example seed_load -- DATABASE_URL TICKETS \
//!     [--open 0.1] [--customers 20] [--preset kinobi] [--events 10] [--now RFC3339] \
//!     [--seed N] [--batch 500] [--writers 3] [--check]
//! ```
//!
//! - `DATABASE_URL`: `sqlite://PATH` (created and migrated if missing) or `postgres://…`
//!   (an existing database; migrated).
//! - `TICKETS`: how many tickets to add; exactly `floor(TICKETS × open)` of them stay open
//!   (new, in progress or waiting on the customer), the rest are closed.
//! - `--customers`: customer organisations `load-0`, `load-1`, … (reused when they exist), each
//!   with two reporting users and one contract on the preset `--preset` (`kinobi` by default,
//!   or `innovasia`, …). The provider organisation is the existing one (created, without users,
//!   when there is none, so that `tenggat serve` still performs its first run); staff events
//!   are made by the provider's first admin or agent, if there is one.
//! - `--events`: events per ticket (at least the history of its stage needs; 10 by default).
//!
//! Organisations, users and contracts go through the `Store` API. Tickets and events go
//! through a bulk path of this example — multi-row `INSERT`s (SQLite) or `UNNEST` arrays
//! (PostgreSQL), one transaction per batch — with exactly the column values the store writes
//! for the same history: `create_ticket`, one `append_event` per later event (as the API's
//! actions build them) and an `update_sla_cache` of the fold at `--now` (the default: the
//! wall clock at start). `--check` proves it on the given database: it writes four tickets
//! (one of each stage) both ways and compares the rows column by column (`EXCEPT` both ways);
//! use a scratch database for it. Reports are not validated; they are generated to fit the
//! preset (every mandatory field that is not an attachment filled, no files).

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite};
use tenggat_server::desk::{self, PolicyCache, Report};
use tenggat_sla::{FieldType, PauseReason, Policy};
use tenggat_store::{
    Database, Language, NewContract, NewEvent, NewOrganisation, NewTicket, NewUser, OrgKind,
    PolicyBinding, PolicyRef, Role, Store, StoredEvent, TicketStatus, TicketUpdate, Visibility,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `next_due` of a ticket without a pending due instant (as the store writes it).
const NO_DUE: i64 = i64::MAX;
/// Tickets per `INSERT` on SQLite (27 columns: 13,500 variables of the 32,766 allowed).
const SQLITE_TICKETS_PER_STATEMENT: usize = 500;
/// Events per `INSERT` on SQLite (8 columns: 32,000 variables).
const SQLITE_EVENTS_PER_STATEMENT: usize = 4000;

const USAGE: &str = "usage: seed_load DATABASE_URL TICKETS [--open FRACTION] [--customers N] \
                     [--preset NAME] [--events N] [--now RFC3339] [--seed N] [--batch N] \
                     [--writers N] [--check]";

#[derive(Debug, Clone)]
struct Args {
    url: String,
    tickets: u64,
    open: f64,
    customers: u32,
    preset: String,
    events: usize,
    now: Option<Timestamp>,
    seed: u64,
    batch: usize,
    writers: usize,
    check: bool,
}

fn parse_args() -> Result<Args, BoxError> {
    let mut positional = Vec::new();
    let mut args = Args {
        url: String::new(),
        tickets: 0,
        open: 0.1,
        customers: 20,
        preset: "kinobi".into(),
        events: 10,
        now: None,
        seed: 20_261_122,
        batch: 500,
        writers: 3,
        check: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--open" => args.open = value("--open")?.parse()?,
            "--customers" => args.customers = value("--customers")?.parse()?,
            "--preset" => args.preset = value("--preset")?,
            "--events" => args.events = value("--events")?.parse()?,
            "--now" => args.now = Some(value("--now")?.parse()?),
            "--seed" => args.seed = value("--seed")?.parse()?,
            "--batch" => args.batch = value("--batch")?.parse()?,
            "--writers" => args.writers = value("--writers")?.parse()?,
            "--check" => args.check = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}").into());
            }
            other => positional.push(other.to_owned()),
        }
    }
    let [url, tickets] = positional.as_slice() else {
        return Err(USAGE.into());
    };
    args.url = url.clone();
    args.tickets = tickets.parse()?;
    if !(0.0..=1.0).contains(&args.open) {
        return Err("--open is a fraction between 0 and 1".into());
    }
    if args.customers == 0 || args.batch == 0 || args.writers == 0 {
        return Err("--customers, --batch and --writers must be at least 1".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_load: {e}");
            ExitCode::from(2)
        }
    }
}

// ------------------------------------------------------------------------------ random

/// SplitMix64: small, fast and deterministic per ticket (no dependency needed).
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A duration uniform between two.
    fn between(&mut self, low: SignedDuration, high: SignedDuration) -> SignedDuration {
        let span = (high - low).as_secs().max(1) as u64;
        low + SignedDuration::from_secs(self.below(span) as i64)
    }
}

// ------------------------------------------------------------------------------ setup

#[derive(Debug, Clone)]
struct Reporter {
    id: i64,
    name: String,
    email: String,
}

#[derive(Debug, Clone)]
struct Customer {
    org: i64,
    contract: i64,
    reporters: Vec<Reporter>,
}

/// Everything a generator thread needs.
struct Ctx {
    policy: Arc<Policy>,
    /// The preset, as the tickets record it.
    binding: PolicyBinding,
    customers: Vec<Customer>,
    staff: Option<i64>,
    now: Timestamp,
    open: f64,
    events: usize,
    seed: u64,
    kind: String,
    priorities: Vec<String>,
    channels: Vec<String>,
}

/// Customers with their reporters and a contract on the preset, created when missing.
async fn customers(
    db: &Database,
    provider: i64,
    n: u32,
    preset: &str,
    now: Timestamp,
) -> Result<Vec<Customer>, BoxError> {
    let mut out = Vec::new();
    for c in 0..n {
        let slug = format!("load-{c}");
        let org = match db.organisation_by_slug(&slug).await? {
            Some(org) => org,
            None => {
                db.create_organisation(&NewOrganisation {
                    kind: OrgKind::Customer,
                    name: format!("Load customer {c}"),
                    slug: slug.clone(),
                    created_at: now,
                })
                .await?
            }
        };
        let mut users = db.users_of_organisation(org.id).await?;
        for k in users.len()..2 {
            users.push(
                db.create_user(&NewUser {
                    organisation_id: org.id,
                    email: format!("reporter{k}@{slug}.example"),
                    name: format!("Reporter {k} of {slug}"),
                    role: Role::CustomerUser,
                    language: Language::Id,
                    created_at: now,
                })
                .await?,
            );
        }
        let wanted = PolicyRef::Preset(preset.to_owned());
        let contract = match db
            .contracts_of_organisation(org.id)
            .await?
            .into_iter()
            .find(|k| k.policy == wanted && k.add_ons.is_empty())
        {
            Some(contract) => contract,
            None => {
                db.create_contract(&NewContract {
                    provider_id: provider,
                    customer_org_id: org.id,
                    policy: wanted,
                    add_ons: Vec::new(),
                    monthly_fee_minor: 2_500_000_000,
                    currency: "IDR".into(),
                    term_start: jiff::civil::date(2024, 1, 1),
                    term_end: None,
                    designated_contacts_only: false,
                    designated_contacts: Vec::new(),
                    created_at: now,
                })
                .await?
            }
        };
        out.push(Customer {
            org: org.id,
            contract: contract.id,
            reporters: users
                .iter()
                .map(|u| Reporter {
                    id: u.id,
                    name: u.name.clone(),
                    email: u.email.clone(),
                })
                .collect(),
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------------------ plans

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not answered yet.
    New,
    /// Acknowledged, paused once and resumed, being worked on.
    Working,
    /// Acknowledged, now waiting on the customer.
    Waiting,
    /// Worked around, resolved and closed.
    Closed,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Assigned,
    Ack,
    ReplyProvider,
    ReplyCustomer,
    Note,
    Pause,
    Resume,
    Workaround,
    Resolve,
    Close,
}

/// One later event with the ticket change the API's action writes with it.
struct Append {
    event: NewEvent,
    status: Option<TicketStatus>,
    assignee: Option<Option<i64>>,
}

/// A ticket's whole history.
struct Planned {
    new: NewTicket,
    created: NewEvent,
    appends: Vec<Append>,
}

/// Whether ticket `i` stays open: exactly `floor(n × open)` of the first `n` do, spread evenly.
fn is_open(i: u64, open: f64) -> bool {
    ((i + 1) as f64 * open).floor() > (i as f64 * open).floor()
}

fn stage_of(i: u64, ctx: &Ctx) -> Stage {
    if !is_open(i, ctx.open) {
        return Stage::Closed;
    }
    match Rng::new(ctx.seed, i).below(4) {
        0 => Stage::New,
        3 => Stage::Waiting,
        _ => Stage::Working,
    }
}

const SENTENCES: &[&str] = &[
    "Pengguna tidak dapat masuk ke dasbor setelah pembaruan terakhir; muncul galat 500.",
    "The export of the monthly report stops at 80 % and the browser shows a timeout.",
    "Notifikasi WhatsApp ke pelanggan terlambat sekitar 15 menit sejak pagi ini.",
    "Since yesterday the API answers 429 for requests that stay well below our quota.",
    "Sinkronisasi kontak dari CRM gagal untuk akun dengan lebih dari 10.000 entri.",
    "The chatbot answers in English although the workspace language is Indonesian.",
];

fn sentence(rng: &mut Rng) -> &'static str {
    SENTENCES[rng.below(SENTENCES.len() as u64) as usize]
}

/// The mandatory fields of the policy, filled as a reporter would.
fn fields(
    policy: &Policy,
    rng: &mut Rng,
    reporter: &Reporter,
    observed: Timestamp,
) -> Map<String, Value> {
    let phone = format!("+62 812 {:04} {:04}", rng.below(10_000), rng.below(10_000));
    let mut out = Map::new();
    for field in &policy.fields {
        let value = match field.field_type {
            FieldType::Attachment => continue,
            FieldType::Text => Value::String(sentence(rng).to_owned()),
            FieldType::Email => Value::String(reporter.email.clone()),
            FieldType::Phone => Value::String(phone.clone()),
            FieldType::Datetime => Value::String(match TimeZone::get("Asia/Jakarta") {
                Ok(tz) => observed.to_zoned(tz).to_string(),
                Err(_) => observed.to_string(),
            }),
            FieldType::Person => json!({
                "name": reporter.name,
                "email": reporter.email,
                "phone": phone,
            }),
        };
        out.insert(field.id.clone(), value);
    }
    out
}

fn steps(stage: Stage, events: usize, staff: bool) -> Vec<Step> {
    use Step::*;
    let (head, tail): (&[Step], &[Step]) = match stage {
        Stage::New => (&[Assigned], &[]),
        Stage::Working => (
            &[Assigned, Ack, ReplyProvider, Pause, ReplyCustomer, Resume],
            &[],
        ),
        Stage::Waiting => (&[Assigned, Ack, ReplyProvider], &[Pause]),
        Stage::Closed => (
            &[Assigned, Ack, ReplyProvider, Pause, ReplyCustomer, Resume],
            &[Workaround, Resolve, Close],
        ),
    };
    let filler = [Note, ReplyCustomer, ReplyProvider];
    let extra = events.saturating_sub(1 + head.len() + tail.len());
    let mut out: Vec<Step> = head.to_vec();
    out.extend((0..extra).map(|k| filler[k % filler.len()]));
    out.extend_from_slice(tail);
    if !staff {
        // Nobody to assign to: an internal note instead.
        for step in &mut out {
            if matches!(step, Assigned) {
                *step = Note;
            }
        }
    }
    out
}

/// The history of ticket `i`, as the API would have written it.
fn plan(i: u64, ctx: &Ctx) -> Planned {
    let mut rng = Rng::new(ctx.seed, i.wrapping_add(1 << 40));
    let customer = &ctx.customers[(i % ctx.customers.len() as u64) as usize];
    let reporter = &customer.reporters[rng.below(customer.reporters.len() as u64) as usize];
    let stage = stage_of(i, ctx);
    // Priorities, most urgent first: 10 %, 25 %, 40 %, the rest spread over the others.
    let weights = [10, 25, 40];
    let roll = rng.below(100) as usize;
    let mut acc = 0;
    let mut pick = ctx.priorities.len() - 1;
    for (k, w) in weights
        .iter()
        .enumerate()
        .take(ctx.priorities.len().saturating_sub(1))
    {
        acc += w;
        if roll < acc {
            pick = k;
            break;
        }
    }
    let priority = ctx.priorities[pick].clone();
    let channel = if ctx.channels.is_empty() {
        None
    } else {
        Some(ctx.channels[rng.below(ctx.channels.len() as u64) as usize].clone())
    };
    let minute = SignedDuration::from_mins(1);
    let hour = SignedDuration::from_hours(1);
    let day = SignedDuration::from_hours(24);
    let (created_at, last_at) = match stage {
        Stage::Closed => {
            let created = ctx.now - rng.between(day * 20, day * 365);
            (created, created + rng.between(hour * 2, day * 15))
        }
        Stage::New => (
            ctx.now - rng.between(hour, day * 3),
            ctx.now - rng.between(minute, minute * 30),
        ),
        Stage::Working | Stage::Waiting => (
            ctx.now - rng.between(hour * 4, day * 10),
            ctx.now - rng.between(minute, hour),
        ),
    };
    let observed = created_at - rng.between(minute * 5, hour * 2);
    let with_observed = rng.below(2) == 0;
    let report = Report {
        kind: Some(ctx.kind.clone()),
        priority: priority.clone(),
        channel: channel.clone(),
        attributes: BTreeMap::new(),
        fields: fields(&ctx.policy, &mut rng, reporter, observed),
        attachment_fields: Vec::new(),
    };
    let created_sla = desk::created_event(created_at, &priority, &ctx.kind, &report);
    let created = NewEvent::from_sla(&created_sla, Some(reporter.id), Visibility::Public);
    let new = NewTicket {
        contract_id: customer.contract,
        customer_org_id: customer.org,
        kind: ctx.kind.clone(),
        priority,
        attributes: serde_json::to_value(&report.attributes).unwrap_or(Value::Null),
        channel,
        reporter_id: Some(reporter.id),
        title: format!(
            "Load ticket {i}: {}",
            sentence(&mut rng).trim_end_matches('.')
        ),
        description: format!("{} {}", sentence(&mut rng), sentence(&mut rng)),
        fields: Value::Object(report.fields),
        observed_at: with_observed.then_some(observed),
        observed_tz: with_observed.then(|| "Asia/Jakarta".to_owned()),
        status: TicketStatus::New,
        assignee_id: None,
        created_at,
        sla: None,
        attachments: Vec::new(),
        // Measured by the contract's policy, recorded as the API records it.
        policy: Some(ctx.binding.clone()),
    };

    // Instants of the later events: sorted uniform draws between creation and the last one.
    let steps = steps(stage, ctx.events, ctx.staff.is_some());
    let span = last_at.duration_since(created_at).as_nanos().max(0);
    let mut offsets: Vec<i128> = (0..steps.len())
        .map(|_| (rng.unit() * span as f64) as i128)
        .collect();
    offsets.sort_unstable();
    if let Some(last) = offsets.last_mut() {
        *last = span;
    }
    let mut status = TicketStatus::New;
    let mut assignee: Option<i64> = None;
    let mut appends = Vec::with_capacity(steps.len());
    for (step, offset) in steps.iter().zip(offsets) {
        let at = created_at + SignedDuration::from_nanos(offset as i64);
        let staff = ctx.staff;
        let (event_type, payload, actor, visibility, to, assign) = match step {
            Step::Assigned => {
                let payload =
                    json!({ "from": assignee, "to": staff, "team": Option::<String>::None });
                assignee = staff;
                (
                    "assigned",
                    payload,
                    staff,
                    Visibility::Public,
                    None,
                    Some(staff),
                )
            }
            Step::Ack => (
                "acknowledged",
                json!({}),
                staff,
                Visibility::Public,
                Some(TicketStatus::Acknowledged),
                None,
            ),
            Step::ReplyProvider => (
                "reply",
                json!({ "body": sentence(&mut rng), "from": "provider" }),
                staff,
                Visibility::Public,
                None,
                None,
            ),
            Step::ReplyCustomer => (
                "reply",
                json!({ "body": sentence(&mut rng), "from": "customer" }),
                Some(reporter.id),
                Visibility::Public,
                None,
                None,
            ),
            Step::Note => (
                "note",
                json!({ "body": sentence(&mut rng) }),
                staff,
                Visibility::Internal,
                None,
                None,
            ),
            Step::Pause | Step::Resume => {
                let (to, reason) = match step {
                    Step::Pause => (
                        TicketStatus::WaitingOnCustomer,
                        PauseReason::WaitingOnCustomer,
                    ),
                    _ => (TicketStatus::InProgress, PauseReason::WaitingOnCustomer),
                };
                let mut payload = json!({ "from": status.as_str(), "to": to.as_str() });
                payload["reason"] = Value::String(reason.as_str().into());
                let kind = if matches!(step, Step::Pause) {
                    "paused"
                } else {
                    "resumed"
                };
                (kind, payload, staff, Visibility::Public, Some(to), None)
            }
            Step::Workaround => {
                let to = matches!(status, TicketStatus::New | TicketStatus::Acknowledged)
                    .then_some(TicketStatus::InProgress);
                ("workaround", json!({}), staff, Visibility::Public, to, None)
            }
            Step::Resolve => (
                "resolved",
                json!({}),
                staff,
                Visibility::Public,
                Some(TicketStatus::Resolved),
                None,
            ),
            Step::Close => (
                "closed",
                json!({}),
                staff,
                Visibility::Public,
                Some(TicketStatus::Closed),
                None,
            ),
        };
        if let Some(to) = to {
            status = to;
        }
        appends.push(Append {
            event: NewEvent {
                at,
                event_type: event_type.to_owned(),
                payload,
                actor_id: actor,
                visibility,
            },
            status: to,
            assignee: assign,
        });
    }
    Planned {
        new,
        created,
        appends,
    }
}

fn stored(seq: i64, event: &NewEvent) -> StoredEvent {
    StoredEvent {
        id: 0,
        ticket_id: 0,
        seq,
        at: event.at,
        event_type: event.event_type.clone(),
        payload: event.payload.clone(),
        actor_id: event.actor_id,
        visibility: event.visibility,
    }
}

fn ns(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanosecond()).unwrap_or(i64::MAX)
}

// ------------------------------------------------------------------------------ rows

/// A `tickets` row without `id` and `provider_id`, as the store leaves it after the history
/// and a refresh of the SLA cache at `now`.
struct TicketRow {
    number: i64,
    contract_id: i64,
    customer_org_id: i64,
    kind: String,
    priority: String,
    attributes: String,
    channel: Option<String>,
    reporter_id: Option<i64>,
    title: String,
    description: String,
    fields: String,
    observed_at: Option<i64>,
    observed_tz: Option<String>,
    status: &'static str,
    is_open: bool,
    assignee_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
    last_seq: i64,
    sla: String,
    sla_seq: i64,
    next_change: Option<i64>,
    next_due: i64,
    policy_preset: Option<String>,
    policy_id: Option<i64>,
    policy_add_ons: Option<String>,
}

/// A `ticket_events` row without `id` and `ticket_id`.
struct EventRow {
    seq: i64,
    at: i64,
    event_type: String,
    payload: String,
    actor_id: Option<i64>,
    visibility: &'static str,
}

struct Rows {
    ticket: TicketRow,
    events: Vec<EventRow>,
}

fn json_text(value: &Value) -> String {
    // What `sqlx::types::Json` encodes (`serde_json::to_string`).
    serde_json::to_string(value).unwrap_or_default()
}

fn rows(planned: &Planned, number: i64, ctx: &Ctx) -> Result<Rows, BoxError> {
    let new = &planned.new;
    let mut log = vec![stored(1, &planned.created)];
    let mut status = new.status;
    let mut assignee = new.assignee_id;
    let mut updated_at = new.created_at;
    for (k, append) in planned.appends.iter().enumerate() {
        log.push(stored(k as i64 + 2, &append.event));
        if let Some(to) = append.status {
            status = to;
        }
        if let Some(to) = append.assignee {
            assignee = to;
        }
        updated_at = updated_at.max(append.event.at);
    }
    let sla = desk::sla_of_events(&ctx.policy, &log, ctx.now)?.cache();
    let last_seq = log.len() as i64;
    let ticket = TicketRow {
        number,
        contract_id: new.contract_id,
        customer_org_id: new.customer_org_id,
        kind: new.kind.clone(),
        priority: new.priority.clone(),
        attributes: json_text(&new.attributes),
        channel: new.channel.clone(),
        reporter_id: new.reporter_id,
        title: new.title.clone(),
        description: new.description.clone(),
        fields: json_text(&new.fields),
        observed_at: new.observed_at.map(ns),
        observed_tz: new.observed_tz.clone(),
        status: status.as_str(),
        is_open: status.is_open(),
        assignee_id: assignee,
        created_at: ns(new.created_at),
        updated_at: ns(updated_at),
        last_seq,
        sla: json_text(&sla.sla),
        sla_seq: last_seq,
        next_change: sla.next_change.map(ns),
        next_due: sla.next_due.map_or(NO_DUE, ns),
        policy_preset: match &new.policy {
            Some(PolicyBinding {
                policy: PolicyRef::Preset(name),
                ..
            }) => Some(name.clone()),
            _ => None,
        },
        policy_id: match &new.policy {
            Some(PolicyBinding {
                policy: PolicyRef::Uploaded(id),
                ..
            }) => Some(*id),
            _ => None,
        },
        policy_add_ons: new
            .policy
            .as_ref()
            .map(|b| serde_json::to_string(&b.add_ons).unwrap_or_default()),
    };
    let events = log
        .iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: ns(e.at),
            event_type: e.event_type.clone(),
            payload: json_text(&e.payload),
            actor_id: e.actor_id,
            visibility: e.visibility.as_str(),
        })
        .collect();
    Ok(Rows { ticket, events })
}

// ------------------------------------------------------------------------------ bulk writers

const TICKET_COLUMNS: &str = "provider_id, number, contract_id, customer_org_id, kind, priority, \
     attributes, channel, reporter_id, title, description, fields, observed_at, observed_tz, \
     status, is_open, assignee_id, created_at, updated_at, last_seq, sla, sla_seq, next_change, \
     next_due, policy_preset, policy_id, policy_add_ons";
const EVENT_COLUMNS: &str = "ticket_id, seq, at, event_type, payload, actor_id, visibility";

/// The ids the `INSERT … RETURNING id, number` gave, by ticket number.
fn ids_by_number(returned: Vec<(i64, i64)>) -> HashMap<i64, i64> {
    returned
        .into_iter()
        .map(|(id, number)| (number, id))
        .collect()
}

async fn write_sqlite(pool: &SqlitePool, provider: i64, batch: Vec<Rows>) -> Result<u64, BoxError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut ids = HashMap::with_capacity(batch.len());
    let mut events = Vec::with_capacity(batch.len() * 10);
    let mut tickets = Vec::with_capacity(batch.len());
    for rows in batch {
        events.push((rows.ticket.number, rows.events));
        tickets.push(rows.ticket);
    }
    let mut tickets = tickets.into_iter().peekable();
    while tickets.peek().is_some() {
        let chunk: Vec<TicketRow> = tickets
            .by_ref()
            .take(SQLITE_TICKETS_PER_STATEMENT)
            .collect();
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("INSERT INTO tickets ({TICKET_COLUMNS}) "));
        qb.push_values(chunk, |mut b, t| {
            b.push_bind(provider)
                .push_bind(t.number)
                .push_bind(t.contract_id)
                .push_bind(t.customer_org_id)
                .push_bind(t.kind)
                .push_bind(t.priority)
                .push_bind(t.attributes)
                .push_bind(t.channel)
                .push_bind(t.reporter_id)
                .push_bind(t.title)
                .push_bind(t.description)
                .push_bind(t.fields)
                .push_bind(t.observed_at)
                .push_bind(t.observed_tz)
                .push_bind(t.status)
                .push_bind(t.is_open)
                .push_bind(t.assignee_id)
                .push_bind(t.created_at)
                .push_bind(t.updated_at)
                .push_bind(t.last_seq)
                .push_bind(t.sla)
                .push_bind(t.sla_seq)
                .push_bind(t.next_change)
                .push_bind(t.next_due)
                .push_bind(t.policy_preset)
                .push_bind(t.policy_id)
                .push_bind(t.policy_add_ons);
        });
        qb.push(" RETURNING id, number");
        let returned: Vec<(i64, i64)> = qb.build_query_as().fetch_all(&mut *tx).await?;
        ids.extend(ids_by_number(returned));
    }
    let mut flat = Vec::with_capacity(events.len() * 10);
    for (number, list) in events {
        let id = *ids.get(&number).ok_or("a ticket id was not returned")?;
        flat.extend(list.into_iter().map(|e| (id, e)));
    }
    let written = flat.len() as u64;
    let mut flat = flat.into_iter().peekable();
    while flat.peek().is_some() {
        let chunk: Vec<(i64, EventRow)> = flat.by_ref().take(SQLITE_EVENTS_PER_STATEMENT).collect();
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("INSERT INTO ticket_events ({EVENT_COLUMNS}) "));
        qb.push_values(chunk, |mut b, (id, e)| {
            b.push_bind(id)
                .push_bind(e.seq)
                .push_bind(e.at)
                .push_bind(e.event_type)
                .push_bind(e.payload)
                .push_bind(e.actor_id)
                .push_bind(e.visibility);
        });
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(written)
}

async fn write_postgres(pool: &PgPool, provider: i64, batch: Vec<Rows>) -> Result<u64, BoxError> {
    let n = batch.len();
    let mut number = Vec::with_capacity(n);
    let mut contract_id = Vec::with_capacity(n);
    let mut customer_org_id = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut priority = Vec::with_capacity(n);
    let mut attributes = Vec::with_capacity(n);
    let mut channel = Vec::with_capacity(n);
    let mut reporter_id = Vec::with_capacity(n);
    let mut title = Vec::with_capacity(n);
    let mut description = Vec::with_capacity(n);
    let mut fields = Vec::with_capacity(n);
    let mut observed_at = Vec::with_capacity(n);
    let mut observed_tz = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut is_open = Vec::with_capacity(n);
    let mut assignee_id = Vec::with_capacity(n);
    let mut created_at = Vec::with_capacity(n);
    let mut updated_at = Vec::with_capacity(n);
    let mut last_seq = Vec::with_capacity(n);
    let mut sla = Vec::with_capacity(n);
    let mut sla_seq = Vec::with_capacity(n);
    let mut next_change = Vec::with_capacity(n);
    let mut next_due = Vec::with_capacity(n);
    let mut policy_preset = Vec::with_capacity(n);
    let mut policy_id = Vec::with_capacity(n);
    let mut policy_add_ons = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    for rows in batch {
        let t = rows.ticket;
        events.push((t.number, rows.events));
        number.push(t.number);
        contract_id.push(t.contract_id);
        customer_org_id.push(t.customer_org_id);
        kind.push(t.kind);
        priority.push(t.priority);
        attributes.push(t.attributes);
        channel.push(t.channel);
        reporter_id.push(t.reporter_id);
        title.push(t.title);
        description.push(t.description);
        fields.push(t.fields);
        observed_at.push(t.observed_at);
        observed_tz.push(t.observed_tz);
        status.push(t.status.to_owned());
        is_open.push(t.is_open);
        assignee_id.push(t.assignee_id);
        created_at.push(t.created_at);
        updated_at.push(t.updated_at);
        last_seq.push(t.last_seq);
        sla.push(t.sla);
        sla_seq.push(t.sla_seq);
        next_change.push(t.next_change);
        next_due.push(t.next_due);
        policy_preset.push(t.policy_preset);
        policy_id.push(t.policy_id);
        policy_add_ons.push(t.policy_add_ons);
    }
    let mut tx = pool.begin().await?;
    let returned: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tickets ({TICKET_COLUMNS}) \
         SELECT $1, number, contract_id, customer_org_id, kind, priority, attributes::jsonb, \
         channel, reporter_id, title, description, fields::jsonb, observed_at, observed_tz, \
         status, is_open, assignee_id, created_at, updated_at, last_seq, sla::jsonb, sla_seq, \
         next_change, next_due, policy_preset, policy_id, policy_add_ons::jsonb \
         FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], \
         $13::bigint[], $14::text[], $15::text[], $16::boolean[], $17::bigint[], $18::bigint[], \
         $19::bigint[], $20::bigint[], $21::text[], $22::bigint[], $23::bigint[], $24::bigint[], \
         $25::text[], $26::bigint[], $27::text[]) \
         AS u (number, contract_id, customer_org_id, kind, priority, attributes, channel, \
         reporter_id, title, description, fields, observed_at, observed_tz, status, is_open, \
         assignee_id, created_at, updated_at, last_seq, sla, sla_seq, next_change, next_due, \
         policy_preset, policy_id, policy_add_ons) \
         RETURNING id, number"
    )))
    .bind(provider)
    .bind(number)
    .bind(contract_id)
    .bind(customer_org_id)
    .bind(kind)
    .bind(priority)
    .bind(attributes)
    .bind(channel)
    .bind(reporter_id)
    .bind(title)
    .bind(description)
    .bind(fields)
    .bind(observed_at)
    .bind(observed_tz)
    .bind(status)
    .bind(is_open)
    .bind(assignee_id)
    .bind(created_at)
    .bind(updated_at)
    .bind(last_seq)
    .bind(sla)
    .bind(sla_seq)
    .bind(next_change)
    .bind(next_due)
    .bind(policy_preset)
    .bind(policy_id)
    .bind(policy_add_ons)
    .fetch_all(&mut *tx)
    .await?;
    let ids = ids_by_number(returned);
    let mut ticket_id = Vec::with_capacity(n * 10);
    let mut seq = Vec::with_capacity(n * 10);
    let mut at = Vec::with_capacity(n * 10);
    let mut event_type = Vec::with_capacity(n * 10);
    let mut payload = Vec::with_capacity(n * 10);
    let mut actor_id = Vec::with_capacity(n * 10);
    let mut visibility = Vec::with_capacity(n * 10);
    for (number, list) in events {
        let id = *ids.get(&number).ok_or("a ticket id was not returned")?;
        for e in list {
            ticket_id.push(id);
            seq.push(e.seq);
            at.push(e.at);
            event_type.push(e.event_type);
            payload.push(e.payload);
            actor_id.push(e.actor_id);
            visibility.push(e.visibility.to_owned());
        }
    }
    let written = ticket_id.len() as u64;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ticket_events ({EVENT_COLUMNS}) \
         SELECT ticket_id, seq, at, event_type, payload::jsonb, actor_id, visibility \
         FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], \
         $6::bigint[], $7::text[]) \
         AS u (ticket_id, seq, at, event_type, payload, actor_id, visibility)"
    )))
    .bind(ticket_id)
    .bind(seq)
    .bind(at)
    .bind(event_type)
    .bind(payload)
    .bind(actor_id)
    .bind(visibility)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// The bulk path's own connection to the database.
#[derive(Clone)]
enum Bulk {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Bulk {
    async fn open(url: &str, writers: usize) -> Result<Bulk, BoxError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Commits need not wait for the WAL flush while loading (no effect on the rows).
            let options = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "off")]);
            let pool = PgPoolOptions::new()
                .max_connections(writers as u32 + 1)
                .connect_with(options)
                .await?;
            return Ok(Bulk::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or("DATABASE_URL is sqlite://PATH or postgres://…")?;
        // The store's pragmas, and a large page cache for the index inserts.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("cache_size", "-1048576");
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Bulk::Sqlite(pool))
    }

    async fn write(&self, provider: i64, batch: Vec<Rows>) -> Result<u64, BoxError> {
        match self {
            Bulk::Sqlite(pool) => write_sqlite(pool, provider, batch).await,
            Bulk::Postgres(pool) => write_postgres(pool, provider, batch).await,
        }
    }

    /// Takes `count` ticket numbers of the provider, as `create_ticket` would one by one;
    /// returns the number before the first.
    async fn reserve_numbers(&self, provider: i64, count: i64) -> Result<i64, BoxError> {
        const SQL: &str = "INSERT INTO ticket_counters (provider_id, last_number) VALUES ($1, $2) \
                           ON CONFLICT (provider_id) \
                           DO UPDATE SET last_number = ticket_counters.last_number + $2 \
                           RETURNING last_number";
        let last: i64 = match self {
            Bulk::Sqlite(pool) => {
                sqlx::query_scalar(SQL)
                    .bind(provider)
                    .bind(count)
                    .fetch_one(pool)
                    .await?
            }
            Bulk::Postgres(pool) => {
                sqlx::query_scalar(SQL)
                    .bind(provider)
                    .bind(count)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(last - count)
    }

    /// Rows of `a` that `b` lacks and the reverse, over the columns the store writes (ids and
    /// numbers aside): 0 when both tickets and their logs are the same.
    async fn differences(&self, a: i64, b: i64) -> Result<i64, BoxError> {
        let ticket_cols = TICKET_COLUMNS.replace("number, ", "");
        let event_cols = "seq, at, event_type, payload, actor_id, visibility";
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM (SELECT {ticket_cols} FROM tickets WHERE id = $1 \
              EXCEPT SELECT {ticket_cols} FROM tickets WHERE id = $2) AS d1) + \
             (SELECT COUNT(*) FROM (SELECT {ticket_cols} FROM tickets WHERE id = $2 \
              EXCEPT SELECT {ticket_cols} FROM tickets WHERE id = $1) AS d2) + \
             (SELECT COUNT(*) FROM (SELECT {event_cols} FROM ticket_events WHERE ticket_id = $1 \
              EXCEPT SELECT {event_cols} FROM ticket_events WHERE ticket_id = $2) AS d3) + \
             (SELECT COUNT(*) FROM (SELECT {event_cols} FROM ticket_events WHERE ticket_id = $2 \
              EXCEPT SELECT {event_cols} FROM ticket_events WHERE ticket_id = $1) AS d4)"
        );
        Ok(match self {
            Bulk::Sqlite(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(a)
                    .bind(b)
                    .fetch_one(pool)
                    .await?
            }
            Bulk::Postgres(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(a)
                    .bind(b)
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// After loading: planner statistics on PostgreSQL (what autovacuum would gather); on
    /// SQLite a checkpoint, so the WAL does not stay gigabytes long.
    async fn finish(&self) -> Result<(), BoxError> {
        match self {
            Bulk::Sqlite(pool) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(pool)
                    .await?;
            }
            Bulk::Postgres(pool) => {
                sqlx::query("ANALYZE tickets").execute(pool).await?;
                sqlx::query("ANALYZE ticket_events").execute(pool).await?;
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------ check

/// Writes the history through the `Store` API as the server does (the SLA cache folded at
/// each event's instant, `expected_seq` set), then refreshes the cache at `now`.
async fn write_via_store(db: &Database, planned: &Planned, ctx: &Ctx) -> Result<i64, BoxError> {
    let mut log = vec![stored(1, &planned.created)];
    let mut new = planned.new.clone();
    new.sla = Some(desk::sla_of_events(&ctx.policy, &log, new.created_at)?.cache());
    let written = db.create_ticket(&new, &planned.created).await?;
    let id = written.ticket.id;
    let mut last_seq = written.ticket.last_seq;
    for append in &planned.appends {
        log.push(stored(last_seq + 1, &append.event));
        let update = TicketUpdate {
            status: append.status,
            priority: None,
            assignee_id: append.assignee,
            sla: Some(desk::sla_of_events(&ctx.policy, &log, append.event.at)?.cache()),
            expected_seq: Some(last_seq),
            policy: None,
            notifications: Vec::new(),
        };
        last_seq = db
            .append_event(id, None, &append.event, &update)
            .await?
            .ticket
            .last_seq;
    }
    let cache = desk::sla_of_events(&ctx.policy, &log, ctx.now)?.cache();
    if !db.update_sla_cache(id, last_seq, &cache).await? {
        return Err("update_sla_cache refused a current log".into());
    }
    Ok(id)
}

async fn check(db: &Database, bulk: &Bulk, provider: i64, ctx: &Ctx) -> Result<(), BoxError> {
    for stage in [Stage::New, Stage::Working, Stage::Waiting, Stage::Closed] {
        let i = (0..1_000_000u64)
            .find(|&i| stage_of(i, ctx) == stage)
            .ok_or("no ticket of every stage: use --open between 0 and 1")?;
        let planned = plan(i, ctx);
        let via_store = write_via_store(db, &planned, ctx).await?;
        let base = bulk.reserve_numbers(provider, 1).await?;
        bulk.write(provider, vec![rows(&planned, base + 1, ctx)?])
            .await?;
        let via_bulk: i64 = match bulk {
            Bulk::Sqlite(pool) => {
                sqlx::query_scalar("SELECT MAX(id) FROM tickets")
                    .fetch_one(pool)
                    .await?
            }
            Bulk::Postgres(pool) => {
                sqlx::query_scalar("SELECT MAX(id) FROM tickets")
                    .fetch_one(pool)
                    .await?
            }
        };
        let a = db.get_ticket(via_store, None).await?;
        let b = db.get_ticket(via_bulk, None).await?;
        let events_a = db.ticket_events(via_store, None, true).await?;
        let events_b = db.ticket_events(via_bulk, None, true).await?;
        let differences = bulk.differences(via_store, via_bulk).await?;
        let same_model = a.sla == b.sla
            && a.policy == b.policy
            && a.status == b.status
            && a.updated_at == b.updated_at
            && events_a.len() == events_b.len()
            && events_a.iter().zip(&events_b).all(|(x, y)| {
                (x.seq, x.at, &x.event_type, &x.payload) == (y.seq, y.at, &y.event_type, &y.payload)
            });
        println!(
            "check {stage:?}: ticket {via_store} (store API) vs {via_bulk} (bulk): {} events, \
             {differences} differing rows, model {}",
            events_a.len(),
            if same_model { "equal" } else { "DIFFERENT" }
        );
        if differences != 0 || !same_model {
            return Err(
                format!("the bulk path wrote another {stage:?} ticket than the store").into(),
            );
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ main

async fn run() -> Result<(), BoxError> {
    let args = parse_args()?;
    #[allow(clippy::disallowed_methods)] // a tool: "now" is the moment it runs
    let now = args.now.unwrap_or_else(Timestamp::now);
    let started = Instant::now();
    let db = tenggat_store::open(&args.url, true).await?;
    db.migrate().await?;
    let provider = match db
        .list_organisations(Some(OrgKind::Provider))
        .await?
        .into_iter()
        .next()
    {
        Some(org) => org,
        None => {
            db.create_organisation(&NewOrganisation {
                kind: OrgKind::Provider,
                name: "Provider".into(),
                slug: "provider".into(),
                created_at: now,
            })
            .await?
        }
    };
    let staff = db
        .users_of_organisation(provider.id)
        .await?
        .into_iter()
        .find(|u| matches!(u.role, Role::Admin | Role::Agent | Role::EscalationManager))
        .map(|u| u.id);
    let customers = customers(&db, provider.id, args.customers, &args.preset, now).await?;
    let policy = PolicyCache::default()
        .resolve(&db, &PolicyRef::Preset(args.preset.clone()), &[])
        .await?;
    let ctx = Arc::new(Ctx {
        kind: policy
            .kinds
            .first()
            .map_or_else(|| "incident".to_owned(), |k| k.id.clone()),
        priorities: policy.priorities.iter().map(|p| p.id.clone()).collect(),
        channels: policy
            .channels
            .iter()
            .filter(|c| c.official)
            .map(|c| c.id.clone())
            .collect(),
        policy,
        binding: PolicyBinding {
            policy: PolicyRef::Preset(args.preset.clone()),
            add_ons: Vec::new(),
        },
        customers,
        staff,
        now,
        open: args.open,
        events: args.events,
        seed: args.seed,
    });
    if ctx.priorities.is_empty() {
        return Err(format!("policy {} has no priorities", args.preset).into());
    }
    let bulk = Bulk::open(&args.url, args.writers).await?;
    if args.check {
        check(&db, &bulk, provider.id, &ctx).await?;
    }
    if args.tickets == 0 {
        return Ok(());
    }
    let base = bulk
        .reserve_numbers(provider.id, i64::try_from(args.tickets)?)
        .await?;
    eprintln!(
        "seed_load: {} tickets ({} open) × {} events on {} ({} customers, preset {}), SLA at {now}",
        args.tickets,
        (0..args.tickets).filter(|&i| is_open(i, args.open)).count(),
        args.events,
        db.backend_name(),
        args.customers,
        args.preset
    );

    // Generators (one per core) fold each history and build its rows; writers insert them.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let batches = args.tickets.div_ceil(args.batch as u64);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<Rows>, String>>(threads * 2);
    let mut generators = Vec::new();
    for t in 0..threads as u64 {
        let tx = tx.clone();
        let ctx = ctx.clone();
        let (tickets, batch) = (args.tickets, args.batch as u64);
        generators.push(std::thread::spawn(move || {
            let mut b = t;
            while b < batches {
                let range = b * batch..((b + 1) * batch).min(tickets);
                let made: Result<Vec<Rows>, String> = range
                    .map(|i| {
                        rows(&plan(i, &ctx), base + 1 + i as i64, &ctx).map_err(|e| e.to_string())
                    })
                    .collect();
                if tx.blocking_send(made).is_err() {
                    return;
                }
                b += threads as u64;
            }
        }));
    }
    drop(tx);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let writers = match bulk {
        Bulk::Sqlite(_) => 1,
        Bulk::Postgres(_) => args.writers,
    };
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let (rx, bulk, done) = (rx.clone(), bulk.clone(), done.clone());
        let total = args.tickets;
        let provider = provider.id;
        tasks.push(tokio::spawn(async move {
            let mut events = 0u64;
            loop {
                let next = rx.lock().await.recv().await;
                let Some(batch) = next else { break };
                let batch = batch?;
                let n = batch.len() as u64;
                events += bulk.write(provider, batch).await?;
                let before = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                if (before + n) / 100_000 > before / 100_000 {
                    eprintln!(
                        "seed_load: {} of {total} tickets, {:.0} s",
                        before + n,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Ok::<u64, BoxError>(events)
        }));
    }
    let mut events = 0;
    for task in tasks {
        events += task.await??;
    }
    for generator in generators {
        generator
            .join()
            .map_err(|_| "a generator thread panicked")?;
    }
    let loaded = started.elapsed();
    bulk.finish().await?;
    println!(
        "seed_load: {} tickets and {events} events in {:.1} s ({:.0} tickets/s, {:.0} events/s); \
         finishing (checkpoint/ANALYZE) took {:.1} s",
        args.tickets,
        loaded.as_secs_f64(),
        args.tickets as f64 / loaded.as_secs_f64(),
        events as f64 / loaded.as_secs_f64(),
        (started.elapsed() - loaded).as_secs_f64()
    );
    Ok(())
}
