//! The validated policy model: what a provider promises, ready for the fold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tenggat_time::{BusinessDuration, Calendar};

/// A text in Bahasa Indonesia and English.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in `lang` (`id` or `en`; anything else is English).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

/// A user-facing language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia.
    Id,
    /// English.
    En,
}

/// The clocks a ticket can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Acknowledged and assigned.
    Response,
    /// A workaround removes the business impact.
    Workaround,
    /// Permanent fix (or, where the policy says so, a workaround).
    Resolution,
    /// Arrival on site.
    Onsite,
    /// Information delivered.
    Information,
}

impl Metric {
    /// Every metric, in display order.
    pub const ALL: [Metric; 5] = [
        Metric::Response,
        Metric::Workaround,
        Metric::Resolution,
        Metric::Onsite,
        Metric::Information,
    ];

    /// The stable id (`response`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Response => "response",
            Metric::Workaround => "workaround",
            Metric::Resolution => "resolution",
            Metric::Onsite => "onsite",
            Metric::Information => "information",
        }
    }

    /// Parses a metric id.
    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Events that satisfy the metric when the policy does not say.
    pub fn default_satisfied_by(self) -> Vec<Satisfier> {
        match self {
            Metric::Response => vec![Satisfier::Acknowledged],
            Metric::Workaround => vec![Satisfier::Workaround, Satisfier::Resolved],
            Metric::Resolution => vec![Satisfier::Resolved],
            Metric::Onsite => vec![Satisfier::Onsite],
            Metric::Information => vec![Satisfier::Information, Satisfier::Resolved],
        }
    }

    /// The metric's name for people.
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Metric::Response, Lang::Id) => "respons awal",
            (Metric::Response, Lang::En) => "initial response",
            (Metric::Workaround, Lang::Id) => "solusi sementara",
            (Metric::Workaround, Lang::En) => "workaround",
            (Metric::Resolution, Lang::Id) => "penyelesaian",
            (Metric::Resolution, Lang::En) => "resolution",
            (Metric::Onsite, Lang::Id) => "kedatangan di lokasi",
            (Metric::Onsite, Lang::En) => "on-site arrival",
            (Metric::Information, Lang::Id) => "penyampaian informasi",
            (Metric::Information, Lang::En) => "information delivered",
        }
    }
}

/// Events that can satisfy a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfier {
    /// `acknowledged`.
    Acknowledged,
    /// `workaround`.
    Workaround,
    /// `resolved`.
    Resolved,
    /// `onsite`.
    Onsite,
    /// `information`.
    Information,
}

impl Satisfier {
    /// All satisfying event types.
    pub const ALL: [Satisfier; 5] = [
        Satisfier::Acknowledged,
        Satisfier::Workaround,
        Satisfier::Resolved,
        Satisfier::Onsite,
        Satisfier::Information,
    ];

    /// The event type id.
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfier::Acknowledged => "acknowledged",
            Satisfier::Workaround => "workaround",
            Satisfier::Resolved => "resolved",
            Satisfier::Onsite => "onsite",
            Satisfier::Information => "information",
        }
    }

    /// Parses an event type id that can satisfy a metric.
    pub fn parse(s: &str) -> Option<Satisfier> {
        Satisfier::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Why a clock may stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// Waiting on the customer.
    WaitingOnCustomer,
    /// Waiting for site access permits, consents or authorisations.
    AwaitingPermit,
    /// Announced maintenance.
    Maintenance,
}

impl PauseReason {
    /// All pause reasons.
    pub const ALL: [PauseReason; 3] = [
        PauseReason::WaitingOnCustomer,
        PauseReason::AwaitingPermit,
        PauseReason::Maintenance,
    ];

    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            PauseReason::WaitingOnCustomer => "waiting_on_customer",
            PauseReason::AwaitingPermit => "awaiting_permit",
            PauseReason::Maintenance => "maintenance",
        }
    }

    /// Parses a pause reason id.
    pub fn parse(s: &str) -> Option<PauseReason> {
        PauseReason::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Bit for sets of reasons.
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The reason for people.
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (PauseReason::WaitingOnCustomer, Lang::Id) => "menunggu pelanggan",
            (PauseReason::WaitingOnCustomer, Lang::En) => "waiting on the customer",
            (PauseReason::AwaitingPermit, Lang::Id) => "menunggu izin akses",
            (PauseReason::AwaitingPermit, Lang::En) => "awaiting a permit",
            (PauseReason::Maintenance, Lang::Id) => "pemeliharaan",
            (PauseReason::Maintenance, Lang::En) => "maintenance",
        }
    }
}

