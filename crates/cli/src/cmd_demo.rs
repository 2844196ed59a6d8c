//! `tenggat demo`: loads a demo provider with one customer per seed preset and a few hundred
//! realistic tickets into the configured database, so a newcomer sees a living desk at once.
//!
//! Everything is written through the store exactly as the server would write it: each ticket
//! with its `created` event, then one `append_event` per later event, each carrying the SLA
//! cache folded over the log so far (`tenggat_server::desk::sla_of_events`). The data comes
//! from a small local PRNG seeded by `--seed`, so the same seed gives the same desk (its
//! instants are placed relative to the moment the command runs).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tenggat_server::desk::{self, TicketSla};
use tenggat_server::{Clock, SystemClock};
use tenggat_sla::{EventKind, FieldType, Metric, PauseReason, Policy, State, TicketEvent};
use tenggat_store::{
    Database, Language, NewContract, NewEvent, NewOrganisation, NewTicket, NewUser, OrgKind,
    Organisation, PolicyBinding, PolicyRef, Role, Store, StoredEvent, TicketStatus, TicketUpdate,
    User, Visibility,
};

use crate::config::Config;

/// The seed used when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 20_260_101;

/// The slug prefix of every demo customer; an organisation with it means the demo is loaded.
pub const SLUG_PREFIX: &str = "demo-";

/// How far back the demo tickets reach.
const SPAN_DAYS: i64 = 30;

/// `tenggat demo`: loads the demo into the configured database (the default SQLite file is
/// created when missing; migrations are applied). Refuses a database that already holds it.
pub fn run(config_file: Option<&Path>, tickets: u32, seed: u64) -> Result<()> {
    let config = Config::load(config_file)?;
    let create = config.uses_default_database();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let db = tenggat_store::open(&config.database_url, create).await?;
        let result = load(&db, &config.public_url, tickets, seed).await;
        db.close().await;
        result
    })
}

async fn load(db: &Database, public_url: &str, tickets: u32, seed: u64) -> Result<()> {
    let started = Instant::now();
    db.migrate().await?;
    let organisations = db.list_organisations(None).await?;
    if let Some(org) = organisations
        .iter()
        .find(|o| o.slug.starts_with(SLUG_PREFIX))
    {
        bail!(
            "the database already holds the demo (organisation {:?}); load it into a fresh database",
            org.slug
        );
    }
    for email in PROFILES
        .iter()
        .flat_map(|p| [&p.admin, &p.user])
        .chain(STAFF.iter().map(|s| &s.person))
        .map(|p| p.email())
    {
        if db.user_by_email(&email).await?.is_some() {
            bail!("a user {email:?} exists already; load the demo into a fresh database");
        }
    }
    // The one reading of the wall clock: every instant of the demo is placed relative to it.
    let now = SystemClock.now();
    if let Some(line) = tenggat_server::first_run(db, public_url, now).await? {
        println!("{line}");
    }
    let provider = db
        .list_organisations(Some(OrgKind::Provider))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the database has no provider organisation"))?;

    let mut staff = Vec::with_capacity(STAFF.len());
    for s in STAFF {
        staff.push(
            db.create_user(&NewUser {
                organisation_id: provider.id,
                email: s.person.email(),
                name: s.person.name.into(),
                role: s.role,
                language: Language::Id,
                created_at: now,
            })
            .await?,
        );
    }
    let staff = Staff {
        agent: staff[0].clone(),
        manager: staff[1].clone(),
    };

    let mut customers = Vec::with_capacity(tenggat_sla::PRESETS.len());
    for preset in tenggat_sla::PRESETS {
        customers.push(customer(db, &provider, preset, now).await?);
    }

    let mut rng = Rng::new(seed);
    let mut planned: Vec<(Timestamp, usize, u64)> = (0..tickets)
        .map(|_| {
            let customer = rng.below(customers.len());
            let created = created_at(&mut rng, now);
            (created, customer, rng.next_u64())
        })
        .collect();
    planned.sort_by_key(|&(created, customer, _)| (created, customer));

    let mut counts = vec![Counts::default(); customers.len()];
    for (created, index, ticket_seed) in planned {
        let c = &customers[index];
        let outcome = ticket(db, c, &staff, &mut Rng::new(ticket_seed), created, now)
            .await
            .with_context(|| format!("loading a ticket of {}", c.org.name))?;
        counts[index].add(&outcome);
    }

    // The provider's administrator (made by the first run) records the exclusions.
    let admin_id = db
        .users_of_organisation(provider.id)
        .await?
        .iter()
        .find(|u| u.role == Role::Admin)
        .map_or(staff.manager.id, |u| u.id);
    let mut availability = Vec::new();
    for c in &customers {
        if let Some(seeded) = crate::demo_availability::seed(
            db,
            &crate::demo_availability::Demo {
                provider_id: provider.id,
                contract_id: c.contract_id,
                preset: c.preset,
                policy: &c.policy,
                public_url,
                agent_id: staff.agent.id,
                admin_id,
                now,
            },
        )
        .await
        .with_context(|| format!("loading the availability history of {}", c.org.name))?
        {
            availability.push((c.org.name.clone(), seeded));
        }
    }
    let mut reports = Vec::new();
    let policies = tenggat_server::desk::PolicyCache::default();
    for (name, seeded) in &availability {
        let months = tenggat_server::monitoring::report::monthly_for_contract(
            db,
            &policies,
            seeded.contract_id,
            seeded.month,
            now,
        )
        .await
        .map_err(|e| anyhow!("the demo's availability report: {e}"))?;
        reports.push((name.clone(), seeded.clone(), months));
    }

    let mut links = Vec::new();
    for (who, user) in customers
        .iter()
        .map(|c| (c.org.name.as_str(), &c.admin))
        .chain([
            ("provider agent", &staff.agent),
            ("provider escalation manager", &staff.manager),
        ])
    {
        if let Some(link) =
            tenggat_server::issue_setup_link(db, &user.email, public_url, now).await?
        {
            links.push((user.email.clone(), who.to_owned(), link));
        }
    }
    summary(
        db, &customers, &counts, &reports, &links, public_url, started,
    );
    Ok(())
}

fn summary(
    db: &Database,
    customers: &[Customer],
    counts: &[Counts],
    reports: &[Report],
    links: &[(String, String, String)],
    public_url: &str,
    started: Instant,
) {
    let total = counts.iter().fold(Counts::default(), |mut acc, c| {
        acc.merge(c);
        acc
    });
    println!(
        "demo loaded into the {} database in {:.1} s: {} customers, {} tickets ({} open, {} due within 24 h, {} missed a target)",
        db.backend_name(),
        started.elapsed().as_secs_f64(),
        customers.len(),
        total.tickets,
        total.open,
        total.due_soon,
        total.breached
    );
    let width = customers
        .iter()
        .map(|c| c.org.name.chars().count())
        .max()
        .unwrap_or(0);
    println!(
        "  {:width$}  {:22}  {:>7}  {:>5}  {:>6}",
        "customer", "policy", "tickets", "open", "missed"
    );
    for (c, n) in customers.iter().zip(counts) {
        println!(
            "  {:width$}  {:22}  {:>7}  {:>5}  {:>6}",
            c.org.name, c.preset, n.tickets, n.open, n.breached
        );
    }
    availability_summary(reports);
    println!(
        "one-time password links (valid 24 hours; `tenggat admin setup-link --email E` for a new one):"
    );
    let width = links.iter().map(|l| l.0.len()).max().unwrap_or(0);
    for (email, who, link) in links {
        println!("  {email:width$}  {link}  ({who})");
    }
    println!(
        "next: run `tenggat serve` and open {}",
        public_url.trim_end_matches('/')
    );
}

/// A demo customer's name, its availability history, and last month's report of it.
type Report = (
    String,
    crate::demo_availability::Seeded,
    Vec<tenggat_server::monitoring::report::ServiceMonth>,
);

