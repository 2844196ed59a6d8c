//! A compiled policy: the model plus its resolved calendars, and target lookup.

use std::collections::BTreeMap;

use tenggat_time::Calendar;

use crate::model::{
    Addon, Attribute, Availability, Channel, Escalation, Field, Kind, Metric, Priority,
    PriorityChange, ReopenRule, TargetRule, Text,
};

/// A provider's SLA, validated and ready for [`crate::evaluate`].
#[derive(Debug, Clone)]
pub struct Policy {
    /// Policy id (`innovasia`).
    pub id: String,
    /// Version, shown in reports.
    pub version: String,
    /// Name.
    pub name: Text,
    /// Where the SLA text comes from.
    pub source: Option<String>,
    /// Default calendar of targets (a key of `calendars`).
    pub default_calendar: String,
    /// Calendars by name.
    pub calendars: BTreeMap<String, Calendar>,
    /// Priorities, most urgent first as written.
    pub priorities: Vec<Priority>,
    /// Ticket kinds; the first is the default.
    pub kinds: Vec<Kind>,
    /// Attributes that select targets.
    pub attributes: Vec<Attribute>,
    /// The target table; the last matching entry wins.
    pub targets: Vec<TargetRule>,
    /// Reporting channels.
    pub channels: Vec<Channel>,
    /// The escalation ladder.
    pub escalation: Escalation,
    /// Availability commitments.
    pub availability: Option<Availability>,
    /// Mandatory report fields.
    pub fields: Vec<Field>,
    /// Add-ons that can be applied.
    pub addons: Vec<Addon>,
    /// Add-ons applied to this policy value.
    pub active_addons: Vec<String>,
    /// What a priority change does.
    pub on_priority_change: PriorityChange,
    /// What reopening does.
    pub on_reopen: ReopenRule,
}

impl Policy {
    /// The target entry for a metric of a ticket, if the policy defines one.
    pub fn target_for(
        &self,
        priority: &str,
        kind: &str,
        attrs: &BTreeMap<String, String>,
        metric: Metric,
    ) -> Option<&TargetRule> {
        self.targets
            .iter()
            .rev()
            .find(|t| t.metric == metric && t.matches(priority, kind, attrs))
    }

    /// A calendar by its name in the policy.
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.get(name)
    }

    /// A priority by id.
    pub fn priority(&self, id: &str) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.id == id)
    }

    /// A kind by id.
    pub fn kind(&self, id: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.id == id)
    }

    /// A channel by id.
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The policy with add-on `id` applied: its calendars replace the policy's of the same
    /// name and its targets are appended (so they win). `None` if there is no such add-on.
    pub fn with_addon(mut self, id: &str) -> Option<Policy> {
        let addon = self.addons.iter().find(|a| a.id == id)?.clone();
        if self.active_addons.contains(&addon.id) {
            return Some(self);
        }
        for (name, cal) in addon.calendars {
            self.calendars.insert(name, cal);
        }
        self.targets.extend(addon.targets);
        self.active_addons.push(addon.id);
        Some(self)
    }

    /// Attribute values of a ticket, with the defaults filled in.
    pub fn attributes_with_defaults(
        &self,
        given: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut out = given.clone();
        for a in &self.attributes {
            if let Some(d) = &a.default {
                out.entry(a.id.clone()).or_insert_with(|| d.clone());
            }
        }
        out
    }
}