/// What a target promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Business time on the target's calendar.
    Duration(BusinessDuration),
    /// No commitment.
    None,
    /// Tracked against the next release cycle: no clock.
    NextRelease,
}

/// What a priority change does to running clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriorityChange {
    /// Targets are recomputed from the clock's start with the new priority.
    #[default]
    Retroactive,
    /// Clocks restart at the change with the new priority's targets.
    Restart,
}

/// What reopening a resolved or closed ticket does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReopenRule {
    /// The resolution clocks resume from the reopen instant, keeping the time spent.
    #[default]
    Resume,
    /// The resolution clocks start again from zero.
    Restart,
}

/// A priority (severity) level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priority {
    /// Stable id (`P1`, `critical`).
    pub id: String,
    /// Name.
    pub name: Text,
    /// Impact description that helps a customer choose.
    pub impact: Text,
    /// Examples from the SLA text.
    pub examples: Vec<Text>,
}

/// A ticket kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    /// Stable id (`incident`, `hardware`).
    pub id: String,
    /// Name.
    pub name: Text,
    /// What it covers.
    pub description: Text,
}

/// An attribute that selects targets (Microsoft: `product` = `azure` or `other`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: Text,
    /// Allowed values.
    pub values: Vec<String>,
    /// Value when a ticket does not say.
    pub default: Option<String>,
}

/// One entry of the target table.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRule {
    /// Priorities it applies to (empty: all).
    pub priorities: Vec<String>,
    /// Kinds it applies to (empty: all).
    pub kinds: Vec<String>,
    /// Attribute values it requires.
    pub when: BTreeMap<String, String>,
    /// The metric.
    pub metric: Metric,
    /// The promise.
    pub target: Target,
    /// Name of the calendar in the policy's `[calendars]`.
    pub calendar: String,
    /// Events that meet it.
    pub satisfied_by: Vec<Satisfier>,
    /// Pause reasons that stop it.
    pub paused_by: Vec<PauseReason>,
    /// The SLA clause it comes from.
    pub source: Option<String>,
    /// The interpretation taken.
    pub note: Option<String>,
}

impl TargetRule {
    /// Does this entry apply to a ticket with this priority, kind and attributes?
    pub fn matches(&self, priority: &str, kind: &str, attrs: &BTreeMap<String, String>) -> bool {
        (self.priorities.is_empty() || self.priorities.iter().any(|p| p == priority))
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
            && self.when.iter().all(|(k, v)| attrs.get(k) == Some(v))
    }
}

/// A reporting channel with its own hours and, optionally, its own response target.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Stable id (`chat`, `phone`, `email`).
    pub id: String,
    /// Name.
    pub name: Text,
    /// The channel's hours (a name in `[calendars]`), if it has its own.
    pub calendar: Option<String>,
    /// Reports through non-official channels start no clock.
    pub official: bool,
    /// Response target for reports through this channel, on its calendar.
    pub response: Option<BusinessDuration>,
    /// The SLA clause it comes from.
    pub source: Option<String>,
}

/// One level of the escalation ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// 1 is where every ticket starts.
    pub level: u8,
    /// Name of the level.
    pub name: Text,
    /// Who holds it.
    pub role: Text,
}

/// When an escalation rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// When this percentage of the metric's target has elapsed.
    Percent(f64),
    /// After this much business time on the metric's clock.
    After(BusinessDuration),
}