/// Last month's availability of the demo contracts that promise it, one line per service.
fn availability_summary(reports: &[Report]) {
    let Some((_, first, _)) = reports.first() else {
        return;
    };
    println!(
        "availability in {} (monitors since before it; `tenggat availability report --contract ID --month {}`):",
        first.month, first.month
    );
    for (name, seeded, months) in reports {
        for m in months {
            let credit = match &m.credit {
                Some(c) => format!(
                    "credit {} % = {} {}",
                    c.credit_percent,
                    m.currency,
                    c.amount_minor / 100
                ),
                None => "no credit".to_owned(),
            };
            println!(
                "  contract {} ({name}), {}: {} % (target {} %), {} min down, {} min excluded, {credit}",
                seeded.contract_id,
                m.service,
                m.availability,
                m.target_percent,
                m.downtime_minutes,
                m.excluded_minutes
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Customers

/// A demo customer as loaded.
struct Customer {
    preset: &'static str,
    profile: &'static Profile,
    org: Organisation,
    policy: Policy,
    contract_id: i64,
    admin: User,
    user: User,
}

/// The provider's demo staff.
struct Staff {
    agent: User,
    manager: User,
}

async fn customer(
    db: &Database,
    provider: &Organisation,
    preset: &'static str,
    now: Timestamp,
) -> Result<Customer> {
    let policy = tenggat_sla::preset(preset)
        .ok_or_else(|| anyhow!("no preset {preset:?}"))?
        .map_err(|e| anyhow!("preset {preset}: {e}"))?;
    let profile = PROFILES
        .iter()
        .find(|p| p.preset == preset)
        .ok_or_else(|| anyhow!("the demo has no customer for the preset {preset:?}"))?;
    let org = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: profile.name.into(),
            slug: format!("{SLUG_PREFIX}{preset}"),
            created_at: now,
        })
        .await?;
    let mut users = Vec::with_capacity(2);
    for (person, role) in [
        (&profile.admin, Role::CustomerAdmin),
        (&profile.user, Role::CustomerUser),
    ] {
        users.push(
            db.create_user(&NewUser {
                organisation_id: org.id,
                email: person.email(),
                name: person.name.into(),
                role,
                language: Language::Id,
                created_at: now,
            })
            .await?,
        );
    }
    let contract = db
        .create_contract(&NewContract {
            provider_id: provider.id,
            customer_org_id: org.id,
            policy: PolicyRef::Preset(preset.into()),
            add_ons: Vec::new(),
            monthly_fee_minor: profile.monthly_fee_idr * 100,
            currency: "IDR".into(),
            term_start: jiff::civil::date(2026, 1, 1),
            term_end: None,
            designated_contacts_only: profile.designated_contacts_only,
            designated_contacts: users.iter().map(|u| u.id).collect(),
            created_at: now,
        })
        .await?;
    let user = users.pop().ok_or_else(|| anyhow!("no customer user"))?;
    let admin = users.pop().ok_or_else(|| anyhow!("no customer admin"))?;
    Ok(Customer {
        preset,
        profile,
        org,
        policy,
        contract_id: contract.id,
        admin,
        user,
    })
}

// ---------------------------------------------------------------------------------------------
// Tickets

/// What one ticket looks like at `now`, for the summary.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    tickets: u32,
    open: u32,
    due_soon: u32,
    breached: u32,
}

impl Counts {
    fn add(&mut self, t: &Outcome) {
        self.tickets += 1;
        self.open += u32::from(t.open);
        self.due_soon += u32::from(t.due_soon);
        self.breached += u32::from(t.breached);
    }

    fn merge(&mut self, other: &Counts) {
        self.tickets += other.tickets;
        self.open += other.open;
        self.due_soon += other.due_soon;
        self.breached += other.breached;
    }
}

/// One ticket's state at `now`.
struct Outcome {
    open: bool,
    due_soon: bool,
    breached: bool,
}

/// WIB, the offset every demo customer works in (no daylight saving time).
fn wib() -> TimeZone {
    TimeZone::fixed(jiff::tz::offset(7))
}

/// A creation instant within the last [`SPAN_DAYS`] days: mostly on weekdays during office
/// hours in WIB, always before `now`. Draws the same number of values whatever `now` is.
fn created_at(rng: &mut Rng, now: Timestamp) -> Timestamp {
    let days_back = rng.below(SPAN_DAYS as usize) as i64;
    let office = rng.chance(0.8);
    let minute = rng.unit();
    let keep_weekend = rng.chance(0.2);
    let recent = rng.unit();
    let today = now.to_zoned(wib()).date();
    let mut day = today
        .checked_sub(jiff::Span::new().days(days_back))
        .unwrap_or(today);
    if !keep_weekend {
        while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            day = day.yesterday().unwrap_or(day);
        }
    }
    let minute_of_day = if office {
        8 * 60 + (minute * 10.0 * 60.0) as i64
    } else {
        (minute * 24.0 * 60.0) as i64
    };
    let start = day
        .to_zoned(wib())
        .map(|z| z.timestamp().as_second())
        .unwrap_or_else(|_| now.as_second());
    let at = start + minute_of_day * 60 + (minute * 7919.0) as i64 % 60;
    let latest = now.as_second() - 120;
    let at = if at > latest {
        // Later today than now: a few minutes to a few hours ago instead.
        latest - (recent * 6.0 * 3600.0) as i64
    } else {
        at
    };
    Timestamp::from_second(at).unwrap_or(now)
}

/// One planned event of a ticket's life.
struct Step {
    at: Timestamp,
    event_type: &'static str,
    payload: Value,
    actor: i64,
    visibility: Visibility,
    status: Option<TicketStatus>,
    priority: Option<String>,
    assignee: Option<Option<i64>>,
}

/// Loads one ticket: its report, then every event of its life that happened before `now`.
async fn ticket(
    db: &Database,
    c: &Customer,
    staff: &Staff,
    rng: &mut Rng,
    created: Timestamp,
    now: Timestamp,
) -> Result<Outcome> {
    let policy = &c.policy;
    let scenario = pick(rng, c.profile.scenarios);
    let kind = scenario
        .kind
        .filter(|k| policy.kind(k).is_some())
        .or_else(|| policy.kinds.first().map(|k| k.id.as_str()))
        .unwrap_or("incident")
        .to_owned();
    let priorities: Vec<&str> = policy.priorities.iter().map(|p| p.id.as_str()).collect();
    let mut level = scenario.severity.min(priorities.len().saturating_sub(1));
    if rng.chance(0.15) && priorities.len() > 1 {
        level = if level == 0 || (rng.chance(0.5) && level + 1 < priorities.len()) {
            level + 1
        } else {
            level - 1
        };
    }
    let priority = priorities
        .get(level)
        .copied()
        .ok_or_else(|| anyhow!("policy {} has no priorities", policy.id))?
        .to_owned();
    let mut given = BTreeMap::new();
    if let (Some(product), true) = (
        scenario.product,
        policy.attributes.iter().any(|a| a.id == "product"),
    ) {
        given.insert("product".to_owned(), product.to_owned());
    }
    let attributes = policy.attributes_with_defaults(&given);
    let channel = {
        let official: Vec<&str> = policy
            .channels
            .iter()
            .filter(|ch| ch.official)
            .map(|ch| ch.id.as_str())
            .collect();
        let all: Vec<&str> = policy.channels.iter().map(|ch| ch.id.as_str()).collect();
        let from = if official.is_empty() { all } else { official };
        (!from.is_empty()).then(|| pick(rng, &from).to_string())
    };
    let (reporter, reporter_person) = if rng.chance(0.3) {
        (&c.admin, &c.profile.admin)
    } else {
        (&c.user, &c.profile.user)
    };
    let observed_at = created - SignedDuration::from_mins(5 + rng.below(175) as i64);
    let description = format!(
        "{}\n\nYang diharapkan: {}\nYang terjadi: {}\nPesan kesalahan: {}",
        scenario.detail, scenario.expected, scenario.actual, scenario.error
    );
    let fields = report_fields(
        policy,
        rng,
        scenario,
        &description,
        reporter_person,
        &c.profile.admin,
        observed_at,
    )?;

    let created_event = TicketEvent {
        at: created,
        kind: EventKind::Created {
            priority: priority.clone(),
            kind: Some(kind.clone()),
            channel: channel.clone(),
            attributes: attributes.clone(),
        },
    };
    let sla = desk::sla_of(policy, std::slice::from_ref(&created_event), now)?;
    let written = db
        .create_ticket(
            &NewTicket {
                contract_id: c.contract_id,
                customer_org_id: c.org.id,
                kind: kind.clone(),
                priority: priority.clone(),
                attributes: serde_json::to_value(&attributes)?,
                channel,
                reporter_id: Some(reporter.id),
                title: scenario.title.into(),
                description,
                fields,
                observed_at: Some(observed_at),
                observed_tz: Some("Asia/Jakarta".into()),
                status: TicketStatus::New,
                assignee_id: None,
                created_at: created,
                sla: Some(sla.cache()),
                attachments: Vec::new(),
                policy: Some(PolicyBinding {
                    policy: PolicyRef::Preset(c.preset.into()),
                    add_ons: Vec::new(),
                }),
            },
            &NewEvent::from_sla(&created_event, Some(reporter.id), Visibility::Public),
        )
        .await?;
    let ticket_id = written.ticket.id;
    let mut last_seq = written.ticket.last_seq;
    let mut open = written.ticket.is_open();
    let mut events = vec![written.event];
    let mut sla = sla;

    let life = Life {
        policy,
        kind: &kind,
        attributes: &attributes,
        priorities: &priorities,
        level,
        reporter: reporter.id,
        staff,
        scenario,
        initial: &sla.evaluation,
    };
    let plan = life.plan(rng, created);
    for step in plan {
        if step.at >= now {
            break;
        }
        let event = NewEvent {
            at: step.at,
            event_type: step.event_type.to_owned(),
            payload: step.payload,
            actor_id: Some(step.actor),
            visibility: step.visibility,
        };
        events.push(StoredEvent {
            id: 0,
            ticket_id,
            seq: last_seq + 1,
            at: event.at,
            event_type: event.event_type.clone(),
            payload: event.payload.clone(),
            actor_id: event.actor_id,
            visibility: event.visibility,
        });
        sla = desk::sla_of_events(policy, &events, now)?;
        let written = db
            .append_event(
                ticket_id,
                None,
                &event,
                &TicketUpdate {
                    status: step.status,
                    priority: step.priority,
                    assignee_id: step.assignee,
                    sla: Some(sla.cache()),
                    expected_seq: Some(last_seq),
                    ..TicketUpdate::default()
                },
            )
            .await?;
        last_seq = written.ticket.last_seq;
        open = written.ticket.is_open();
        if let Some(last) = events.last_mut() {
            *last = written.event;
        }
    }
    Ok(outcome(&sla, open, now))
}

fn outcome(sla: &TicketSla, open: bool, now: Timestamp) -> Outcome {
    let metrics = &sla.evaluation.metrics;
    let breached = metrics.iter().any(|m| m.state == State::Breached);
    let soon = now + SignedDuration::from_hours(24);
    let due_soon = open
        && !breached
        && metrics
            .iter()
            .any(|m| m.state == State::Running && m.due.is_some_and(|d| d <= soon));
    Outcome {
        open,
        due_soon,
        breached,
    }
}

/// A value for every non-attachment field of the policy (attachment fields are left out: the
/// demo has no files).
fn report_fields(
    policy: &Policy,
    rng: &mut Rng,
    scenario: &Scenario,
    description: &str,
    reporter: &Person,
    contact: &Person,
    observed_at: Timestamp,
) -> Result<Value> {
    let jakarta = TimeZone::get("Asia/Jakarta")?;
    let mut fields = serde_json::Map::new();
    for field in &policy.fields {
        let value = match field.field_type {
            FieldType::Attachment => continue,
            FieldType::Email => json!(reporter.email()),
            FieldType::Phone => json!(reporter.phone),
            FieldType::Datetime => json!(observed_at.to_zoned(jakarta.clone()).to_string()),
            FieldType::Person => json!({
                "name": contact.name,
                "email": contact.email(),
                "phone": contact.phone,
            }),
            FieldType::Text => json!(match field.id.as_str() {
                "reporter_name" => reporter.name.to_owned(),
                "description" => description.to_owned(),
                "steps_to_reproduce" => format!(
                    "1. Masuk sebagai {}\n2. {}\n3. Ulangi beberapa kali: {}",
                    reporter.name,
                    scenario.steps,
                    scenario.actual.to_lowercase()
                ),
                "error_messages" => scenario.error.to_owned(),
                "environment" => pick(rng, ENVIRONMENTS).to_string(),
                "frequency" => pick(rng, FREQUENCIES).to_string(),
                "business_impact" => scenario.impact.to_owned(),
                _ => format!("{} — {}", field.name.id, scenario.title),
            }),
        };
        fields.insert(field.id.clone(), value);
    }
    Ok(Value::Object(fields))
}

/// What a ticket's life depends on.
struct Life<'a> {
    policy: &'a Policy,
    kind: &'a str,
    attributes: &'a BTreeMap<String, String>,
    priorities: &'a [&'a str],
    level: usize,
    reporter: i64,
    staff: &'a Staff,
    scenario: &'a Scenario,
    /// The clocks as the report started them (targets, calendars, starts).
    initial: &'a tenggat_sla::Evaluation,
}

/// The events that meet targets, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Milestone {
    Onsite,
    Information,
    Workaround,
    Resolution,
}