/// An automatic escalation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRule {
    /// Stable id, shown when it fires.
    pub id: String,
    /// The level it raises the ticket to.
    pub level: u8,
    /// Priorities it applies to (empty: all).
    pub priorities: Vec<String>,
    /// Kinds it applies to (empty: all).
    pub kinds: Vec<String>,
    /// Whose clock measures it.
    pub metric: Metric,
    /// When it fires.
    pub trigger: Trigger,
    /// Events that disarm it.
    pub until: Vec<Satisfier>,
    /// The SLA clause it comes from.
    pub source: Option<String>,
}

/// A reason a customer may give when asking for escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualReason {
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: Text,
}

/// The escalation ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Levels, ascending.
    pub levels: Vec<Level>,
    /// Automatic rules.
    pub rules: Vec<EscalationRule>,
    /// Reasons allowed for customer requests.
    pub manual_reasons: Vec<ManualReason>,
    /// Pre-breach warnings: percentages of each running clock's target, ascending, each
    /// more than 0 and less than 100 ([`DEFAULT_WARN_AT`] unless the policy says otherwise).
    pub warn_at: Vec<f64>,
}

/// The pre-breach warnings of a policy that names none: at 50 % and 75 % of the target.
pub const DEFAULT_WARN_AT: [f64; 2] = [50.0, 75.0];

impl Default for Escalation {
    fn default() -> Escalation {
        Escalation {
            levels: Vec::new(),
            rules: Vec::new(),
            manual_reasons: Vec::new(),
            warn_at: DEFAULT_WARN_AT.to_vec(),
        }
    }
}

/// How downtime is recognised from probe samples.
#[derive(Debug, Clone, PartialEq)]
pub enum DowntimeRule {
    /// N consecutive failed requests within a window (AmpoCloud: 2 within 5 minutes).
    ConsecutiveFailures {
        /// How many in a row.
        count: u32,
        /// Within this real time.
        within: jiff::SignedDuration,
    },
    /// More than this share (percent) of monitored transactions fail (Innovasia: 50).
    FailingShareOver(f64),
    /// Unreachable from at least this many probe locations.
    UnreachableQuorum(u32),
}

/// A service-credit tier: availability below `below` and at least `at_least` earns
/// `credit_percent` of the monthly fee.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditTier {
    /// Upper bound (exclusive), percent.
    pub below: f64,
    /// Lower bound (inclusive), percent; `None` for the last tier.
    pub at_least: Option<f64>,
    /// Credit, percent of the monthly fee.
    pub credit_percent: f64,
}

/// A service with an availability commitment.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: Text,
    /// Monthly availability target, percent.
    pub target_percent: f64,
}

/// Availability commitments (measured by a later part of the product).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Availability {
    /// Services and their targets.
    pub services: Vec<Service>,
    /// How downtime is recognised.
    pub downtime: Vec<DowntimeRule>,
    /// Minimum notice for scheduled maintenance to be excluded.
    pub maintenance_notice: Option<jiff::SignedDuration>,
    /// What does not count as downtime.
    pub exclusions: Vec<ManualReason>,
    /// Service-credit tiers.
    pub credits: Vec<CreditTier>,
    /// Days after the month within which credits must be claimed.
    pub claim_window_days: Option<u32>,
    /// The priority of the incident ticket a detected outage opens (`None`: monitoring opens
    /// no ticket).
    pub incident_priority: Option<String>,
    /// The SLA clauses.
    pub source: Option<String>,
}

/// The type of a mandatory report field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An instant with its time zone.
    Datetime,
    /// One or more attachments (screenshots, video).
    Attachment,
    /// A person (name, e-mail, phone).
    Person,
}

/// A field a report must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Stable id.
    pub id: String,
    /// Its type.
    pub field_type: FieldType,
    /// Label.
    pub name: Text,
    /// Help text.
    pub help: Option<Text>,
    /// Must be present (default true).
    pub required: bool,
}

/// A purchasable add-on that replaces targets or calendars while active.
#[derive(Debug, Clone)]
pub struct Addon {
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: Text,
    /// Calendars it replaces, by name.
    pub calendars: BTreeMap<String, Calendar>,
    /// Targets appended after the policy's (so they win).
    pub targets: Vec<TargetRule>,
}