impl Life<'_> {
    /// The instant at which `share` of the metric's target (business time on its calendar)
    /// has passed since its clock started; `None` when the ticket has no such clock.
    fn sla_at(&self, metric: Metric, share: f64) -> Option<Timestamp> {
        let m = self.initial.metrics.iter().find(|m| m.metric == metric)?;
        let target = m.target_nanos?;
        let calendar = self.policy.calendar(&m.calendar)?;
        let start = i64::try_from(m.start.as_nanosecond()).ok()?;
        let at = calendar
            .due_nanos(start, (target as f64 * share) as i64)
            .ok()?;
        // Whole seconds, like everything else the demo writes.
        Timestamp::from_second(at.div_euclid(1_000_000_000)).ok()
    }

    fn has_clock(&self, metric: Metric) -> bool {
        self.initial
            .metrics
            .iter()
            .any(|m| m.metric == metric && m.target_nanos.is_some())
    }

    /// The pause reasons the ticket's clocks honour.
    fn pause_reasons(&self, priority: &str) -> Vec<PauseReason> {
        let mut reasons: Vec<PauseReason> = Metric::ALL
            .iter()
            .filter_map(|m| {
                self.policy
                    .target_for(priority, self.kind, self.attributes, *m)
            })
            .flat_map(|t| t.paused_by.iter().copied())
            .collect();
        reasons.sort();
        reasons.dedup();
        reasons
    }

    /// The whole life of the ticket, in order; the caller keeps what happened before `now`.
    ///
    /// Events that meet targets (acknowledgement, arrival on site, information, workaround,
    /// resolution) are placed at a share of their target's business time, mostly well within
    /// it and now and then beyond; replies, notes and pauses fall between them.
    fn plan(&self, rng: &mut Rng, created: Timestamp) -> Vec<Step> {
        let n = self.priorities.len();
        // 0 for the most urgent priority, 1 for the least.
        let urgency = if n > 1 {
            self.level as f64 / (n - 1) as f64
        } else {
            0.5
        };
        let around_the_clock = self.level == 0 && n > 1;
        let agent = self.staff.agent.id;
        let manager = self.staff.manager.id;
        let customer = self.reporter;
        let mut priority = self.priorities[self.level].to_owned();
        let mut steps: Vec<Step> = Vec::new();
        // A delay in wall-clock minutes; staff outside the 24×7 priority work office hours.
        let next = |t: Timestamp, minutes: f64, rng: &mut Rng| -> Timestamp {
            let at = t + SignedDuration::from_secs((minutes.max(1.0) * 60.0) as i64);
            if around_the_clock {
                at
            } else {
                working_hours(at, rng.unit())
            }
        };
        // Part of the way from `t` to `goal` (at least a minute on).
        let toward = |t: Timestamp, goal: Timestamp, share: f64| -> Timestamp {
            let span = goal.duration_since(t).as_secs_f64().max(0.0);
            t + SignedDuration::from_secs(((span * share) as i64).max(60))
        };
        let push = |steps: &mut Vec<Step>,
                    at: Timestamp,
                    event_type: &'static str,
                    payload: Value,
                    actor: i64| {
            steps.push(Step {
                at,
                event_type,
                payload,
                actor,
                visibility: Visibility::Public,
                status: None,
                priority: None,
                assignee: None,
            });
        };
        let reply = |body: &str, from: &str| json!({ "body": body, "from": from });
        let with_status = |steps: &mut Vec<Step>, s: TicketStatus| {
            if let Some(last) = steps.last_mut() {
                last.status = Some(s);
            }
        };
        let internal = |steps: &mut Vec<Step>| {
            if let Some(last) = steps.last_mut() {
                last.visibility = Visibility::Internal;
            }
        };
        let late = |rng: &mut Rng, p: f64, on_time: (f64, f64)| {
            if rng.chance(p) {
                rng.range(1.1, 2.5)
            } else {
                rng.range(on_time.0, on_time.1)
            }
        };

        // A few tickets nobody picked up: their clocks run on (and breach).
        if rng.chance(0.02) {
            return steps;
        }
        let share = late(rng, 0.05, (0.05, 0.6));
        let ack_at = match self.sla_at(Metric::Response, share) {
            Some(at) => later(created, at),
            None => next(
                created,
                lerp(8.0, 150.0, urgency) * rng.range(0.3, 2.0),
                rng,
            ),
        };

        // The milestones after the acknowledgement, each at a share of its target.
        let stuck = rng.chance(0.07);
        let resolve_share = if stuck {
            rng.range(1.1, 3.0)
        } else {
            rng.range(0.25, 0.9)
        };
        let fallback =
            lerp(3.0, 50.0, urgency) * 60.0 * rng.range(0.3, 2.0) * if stuck { 6.0 } else { 1.0 };
        let mut milestones: Vec<(Timestamp, Milestone)> = Vec::new();
        let resolve_at = match self.sla_at(Metric::Resolution, resolve_share) {
            Some(at) => at,
            None => next(ack_at, fallback, rng),
        };
        milestones.push((later(ack_at, resolve_at), Milestone::Resolution));
        // Where a workaround has its own clock the provider works for one; elsewhere sometimes.
        if self.has_clock(Metric::Workaround) || rng.chance(0.25) {
            let share = late(rng, 0.05, (0.15, 0.8));
            let at = match self.sla_at(Metric::Workaround, share) {
                Some(at) => at,
                None => next(ack_at, fallback * rng.range(0.15, 0.4), rng),
            };
            milestones.push((later(ack_at, at), Milestone::Workaround));
        }
        for (metric, milestone) in [
            (Metric::Onsite, Milestone::Onsite),
            (Metric::Information, Milestone::Information),
        ] {
            if self.has_clock(metric) {
                let share = late(rng, 0.05, (0.2, 0.85));
                if let Some(at) = self.sla_at(metric, share) {
                    milestones.push((later(ack_at, at), milestone));
                }
            }
        }
        // Resolution last whatever the shares say: the fix closes the work.
        let resolution_at = milestones[0].0;
        for m in milestones.iter_mut().skip(1) {
            if m.0 >= resolution_at {
                m.0 = toward(ack_at, resolution_at, 0.7);
            }
        }
        milestones.sort_by_key(|m| (m.0, m.1 == Milestone::Resolution));

        let mut t = ack_at;
        push(
            &mut steps,
            t,
            "acknowledged",
            json!({ "comment": pick(rng, ACK_COMMENTS) }),
            agent,
        );
        with_status(&mut steps, TicketStatus::Acknowledged);
        let mut status = TicketStatus::Acknowledged;
        t += SignedDuration::from_secs(20 + rng.below(200) as i64);
        push(
            &mut steps,
            t,
            "assigned",
            json!({ "from": null, "to": agent, "team": self.scenario.team }),
            agent,
        );
        if let Some(last) = steps.last_mut() {
            last.assignee = Some(Some(agent));
        }
        let goal = milestones[0].0;
        if rng.chance(0.7) {
            t = toward(t, goal, rng.range(0.02, 0.1));
            let body = format!(
                "{} Tim {} sedang menganalisis laporan ini.",
                pick(rng, ACK_REPLIES),
                self.scenario.team
            );
            push(&mut steps, t, "reply", reply(&body, "provider"), agent);
        }
        if around_the_clock && rng.chance(0.6) {
            t = toward(t, goal, rng.range(0.05, 0.2));
            push(
                &mut steps,
                t,
                "note",
                json!({ "body": pick(rng, ESCALATION_NOTES) }),
                manager,
            );
            internal(&mut steps);
        }
        if n > 1 && rng.chance(0.05) {
            let to = if self.level == 0 || (self.level + 1 < n && rng.chance(0.5)) {
                self.level + 1
            } else {
                self.level - 1
            };
            let reason = if to < self.level {
                "Dampak ternyata lebih luas dari laporan awal"
            } else {
                "Dampak terbatas dan sudah ada solusi sementara"
            };
            t = toward(t, goal, rng.range(0.1, 0.3));
            let to = self.priorities[to].to_owned();
            push(
                &mut steps,
                t,
                "priority",
                json!({ "from": priority, "to": to, "reason": reason }),
                manager,
            );
            if let Some(last) = steps.last_mut() {
                last.priority = Some(to.clone());
            }
            priority = to;
        }
        let honoured = self.pause_reasons(&priority);
        if rng.chance(if honoured.is_empty() { 0.1 } else { 0.3 }) {
            let reason = if honoured.is_empty() {
                PauseReason::WaitingOnCustomer
            } else {
                *pick(rng, &honoured)
            };
            let paused =
                TicketStatus::parse(reason.as_str()).unwrap_or(TicketStatus::WaitingOnCustomer);
            t = toward(t, goal, rng.range(0.1, 0.4));
            let paused_at = t;
            push(
                &mut steps,
                t,
                "reply",
                reply(pause_reply(reason), "provider"),
                agent,
            );
            t += SignedDuration::from_secs(30 + rng.below(120) as i64);
            push(
                &mut steps,
                t,
                "paused",
                json!({ "from": status.as_str(), "to": paused.as_str(), "reason": reason.as_str() }),
                agent,
            );
            with_status(&mut steps, paused);
            // A pause the clocks honour may last; one they do not is kept short.
            t = if honoured.is_empty() {
                toward(t, goal, rng.range(0.2, 0.6))
            } else {
                next(t, rng.range(60.0, 36.0 * 60.0), rng)
            };
            push(
                &mut steps,
                t,
                "reply",
                reply(line(rng, CUSTOMER_ANSWERS), "customer"),
                customer,
            );
            t += SignedDuration::from_mins(3 + rng.below(40) as i64);
            push(
                &mut steps,
                t,
                "resumed",
                json!({ "from": paused.as_str(), "to": "in_progress", "reason": reason.as_str() }),
                agent,
            );
            with_status(&mut steps, TicketStatus::InProgress);
            status = TicketStatus::InProgress;
            if !honoured.is_empty() {
                // The clocks stood still: the work is due that much later.
                let shift = t.duration_since(paused_at);
                for m in &mut milestones {
                    m.0 = later(t, m.0 + shift);
                }
            }
        }
        let goal = milestones[0].0.max(t + SignedDuration::from_mins(2));
        if rng.chance(0.4) {
            t = toward(t, goal, rng.range(0.2, 0.6));
            push(
                &mut steps,
                t,
                "note",
                json!({ "body": pick(rng, NOTES) }),
                agent,
            );
            internal(&mut steps);
        }
        if rng.chance(0.2) {
            t = toward(t, goal, rng.range(0.2, 0.6));
            push(
                &mut steps,
                t,
                "reply",
                reply(line(rng, CUSTOMER_CHASERS), "customer"),
                customer,
            );
        }
        for (at, milestone) in milestones {
            t = later(t, at);
            match milestone {
                Milestone::Onsite => {
                    push(
                        &mut steps,
                        t,
                        "onsite",
                        json!({ "comment": "Teknisi sudah tiba di lokasi dan mulai memeriksa perangkat." }),
                        agent,
                    );
                }
                Milestone::Information => {
                    push(
                        &mut steps,
                        t,
                        "reply",
                        reply(
                            "Terlampir dokumentasi yang diminta beserta contoh berkasnya. Silakan kabari bila ada yang kurang jelas.",
                            "provider",
                        ),
                        agent,
                    );
                    t += SignedDuration::from_secs(30);
                    push(&mut steps, t, "information", json!({}), agent);
                }
                Milestone::Workaround => {
                    push(
                        &mut steps,
                        t,
                        "reply",
                        reply(
                            &format!("Solusi sementara: {}", self.scenario.workaround),
                            "provider",
                        ),
                        agent,
                    );
                    t += SignedDuration::from_secs(30);
                    push(&mut steps, t, "workaround", json!({}), agent);
                    if matches!(status, TicketStatus::New | TicketStatus::Acknowledged) {
                        with_status(&mut steps, TicketStatus::InProgress);
                        status = TicketStatus::InProgress;
                    }
                }
                Milestone::Resolution => {
                    push(
                        &mut steps,
                        t,
                        "reply",
                        reply(line(rng, RESOLUTION_REPLIES), "provider"),
                        agent,
                    );
                    t += SignedDuration::from_secs(30);
                    push(
                        &mut steps,
                        t,
                        "resolved",
                        json!({ "comment": "Perbaikan permanen sudah diterapkan." }),
                        agent,
                    );
                    with_status(&mut steps, TicketStatus::Resolved);
                }
            }
        }
        if rng.chance(0.07) {
            t = next(t, rng.range(120.0, 30.0 * 60.0), rng);
            push(
                &mut steps,
                t,
                "reply",
                reply(
                    "Masalahnya muncul lagi pagi ini dengan gejala yang sama, mohon dicek kembali.",
                    "customer",
                ),
                customer,
            );
            t += SignedDuration::from_secs(20);
            push(&mut steps, t, "reopened", json!({}), customer);
            with_status(&mut steps, TicketStatus::InProgress);
            t = next(t, rng.range(60.0, 8.0 * 60.0), rng);
            push(
                &mut steps,
                t,
                "reply",
                reply(
                    "Akar masalah kedua sudah kami temukan dan perbaiki; pemantauan kami lanjutkan selama 24 jam.",
                    "provider",
                ),
                agent,
            );
            t += SignedDuration::from_secs(30);
            push(&mut steps, t, "resolved", json!({}), agent);
            with_status(&mut steps, TicketStatus::Resolved);
        }
        let confirmed = rng.chance(0.5);
        if confirmed {
            t = next(t, rng.range(30.0, 20.0 * 60.0), rng);
            push(
                &mut steps,
                t,
                "reply",
                reply(line(rng, CUSTOMER_THANKS), "customer"),
                customer,
            );
        }
        if rng.chance(0.85) {
            t = next(t, rng.range(60.0, 72.0 * 60.0), rng);
            let (actor, payload) = if confirmed {
                (customer, json!({}))
            } else {
                (
                    agent,
                    json!({ "comment": "Ditutup setelah tiga hari kerja tanpa tanggapan pelanggan." }),
                )
            };
            push(&mut steps, t, "closed", payload, actor);
            with_status(&mut steps, TicketStatus::Closed);
        }
        steps
    }
}

/// `at`, or when it falls outside 08:00–18:00 WIB on a weekday, the next weekday morning
/// (08:00 plus up to 90 minutes, by `spread` in [0, 1)).
fn working_hours(at: Timestamp, spread: f64) -> Timestamp {
    let zoned = at.to_zoned(wib());
    let weekend = matches!(zoned.weekday(), Weekday::Saturday | Weekday::Sunday);
    if !weekend && (8..18).contains(&zoned.hour()) {
        return at;
    }
    let mut day = zoned.date();
    if zoned.hour() >= 18 || weekend {
        day = day.tomorrow().unwrap_or(day);
    }
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day = day.tomorrow().unwrap_or(day);
    }
    let morning = day.to_zoned(wib()).map(|z| z.timestamp()).unwrap_or(at);
    morning + SignedDuration::from_mins(8 * 60 + (spread * 90.0) as i64)
}

/// `at`, but at least a minute after `t` (events stay in order).
fn later(t: Timestamp, at: Timestamp) -> Timestamp {
    let min = t + SignedDuration::from_mins(1);
    if at > min { at } else { min }
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn pause_reply(reason: PauseReason) -> &'static str {
    match reason {
        PauseReason::WaitingOnCustomer => {
            "Mohon kirimkan log aplikasi, tangkapan layar, dan waktu kejadian terakhir agar kami dapat mereproduksi masalahnya."
        }
        PauseReason::AwaitingPermit => {
            "Teknisi kami siap berangkat; mohon bantu terbitkan izin akses ke lokasi (surat tugas dan akses gedung)."
        }
        PauseReason::Maintenance => {
            "Perbaikan akan kami pasang pada jendela pemeliharaan terjadwal malam ini (22:00–24:00 WIB) yang sudah diumumkan."
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A small deterministic PRNG (SplitMix64): no dependency, the same sequence everywhere.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.unit() * n as f64) as usize % n
        }
    }

    fn range(&mut self, a: f64, b: f64) -> f64 {
        lerp(a, b, self.unit())
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len())]
}

/// One of the lines, at random.
fn line(rng: &mut Rng, lines: &[&'static str]) -> &'static str {
    lines[rng.below(lines.len())]
}

// ---------------------------------------------------------------------------------------------
// The data

/// A demo person.
struct Person {
    name: &'static str,
    /// Local part @ domain.
    local: &'static str,
    domain: &'static str,
    phone: &'static str,
}

impl Person {
    fn email(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

/// A provider staff member of the demo.
struct StaffSeed {
    person: Person,
    role: Role,
}

/// The provider's staff: an agent and an escalation manager (in this order).
const STAFF: [StaffSeed; 2] = [
    StaffSeed {
        person: Person {
            name: "Andi Saputra",
            local: "andi.saputra",
            domain: "provider.example",
            phone: "+62 812-1000-2001",
        },
        role: Role::Agent,
    },
    StaffSeed {
        person: Person {
            name: "Sri Lestari",
            local: "sri.lestari",
            domain: "provider.example",
            phone: "+62 812-1000-2002",
        },
        role: Role::EscalationManager,
    },
];

/// A kind of problem a customer reports.
struct Scenario {
    title: &'static str,
    /// 0 for the policy's most urgent priority, 1 for the next, … (clamped to the policy's).
    severity: usize,
    /// The policy's kind id (the policy's first kind when absent or unknown).
    kind: Option<&'static str>,
    /// The `product` attribute, for policies that have it.
    product: Option<&'static str>,
    detail: &'static str,
    expected: &'static str,
    actual: &'static str,
    error: &'static str,
    steps: &'static str,
    impact: &'static str,
    team: &'static str,
    workaround: &'static str,
}

/// A demo customer: who they are and what they report.
struct Profile {
    preset: &'static str,
    name: &'static str,
    monthly_fee_idr: i64,
    designated_contacts_only: bool,
    admin: Person,
    user: Person,
    scenarios: &'static [Scenario],
}

const ENVIRONMENTS: &[&str] = &[
    "Chrome 142 di Windows 11",
    "Edge 142 di Windows 10 (jaringan kantor, proxy)",
    "Safari 18 di macOS 15",
    "Firefox 145 di Ubuntu 24.04",
    "Aplikasi Android 3.4.1 di Samsung Galaxy A55",
    "Aplikasi iOS 3.4.0 di iPhone 13",
];

const FREQUENCIES: &[&str] = &[
    "setiap saat",
    "sesekali, sekitar 3 kali sehari",
    "hanya pada jam sibuk 09:00–11:00 WIB",
    "terus-menerus sejak pagi ini",
    "sekitar 1 dari 10 percobaan",
];

const ACK_COMMENTS: &[&str] = &[
    "Laporan diterima dan sudah ditugaskan ke engineer.",
    "Tiket diterima, investigasi dimulai.",
    "Sudah kami terima; engineer on-duty menangani.",
];

const ACK_REPLIES: &[&str] = &[
    "Terima kasih atas laporannya, Bapak/Ibu.",
    "Laporan sudah kami terima.",
    "Terima kasih, tiket sudah kami konfirmasi.",
];

const ESCALATION_NOTES: &[&str] = &[
    "Eskalasi Level 2: saya pantau langsung sampai ada solusi. Update ke pelanggan tiap jam.",
    "Prioritas tertinggi: bridge call dengan tim infrastruktur sudah dibuka.",
    "Mohon kabari saya begitu ada workaround; manajemen pelanggan sudah menanyakan.",
];

const NOTES: &[&str] = &[
    "Root cause sementara: connection pool database habis saat batch malam berjalan.",
    "Kemungkinan terkait rilis minggu lalu; sudah dikoordinasikan dengan tim pengembang.",
    "Log server menunjukkan lonjakan error 5xx mulai pukul 09:12 WIB.",
    "Pelanggan sudah pernah melaporkan hal serupa bulan lalu; cek tiket sebelumnya.",
    "Sudah dicoba reproduksi di staging, belum berhasil.",
];

const CUSTOMER_ANSWERS: &[&str] = &[
    "Berikut log dan tangkapan layarnya sudah kami kirim lewat email. Error terakhir pukul 10:14 WIB.",
    "Sudah kami coba ulang dari jaringan lain, hasilnya sama. Detail terlampir.",
    "Izin sudah terbit, silakan datang besok mulai pukul 09:00; hubungi satpam di lobi.",
    "Oke, jadwal pemeliharaan tersebut tidak masalah bagi kami.",
];

const CUSTOMER_CHASERS: &[&str] = &[
    "Mohon update progresnya, tim kami masih terdampak.",
    "Apakah sudah ada perkiraan kapan selesai?",
    "Manajemen kami menanyakan status tiket ini, mohon kabarnya.",
];

const RESOLUTION_REPLIES: &[&str] = &[
    "Perbaikan permanen sudah di-deploy ke production. Mohon konfirmasi apakah masalah sudah teratasi.",
    "Akar masalah sudah diperbaiki dan pemantauan 2 jam terakhir normal. Mohon dicek dari sisi Bapak/Ibu.",
    "Sudah kami perbaiki; konfigurasi dikembalikan dan layanan berjalan normal kembali.",
];

const CUSTOMER_THANKS: &[&str] = &[
    "Sudah kami cek, sekarang normal kembali. Terima kasih!",
    "Konfirmasi: masalah sudah selesai. Terima kasih atas bantuannya.",
    "Sudah berjalan baik. Tiket boleh ditutup.",
];

/// One demo customer per preset, in `tenggat_sla::PRESETS` order.
static PROFILES: [Profile; 6] = [
    Profile {
        preset: "ampocloud",
        name: "AmpoCloud Nusantara (demo)",
        monthly_fee_idr: 15_000_000,
        designated_contacts_only: false,
        admin: Person {
            name: "Budi Santoso",
            local: "budi.santoso",
            domain: "ampocloud.example",
            phone: "+62 811-2233-4401",
        },
        user: Person {
            name: "Siti Rahmawati",
            local: "siti.rahmawati",
            domain: "ampocloud.example",
            phone: "+62 811-2233-4402",
        },
        scenarios: AMPOCLOUD,
    },
    Profile {
        preset: "innovasia",
        name: "PT Innovasia Inovasi Indonesia (demo)",
        monthly_fee_idr: 25_000_000,
        designated_contacts_only: false,
        admin: Person {
            name: "Rina Wulandari",
            local: "rina.wulandari",
            domain: "innovasia.example",
            phone: "+62 812-5566-7701",
        },
        user: Person {
            name: "Agus Setiawan",
            local: "agus.setiawan",
            domain: "innovasia.example",
            phone: "+62 812-5566-7702",
        },
        scenarios: INNOVASIA,
    },
    Profile {
        preset: "kinobi",
        name: "Kinobi AI Indonesia (demo)",
        monthly_fee_idr: 12_500_000,
        designated_contacts_only: false,
        admin: Person {
            name: "Putri Maharani",
            local: "putri.maharani",
            domain: "kinobi.example",
            phone: "+62 813-8899-1101",
        },
        user: Person {
            name: "Fajar Nugroho",
            local: "fajar.nugroho",
            domain: "kinobi.example",
            phone: "+62 813-8899-1102",
        },
        scenarios: KINOBI,
    },
    Profile {
        preset: "benemica",
        name: "PT Benemica Solusi Payroll (demo)",
        monthly_fee_idr: 18_000_000,
        designated_contacts_only: false,
        admin: Person {
            name: "Dewi Anggraini",
            local: "dewi.anggraini",
            domain: "benemica.example",
            phone: "+62 21-3952-4501",
        },
        user: Person {
            name: "Hendra Gunawan",
            local: "hendra.gunawan",
            domain: "benemica.example",
            phone: "+62 21-3952-4502",
        },
        scenarios: BENEMICA,
    },
    Profile {
        preset: "microsoft-unified",
        name: "PT Sinar Mas Digital — Microsoft Unified (demo)",
        monthly_fee_idr: 450_000_000,
        designated_contacts_only: true,
        admin: Person {
            name: "Yusuf Hidayat",
            local: "yusuf.hidayat",
            domain: "sinarmas-digital.example",
            phone: "+62 815-7000-3101",
        },
        user: Person {
            name: "Maya Kusuma",
            local: "maya.kusuma",
            domain: "sinarmas-digital.example",
            phone: "+62 815-7000-3102",
        },
        scenarios: MICROSOFT,
    },
    Profile {
        preset: "microsoft-unified-uer",
        name: "PT Bank Nusa Sejahtera — Microsoft Unified UER (demo)",
        monthly_fee_idr: 650_000_000,
        designated_contacts_only: true,
        admin: Person {
            name: "Indah Permatasari",
            local: "indah.permatasari",
            domain: "banknusa.example",
            phone: "+62 816-4400-5201",
        },
        user: Person {
            name: "Rizky Pratama",
            local: "rizky.pratama",
            domain: "banknusa.example",
            phone: "+62 816-4400-5202",
        },
        scenarios: MICROSOFT,
    },
];

const INNOVASIA: &[Scenario] = &[
    Scenario {
        title: "Portal mitra tidak dapat diakses (HTTP 503)",
        severity: 0,
        kind: None,
        product: None,
        detail: "Sejak pukul 09:05 WIB seluruh pengguna kami tidak bisa membuka portal mitra.",
        expected: "halaman login portal mitra tampil",
        actual: "Browser menampilkan 503 Service Unavailable untuk semua pengguna",
        error: "503 Service Unavailable (upstream connect error)",
        steps: "Buka https://portal.innovasia.example dan login",
        impact: "Seluruh mitra tidak bisa login dan bertransaksi; penjualan berhenti total.",
        team: "Infrastruktur",
        workaround: "trafik dialihkan ke region cadangan; login sudah bisa dilakukan kembali.",
    },
    Scenario {
        title: "Transaksi pembayaran gagal untuk semua pengguna",
        severity: 0,
        kind: None,
        product: None,
        detail: "Semua transaksi pembayaran lewat virtual account gagal sejak rilis pagi ini.",
        expected: "pembayaran VA terkonfirmasi dalam 1 menit",
        actual: "Setiap pembayaran berstatus FAILED",
        error: "PAYMENT_GATEWAY_TIMEOUT (code 504) pada /v2/payments",
        steps: "Buat order baru lalu bayar dengan virtual account BCA",
        impact: "Tidak ada transaksi yang masuk; potensi kehilangan pendapatan ratusan juta rupiah per jam.",
        team: "Payment",
        workaround: "rilis pagi ini di-rollback; pembayaran VA kembali terkonfirmasi.",
    },
    Scenario {
        title: "Waktu respons API /v2/orders melambat lebih dari 8 detik",
        severity: 1,
        kind: None,
        product: None,
        detail: "API pesanan melambat drastis dibanding baseline 400 ms.",
        expected: "respons di bawah 1 detik",
        actual: "Respons 8–12 detik dan sebagian timeout di aplikasi kami",
        error: "ReadTimeout after 8000 ms",
        steps: "Panggil GET /v2/orders?status=open dengan token mitra",
        impact: "Aplikasi kasir kami sering timeout; antrean pelanggan di toko memanjang.",
        team: "Platform API",
        workaround: "cache hasil query pesanan diaktifkan; respons turun ke 1,2 detik.",
    },
    Scenario {
        title: "Laporan rekonsiliasi harian gagal dibuat",
        severity: 1,
        kind: None,
        product: None,
        detail: "Laporan rekonsiliasi tanggal kemarin tidak terbentuk.",
        expected: "laporan tersedia pukul 06:00 WIB",
        actual: "Job laporan berhenti dengan error",
        error: "ReportJobError: query exceeded 300 s",
        steps: "Buka menu Laporan > Rekonsiliasi Harian, pilih tanggal kemarin",
        impact: "Tim keuangan tidak bisa menutup buku harian tepat waktu.",
        team: "Data",
        workaround: "laporan dibuat manual dari replika database dan dikirim lewat email.",
    },
    Scenario {
        title: "Webhook notifikasi transaksi terlambat hingga 30 menit",
        severity: 1,
        kind: None,
        product: None,
        detail: "Notifikasi webhook status transaksi datang sangat terlambat.",
        expected: "webhook terkirim dalam hitungan detik",
        actual: "Webhook datang 20–30 menit setelah transaksi",
        error: "tidak ada pesan kesalahan; antrean webhook menumpuk",
        steps: "Lakukan transaksi uji lalu pantau endpoint webhook kami",
        impact: "Status pesanan pelanggan tidak ter-update; banyak komplain ke CS.",
        team: "Platform API",
        workaround: "worker webhook ditambah dan antrean sudah dikuras.",
    },
    Scenario {
        title: "Error intermittent saat checkout untuk sebagian pengguna",
        severity: 1,
        kind: None,
        product: None,
        detail: "Sebagian pengguna mendapat error saat checkout, terutama di jam sibuk.",
        expected: "checkout berhasil",
        actual: "Sekitar 5% checkout gagal",
        error: "HTTP 502 Bad Gateway",
        steps: "Tambah barang ke keranjang lalu klik Bayar Sekarang",
        impact: "Konversi penjualan turun sekitar 5%.",
        team: "Platform API",
        workaround: "instance yang bermasalah dikeluarkan dari load balancer.",
    },
    Scenario {
        title: "Salah ketik pada halaman pengaturan akun (\"Pengaturn\")",
        severity: 2,
        kind: None,
        product: None,
        detail: "Judul halaman pengaturan akun tertulis \"Pengaturn Akun\".",
        expected: "tertulis \"Pengaturan Akun\"",
        actual: "Tertulis \"Pengaturn Akun\"",
        error: "tidak ada",
        steps: "Buka menu profil lalu Pengaturan Akun",
        impact: "Kosmetik; tidak ada dampak ke operasional.",
        team: "Frontend",
        workaround: "tidak diperlukan.",
    },
    Scenario {
        title: "Tautan dokumentasi API di dashboard rusak (404)",
        severity: 2,
        kind: None,
        product: None,
        detail: "Tautan \"Dokumentasi API\" di dashboard mengarah ke halaman yang tidak ada.",
        expected: "halaman dokumentasi API terbuka",
        actual: "Halaman 404 Not Found",
        error: "404 Not Found",
        steps: "Klik tautan Dokumentasi API di pojok kanan atas dashboard",
        impact: "Developer kami harus mencari dokumentasi secara manual.",
        team: "Frontend",
        workaround: "gunakan alamat docs.innovasia.example/v2 secara langsung.",
    },
    Scenario {
        title: "Tombol ekspor CSV tidak sejajar di layar 13 inci",
        severity: 2,
        kind: None,
        product: None,
        detail: "Tombol ekspor CSV menumpuk dengan filter tanggal pada layar kecil.",
        expected: "tombol tampil rapi di samping filter",
        actual: "Tombol menutupi filter tanggal",
        error: "tidak ada",
        steps: "Buka menu Transaksi di laptop 13 inci (1366×768)",
        impact: "Sedikit mengganggu; ekspor tetap bisa dilakukan.",
        team: "Frontend",
        workaround: "perkecil zoom browser ke 90%.",
    },
];

const AMPOCLOUD: &[Scenario] = &[
    Scenario {
        title: "Dashboard AmpoCloud tidak memuat data sensor",
        severity: 0,
        kind: Some("software"),
        product: None,
        detail: "Dashboard monitoring kosong untuk semua lokasi sejak pagi.",
        expected: "grafik suhu dan kelembapan tampil per lokasi",
        actual: "Dashboard kosong dengan pesan gagal memuat",
        error: "Failed to fetch /api/telemetry: 500 Internal Server Error",
        steps: "Login ke dashboard lalu pilih lokasi Gudang Cikarang",
        impact: "Tim operasional tidak bisa memantau suhu cold storage.",
        team: "Cloud Platform",
        workaround: "data bisa dilihat sementara lewat ekspor CSV per jam.",
    },
    Scenario {
        title: "Sinkronisasi data IoT gateway tertunda lebih dari 1 jam",
        severity: 0,
        kind: Some("software"),
        product: None,
        detail: "Data dari gateway baru muncul di cloud lebih dari satu jam kemudian.",
        expected: "data masuk dalam 1 menit",
        actual: "Keterlambatan 60–90 menit",
        error: "MQTT broker: queue depth 1.2M, consumer lag",
        steps: "Bandingkan timestamp data gateway dengan data di dashboard",
        impact: "Alarm suhu terlambat; risiko produk beku rusak.",
        team: "Cloud Platform",
        workaround: "consumer MQTT ditambah; keterlambatan turun ke 5 menit.",
    },
    Scenario {
        title: "Notifikasi alarm suhu tidak terkirim ke WhatsApp",
        severity: 0,
        kind: Some("software"),
        product: None,
        detail: "Alarm melewati ambang batas tetapi notifikasi tidak terkirim.",
        expected: "notifikasi WhatsApp ke supervisor",
        actual: "Tidak ada notifikasi",
        error: "notifier: 401 Unauthorized dari penyedia WhatsApp API",
        steps: "Naikkan ambang uji sensor T-14 di atas 8°C",
        impact: "Supervisor tidak tahu ada penyimpangan suhu.",
        team: "Cloud Platform",
        workaround: "notifikasi dialihkan sementara ke SMS.",
    },
    Scenario {
        title: "Login AmpoCloud dengan SSO gagal",
        severity: 0,
        kind: Some("software"),
        product: None,
        detail: "Pengguna tidak bisa masuk dengan akun Microsoft perusahaan.",
        expected: "login SSO berhasil",
        actual: "Kembali ke halaman login dengan pesan error",
        error: "AADSTS50011: redirect URI mismatch",
        steps: "Klik Masuk dengan Microsoft",
        impact: "Sebagian staf tidak bisa mengakses dashboard.",
        team: "Cloud Platform",
        workaround: "login dengan kata sandi lokal sementara diaktifkan.",
    },
    Scenario {
        title: "IoT gateway di Gudang Cikarang mati total",
        severity: 0,
        kind: Some("hardware"),
        product: None,
        detail: "Gateway GW-CKR-02 tidak menyala setelah pemadaman listrik.",
        expected: "gateway menyala dan terhubung",
        actual: "Lampu indikator mati, tidak ada koneksi",
        error: "last heartbeat 03:12 WIB",
        steps: "Cek status gateway GW-CKR-02 di dashboard",
        impact: "Seluruh sensor di gudang 2 tidak terpantau.",
        team: "Field Service",
        workaround: "gateway cadangan dipasang sementara.",
    },
    Scenario {
        title: "Sensor suhu cold storage tidak mengirim data",
        severity: 0,
        kind: Some("hardware"),
        product: None,
        detail: "Tiga sensor di ruang pendingin 3 berhenti mengirim data.",
        expected: "data tiap 1 menit",
        actual: "Tidak ada data sejak kemarin sore",
        error: "sensor T-31, T-32, T-33: offline",
        steps: "Lihat panel sensor ruang pendingin 3",
        impact: "Suhu ruang pendingin 3 harus dicatat manual tiap jam.",
        team: "Field Service",
        workaround: "pencatatan manual dengan termometer digital.",
    },
    Scenario {
        title: "Modul 4G gateway sering putus sambung",
        severity: 0,
        kind: Some("hardware"),
        product: None,
        detail: "Gateway di kantor cabang Surabaya putus koneksi beberapa kali sehari.",
        expected: "koneksi stabil",
        actual: "Putus 5–10 menit, 4–6 kali sehari",
        error: "modem: AT+CREG? 0,2 (searching)",
        steps: "Pantau grafik uptime gateway GW-SBY-01",
        impact: "Data hilang selama koneksi putus.",
        team: "Field Service",
        workaround: "koneksi dialihkan ke Wi-Fi kantor.",
    },
];

const KINOBI: &[Scenario] = &[
    Scenario {
        title: "Chatbot Kinobi tidak merespons di WhatsApp",
        severity: 0,
        kind: Some("incident"),
        product: None,
        detail: "Bot layanan pelanggan kami tidak membalas pesan WhatsApp sama sekali.",
        expected: "bot membalas dalam beberapa detik",
        actual: "Pesan terkirim tetapi tidak ada balasan",
        error: "webhook WhatsApp: 502 dari api.kinobi.example",
        steps: "Kirim pesan \"halo\" ke nomor layanan pelanggan",
        impact: "Ribuan pertanyaan pelanggan tidak terjawab; CS kewalahan.",
        team: "Conversational AI",
        workaround: "pesan dialihkan ke agen manusia lewat inbox bersama.",
    },
    Scenario {
        title: "Akurasi klasifikasi dokumen turun drastis setelah update model",
        severity: 1,
        kind: Some("incident"),
        product: None,
        detail: "Sejak update model minggu ini banyak faktur salah diklasifikasikan.",
        expected: "akurasi di atas 95% seperti sebelumnya",
        actual: "Akurasi sekitar 70%",
        error: "tidak ada pesan kesalahan",
        steps: "Unggah 20 faktur contoh ke endpoint /classify",
        impact: "Tim finance harus memeriksa ulang semua dokumen secara manual.",
        team: "ML Engineering",
        workaround: "model dikembalikan ke versi sebelumnya untuk akun ini.",
    },
    Scenario {
        title: "Integrasi API Kinobi ke CRM gagal autentikasi",
        severity: 1,
        kind: Some("incident"),
        product: None,
        detail: "Sinkronisasi percakapan ke CRM berhenti.",
        expected: "percakapan tersimpan di CRM",
        actual: "Semua permintaan ditolak",
        error: "401 invalid_token: token expired",
        steps: "Jalankan sinkronisasi manual dari menu Integrasi",
        impact: "Riwayat percakapan pelanggan tidak tercatat di CRM.",
        team: "Integrasi",
        workaround: "token integrasi diperbarui manual.",
    },
    Scenario {
        title: "Ekspor percakapan ke CSV menghasilkan file kosong",
        severity: 2,
        kind: Some("incident"),
        product: None,
        detail: "File ekspor bulan lalu hanya berisi header.",
        expected: "semua percakapan bulan lalu",
        actual: "File CSV kosong",
        error: "tidak ada",
        steps: "Menu Analitik > Ekspor > pilih bulan lalu",
        impact: "Laporan bulanan ke manajemen tertunda.",
        team: "Platform",
        workaround: "data diekspor oleh tim kami dan dikirim lewat email.",
    },
    Scenario {
        title: "Jawaban bot memakai bahasa Inggris padahal diatur Bahasa Indonesia",
        severity: 2,
        kind: Some("incident"),
        product: None,
        detail: "Sebagian jawaban bot keluar dalam bahasa Inggris.",
        expected: "semua jawaban dalam Bahasa Indonesia",
        actual: "Sekitar 1 dari 10 jawaban berbahasa Inggris",
        error: "tidak ada",
        steps: "Tanyakan \"berapa ongkos kirim ke Medan?\"",
        impact: "Pelanggan bingung; citra layanan kurang baik.",
        team: "Conversational AI",
        workaround: "instruksi bahasa dipertegas di prompt sistem.",
    },
    Scenario {
        title: "Salah ketik pada template jawaban FAQ",
        severity: 3,
        kind: Some("incident"),
        product: None,
        detail: "Template FAQ pengembalian dana tertulis \"pengembalain\".",
        expected: "ejaan yang benar",
        actual: "Tertulis \"pengembalain dana\"",
        error: "tidak ada",
        steps: "Tanyakan tentang pengembalian dana ke bot",
        impact: "Kosmetik.",
        team: "Conversational AI",
        workaround: "tidak diperlukan.",
    },
    Scenario {
        title: "Dugaan kebocoran data pribadi pada log percakapan",
        severity: 0,
        kind: Some("security_incident"),
        product: None,
        detail: "Nomor KTP pelanggan terlihat utuh di log percakapan yang bisa diakses semua agen.",
        expected: "data pribadi disamarkan",
        actual: "NIK tampil lengkap",
        error: "tidak ada",
        steps: "Buka menu Log Percakapan, cari kata \"NIK\"",
        impact: "Risiko pelanggaran UU PDP.",
        team: "Keamanan",
        workaround: "akses menu log dibatasi ke admin saja.",
    },
    Scenario {
        title: "Permintaan pelatihan ulang model untuk katalog produk baru",
        severity: 3,
        kind: Some("professional_services"),
        product: None,
        detail: "Kami meluncurkan 300 produk baru dan ingin bot mengenalinya.",
        expected: "bot menjawab pertanyaan produk baru",
        actual: "Bot belum mengenal produk baru",
        error: "tidak ada",
        steps: "Tanyakan spesifikasi produk seri X-300",
        impact: "Pertanyaan produk baru diteruskan ke agen manusia.",
        team: "Professional Services",
        workaround: "FAQ produk baru ditambahkan manual.",
    },
];

const BENEMICA: &[Scenario] = &[
    Scenario {
        title: "Perhitungan payroll bulan ini gagal diproses",
        severity: 0,
        kind: Some("incident"),
        product: None,
        detail: "Proses payroll untuk 1.240 karyawan berhenti di tengah jalan.",
        expected: "payroll selesai diproses",
        actual: "Proses berhenti di 38% dengan error",
        error: "PayrollRunError: division by zero in komponen LEMBUR",
        steps: "Menu Payroll > Proses > periode bulan ini",
        impact: "Gaji karyawan terancam terlambat dibayar.",
        team: "Payroll",
        workaround: "komponen lembur dihitung terpisah; payroll utama sudah jalan.",
    },
    Scenario {
        title: "Slip gaji karyawan tidak terkirim lewat email",
        severity: 1,
        kind: Some("incident"),
        product: None,
        detail: "Slip gaji bulan ini tidak diterima karyawan.",
        expected: "slip gaji terkirim ke email karyawan",
        actual: "Status email tertahan",
        error: "SMTP 451 4.7.1 rate limited",
        steps: "Menu Slip Gaji > Kirim Ulang",
        impact: "Banyak pertanyaan karyawan ke tim HR.",
        team: "Payroll",
        workaround: "slip bisa diunduh karyawan dari portal ESS.",
    },
    Scenario {
        title: "Potongan BPJS Ketenagakerjaan salah hitung",
        severity: 1,
        kind: Some("incident"),
        product: None,
        detail: "Potongan JHT untuk karyawan dengan gaji di atas batas atas terlalu besar.",
        expected: "potongan mengikuti batas upah",
        actual: "Potongan dihitung dari gaji penuh",
        error: "tidak ada",
        steps: "Bandingkan slip karyawan NIK 1023 dengan perhitungan manual",
        impact: "Karyawan dirugikan; harus ada koreksi.",
        team: "Payroll",
        workaround: "koreksi manual lewat komponen penyesuaian.",
    },
    Scenario {
        title: "Absensi dari mesin fingerprint tidak tersinkron",
        severity: 2,
        kind: Some("incident"),
        product: None,
        detail: "Data absensi kantor Bandung tidak masuk sejak Senin.",
        expected: "absensi tersinkron tiap 15 menit",
        actual: "Tidak ada data dari mesin Bandung",
        error: "sync agent: connection refused 10.20.1.15:4370",
        steps: "Menu Absensi > filter lokasi Bandung",
        impact: "Perhitungan lembur kantor Bandung tertunda.",
        team: "Integrasi",
        workaround: "absensi diimpor manual dari berkas mesin.",
    },
    Scenario {
        title: "Laporan PPh 21 tidak bisa diunduh",
        severity: 2,
        kind: Some("incident"),
        product: None,
        detail: "Unduhan laporan PPh 21 masa bulan lalu gagal.",
        expected: "berkas XLSX terunduh",
        actual: "Unduhan berhenti dengan error",
        error: "500 Internal Server Error",
        steps: "Menu Pajak > PPh 21 > Unduh",
        impact: "Pelaporan pajak bulanan terancam terlambat.",
        team: "Payroll",
        workaround: "laporan dikirim tim kami lewat email.",
    },
    Scenario {
        title: "Tampilan menu cuti berantakan di ponsel",
        severity: 3,
        kind: Some("incident"),
        product: None,
        detail: "Form pengajuan cuti terpotong di layar ponsel.",
        expected: "form tampil utuh",
        actual: "Tombol Ajukan tidak terlihat",
        error: "tidak ada",
        steps: "Buka portal ESS dari ponsel, menu Cuti",
        impact: "Karyawan harus memakai laptop untuk mengajukan cuti.",
        team: "Frontend",
        workaround: "putar layar ke mode lanskap.",
    },
    Scenario {
        title: "Permintaan penambahan komponen tunjangan transportasi",
        severity: 2,
        kind: Some("change_request"),
        product: None,
        detail: "Mulai bulan depan ada tunjangan transportasi harian.",
        expected: "komponen baru tersedia di payroll",
        actual: "Belum ada komponen tersebut",
        error: "tidak ada",
        steps: "Menu Komponen Gaji",
        impact: "Perlu perhitungan manual bila belum tersedia.",
        team: "Payroll",
        workaround: "sementara memakai komponen penyesuaian.",
    },
    Scenario {
        title: "Permintaan dokumentasi format impor data karyawan",
        severity: 3,
        kind: Some("information_request"),
        product: None,
        detail: "Kami butuh format berkas impor data karyawan baru.",
        expected: "dokumentasi format impor",
        actual: "Belum menemukan dokumentasinya",
        error: "tidak ada",
        steps: "Menu Karyawan > Impor",
        impact: "Onboarding 80 karyawan baru tertunda.",
        team: "Customer Success",
        workaround: "contoh berkas dikirim lewat email.",
    },
];

const MICROSOFT: &[Scenario] = &[
    Scenario {
        title: "Azure VM production tidak bisa diakses (RDP timeout)",
        severity: 0,
        kind: Some("incident"),
        product: Some("azure"),
        detail: "VM aplikasi core banking di Southeast Asia tidak bisa diakses.",
        expected: "VM reachable via RDP and the application health probe is green",
        actual: "RDP timeout; health probe merah",
        error: "VM agent status: Not Ready; boot diagnostics show a disk error",
        steps: "Connect via Azure Bastion to vm-core-prd-01",
        impact: "Core banking application down for all branches.",
        team: "Azure Infrastructure",
        workaround: "failover to the secondary VM in the availability set.",
    },
    Scenario {
        title: "Azure SQL Database throttling (DTU 100%)",
        severity: 1,
        kind: Some("incident"),
        product: Some("azure"),
        detail: "Database transaksi terus-menerus di DTU 100% sejak pagi.",
        expected: "DTU di bawah 70% pada jam kerja",
        actual: "DTU 100% dan query timeout",
        error: "Error 40501: The service is currently busy",
        steps: "Lihat metrik DTU sqldb-trx-prd di Azure Portal",
        impact: "Transaksi mobile banking lambat dan sebagian gagal.",
        team: "Azure Data",
        workaround: "scale up sementara ke S6; query berat dijadwalkan ulang.",
    },
    Scenario {
        title: "AKS cluster node NotReady after upgrade",
        severity: 1,
        kind: Some("incident"),
        product: Some("azure"),
        detail: "Setelah upgrade Kubernetes, dua node pool tidak siap.",
        expected: "all nodes Ready",
        actual: "2 of 6 nodes NotReady",
        error: "kubelet: PLEG is not healthy",
        steps: "kubectl get nodes on aks-prd-sea",
        impact: "Kapasitas layanan API turun setengah.",
        team: "Azure Containers",
        workaround: "affected nodes cordoned and replaced.",
    },
    Scenario {
        title: "Exchange Online: outbound mail stuck in queue",
        severity: 1,
        kind: Some("incident"),
        product: Some("other"),
        detail: "Email keluar ke domain eksternal tertahan.",
        expected: "email terkirim dalam 1 menit",
        actual: "Email tertahan 2–3 jam",
        error: "451 4.4.0 DNS query failed",
        steps: "Kirim email uji ke alamat Gmail",
        impact: "Komunikasi dengan nasabah dan regulator terganggu.",
        team: "Modern Work",
        workaround: "outbound connector dialihkan ke smart host cadangan.",
    },
    Scenario {
        title: "Teams meeting recordings not saved to OneDrive",
        severity: 2,
        kind: Some("incident"),
        product: Some("other"),
        detail: "Rekaman rapat Teams tidak muncul di OneDrive penyelenggara.",
        expected: "rekaman tersedia setelah rapat",
        actual: "Rekaman tidak ada",
        error: "Recording failed to upload",
        steps: "Rekam rapat Teams 5 menit lalu akhiri",
        impact: "Notulen rapat direksi harus dibuat ulang.",
        team: "Modern Work",
        workaround: "gunakan perekaman lokal sementara.",
    },
    Scenario {
        title: "SharePoint Online: permission inheritance broken on a site",
        severity: 2,
        kind: Some("incident"),
        product: Some("other"),
        detail: "Pengguna divisi kepatuhan kehilangan akses ke situs dokumen.",
        expected: "akses sesuai grup",
        actual: "Access denied",
        error: "Access denied. You do not have permission",
        steps: "Buka situs /sites/kepatuhan sebagai anggota grup",
        impact: "Tim kepatuhan tidak bisa membuka dokumen kebijakan.",
        team: "Modern Work",
        workaround: "akses diberikan langsung ke pengguna terdampak.",
    },
    Scenario {
        title: "Pertanyaan lisensi Microsoft 365 E5 untuk kontraktor",
        severity: 3,
        kind: Some("incident"),
        product: Some("other"),
        detail: "Kami perlu kejelasan lisensi untuk 40 kontraktor.",
        expected: "rekomendasi lisensi",
        actual: "Belum ada jawaban dari reseller",
        error: "tidak ada",
        steps: "—",
        impact: "Onboarding kontraktor tertunda.",
        team: "Licensing",
        workaround: "gunakan lisensi E3 sementara.",
    },
    Scenario {
        title: "Azure AD Connect sync error for new users",
        severity: 2,
        kind: Some("incident"),
        product: Some("azure"),
        detail: "Akun karyawan baru tidak tersinkron ke Entra ID.",
        expected: "akun muncul dalam 30 menit",
        actual: "Akun tidak muncul",
        error: "AttributeValueMustBeUnique: proxyAddresses",
        steps: "Buat pengguna baru di AD lokal dan tunggu sinkronisasi",
        impact: "Karyawan baru tidak bisa login ke Microsoft 365.",
        team: "Identity",
        workaround: "atribut duplikat dibersihkan manual.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_a_profile_whose_scenarios_fit_its_policy() {
        for preset in tenggat_sla::PRESETS {
            let policy = tenggat_sla::preset(preset).unwrap().unwrap();
            let profile = PROFILES.iter().find(|p| p.preset == preset).unwrap();
            for s in profile.scenarios {
                if let Some(kind) = s.kind {
                    assert!(policy.kind(kind).is_some(), "{preset}: {kind}");
                }
                if let Some(product) = s.product {
                    let attr = policy.attributes.iter().find(|a| a.id == "product");
                    assert!(
                        attr.is_some_and(|a| a.values.iter().any(|v| v == product)),
                        "{preset}: {product}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_prng_is_deterministic_and_spread() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut r = Rng::new(1);
        let mut seen = [0u32; 6];
        for _ in 0..6000 {
            seen[r.below(6)] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
    }

    #[test]
    fn provider_work_moves_into_office_hours() {
        let friday_night: Timestamp = "2026-03-13T20:00:00+07:00".parse().unwrap();
        let monday: Timestamp = "2026-03-16T08:00:00+07:00".parse().unwrap();
        assert_eq!(working_hours(friday_night, 0.0), monday);
        let tuesday_noon: Timestamp = "2026-03-17T12:00:00+07:00".parse().unwrap();
        assert_eq!(working_hours(tuesday_noon, 0.5), tuesday_noon);
        let early: Timestamp = "2026-03-17T06:00:00+07:00".parse().unwrap();
        let morning: Timestamp = "2026-03-17T08:45:00+07:00".parse().unwrap();
        assert_eq!(working_hours(early, 0.5), morning);
    }
}
