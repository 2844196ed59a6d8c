//! `policy explain`: the SLA in plain words a customer can read, in Bahasa Indonesia or
//! English ("P2 — respons awal 4 jam kerja (Sen–Jum 09.00–17.00 WIB)").

use std::collections::BTreeMap;
use std::fmt::Write as _;

use tenggat_time::{BusinessDuration, Calendar, NANOS_PER_SECOND, WEEK};

use crate::model::{DowntimeRule, Lang, Metric, Satisfier, Target, TargetRule, Trigger};
use crate::policy::Policy;

const DAYS_ID: [&str; 7] = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"];
const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn zone_label(cal: &Calendar) -> String {
    match cal.timezone_name() {
        "Asia/Jakarta" | "Asia/Pontianak" => "WIB".into(),
        "Asia/Makassar" => "WITA".into(),
        "Asia/Jayapura" => "WIT".into(),
        other => other.into(),
    }
}

fn clock(nanos: i64, lang: Lang) -> String {
    let secs = nanos / NANOS_PER_SECOND;
    let sep = if lang == Lang::Id { '.' } else { ':' };
    format!("{:02}{sep}{:02}", secs / 3600, secs / 60 % 60)
}

/// The calendar in words: `Sen–Jum 09.00–17.00 WIB, tanpa hari libur id-national`.
pub fn calendar_words(cal: &Calendar, lang: Lang) -> String {
    if cal.week_nanos() == WEEK && cal.holidays().is_empty() {
        return "24×7".into();
    }
    let days = if lang == Lang::Id { DAYS_ID } else { DAYS_EN };
    let week = cal.week();
    let mut groups: Vec<(usize, usize, String)> = Vec::new();
    for (d, intervals) in week.iter().enumerate() {
        if intervals.is_empty() {
            continue;
        }
        let text = intervals
            .iter()
            .map(|iv| format!("{}–{}", clock(iv.start, lang), clock(iv.end, lang)))
            .collect::<Vec<_>>()
            .join(", ");
        match groups.last_mut() {
            Some(g) if g.1 + 1 == d && g.2 == text => g.1 = d,
            _ => groups.push((d, d, text)),
        }
    }
    let mut out = groups
        .iter()
        .map(|(a, b, t)| {
            if a == b {
                format!("{} {t}", days[*a])
            } else {
                format!("{}–{} {t}", days[*a], days[*b])
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let _ = write!(out, " {}", zone_label(cal));
    let sets: Vec<&str> = cal.holiday_sets().iter().map(|s| s.set.as_str()).collect();
    if !sets.is_empty() {
        let names: Vec<String> = sets
            .iter()
            .map(|s| match (*s, lang) {
                ("id-national", Lang::Id) => "libur nasional".to_string(),
                ("id-national", Lang::En) => "national holidays".to_string(),
                ("id-cuti-bersama", Lang::Id) => "cuti bersama".to_string(),
                ("id-cuti-bersama", Lang::En) => "joint leave days (cuti bersama)".to_string(),
                ("extra_holidays", Lang::Id) => "libur tambahan".to_string(),
                ("extra_holidays", Lang::En) => "extra holidays".to_string(),
                (other, _) => other.to_string(),
            })
            .collect();
        let _ = write!(
            out,
            ", {} {}",
            if lang == Lang::Id {
                "kecuali"
            } else {
                "excluding"
            },
            names.join(if lang == Lang::Id { " dan " } else { " and " })
        );
    }
    out
}

/// A duration in words; `business` adds "kerja" / "business".
pub fn duration_words(d: BusinessDuration, business: bool, lang: Lang) -> String {
    let mut parts = Vec::new();
    let unit = |n: i64, id: &str, en_one: &str, en_many: &str| match lang {
        Lang::Id => format!("{n} {id}"),
        Lang::En => format!("{n} {}", if n == 1 { en_one } else { en_many }),
    };
    if d.business_days != 0 {
        parts.push(match lang {
            Lang::Id => format!("{} hari kerja", d.business_days),
            Lang::En => unit(d.business_days, "", "business day", "business days"),
        });
    }
    let secs = d.nanos / NANOS_PER_SECOND;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let biz_id = if business { " kerja" } else { "" };
    let biz_en = if business { "business " } else { "" };
    if h != 0 {
        parts.push(match lang {
            Lang::Id => format!("{h} jam{biz_id}"),
            Lang::En => format!("{h} {biz_en}{}", if h == 1 { "hour" } else { "hours" }),
        });
    }
    if m != 0 {
        parts.push(unit(m, "menit", "minute", "minutes"));
    }
    if s != 0 {
        parts.push(unit(s, "detik", "second", "seconds"));
    }
    if parts.is_empty() {
        return "0".into();
    }
    parts.join(" ")
}

fn event_words(s: Satisfier, lang: Lang) -> &'static str {
    match (s, lang) {
        (Satisfier::Acknowledged, Lang::Id) => "tanggapan dan penugasan tim",
        (Satisfier::Acknowledged, Lang::En) => "acknowledgement and assignment",
        (Satisfier::Workaround, Lang::Id) => "solusi sementara",
        (Satisfier::Workaround, Lang::En) => "a workaround",
        (Satisfier::Resolved, Lang::Id) => "perbaikan permanen",
        (Satisfier::Resolved, Lang::En) => "a permanent fix",
        (Satisfier::Onsite, Lang::Id) => "kedatangan di lokasi",
        (Satisfier::Onsite, Lang::En) => "arrival on site",
        (Satisfier::Information, Lang::Id) => "penyampaian informasi",
        (Satisfier::Information, Lang::En) => "information delivered",
    }
}

/// One target in words: `4 jam kerja (Sen–Jum 09.00–17.00 WIB, kecuali libur nasional)`.
fn target_words(policy: &Policy, rule: &TargetRule, lang: Lang) -> String {
    let cal = policy.calendar(&rule.calendar);
    let mut out = match rule.target {
        Target::None => (if lang == Lang::Id {
            "tidak ada komitmen waktu"
        } else {
            "no time commitment"
        })
        .to_string(),
        Target::NextRelease => (if lang == Lang::Id {
            "pada siklus rilis berikutnya"
        } else {
            "in the next release cycle"
        })
        .to_string(),
        Target::Duration(d) => {
            let always = cal.is_some_and(|c| c.week_nanos() == WEEK);
            let mut s = duration_words(d, !always, lang);
            if let Some(c) = cal {
                let _ = write!(s, " ({})", calendar_words(c, lang));
            }
            s
        }
    };
    if rule.satisfied_by != rule.metric.default_satisfied_by() {
        let events: Vec<&str> = rule
            .satisfied_by
            .iter()
            .map(|s| event_words(*s, lang))
            .collect();
        let _ = write!(
            out,
            "; {} {}",
            if lang == Lang::Id {
                "terpenuhi oleh"
            } else {
                "met by"
            },
            events.join(if lang == Lang::Id { " atau " } else { " or " })
        );
    }
    if !rule.paused_by.is_empty() {
        let reasons: Vec<&str> = rule.paused_by.iter().map(|r| r.name(lang)).collect();
        let _ = write!(
            out,
            "; {} {}",
            if lang == Lang::Id {
                "berhenti saat"
            } else {
                "paused while"
            },
            reasons.join(if lang == Lang::Id { " atau " } else { " or " })
        );
    }
    out
}

/// Every combination of attribute values (Microsoft: product = azure, product = other).
fn attribute_combinations(policy: &Policy) -> Vec<BTreeMap<String, String>> {
    let mut combos = vec![BTreeMap::new()];
    for a in &policy.attributes {
        let mut next = Vec::new();
        for c in &combos {
            for v in &a.values {
                let mut m: BTreeMap<String, String> = c.clone();
                m.insert(a.id.clone(), v.clone());
                next.push(m);
            }
        }
        combos = next;
    }
    combos
}

/// The whole policy in plain words.
pub fn explain(policy: &Policy, lang: Lang) -> String {
    let id = lang == Lang::Id;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}, {} {})",
        policy.name.get(lang),
        policy.id,
        if id { "versi" } else { "version" },
        policy.version
    );
    if !policy.active_addons.is_empty() {
        let _ = writeln!(
            out,
            "{}: {}",
            if id { "Add-on aktif" } else { "Active add-ons" },
            policy.active_addons.join(", ")
        );
    }
    let combos = attribute_combinations(policy);
    for kind in &policy.kinds {
        let _ = writeln!(
            out,
            "\n{}: {}",
            if id { "Jenis tiket" } else { "Ticket kind" },
            kind.name.get(lang)
        );
        for p in &policy.priorities {
            let mut lines = Vec::new();
            for metric in Metric::ALL {
                let per: Vec<(String, Option<&TargetRule>)> = combos
                    .iter()
                    .map(|attrs| {
                        let label = attrs
                            .iter()
                            .map(|(k, v)| format!("{k} = {v}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        (label, policy.target_for(&p.id, &kind.id, attrs, metric))
                    })
                    .collect();
                let texts: Vec<(String, Option<String>)> = per
                    .iter()
                    .map(|(label, r)| (label.clone(), r.map(|r| target_words(policy, r, lang))))
                    .collect();
                if texts.iter().all(|t| t.1.is_none()) {
                    continue;
                }
                if texts.iter().all(|t| t.1 == texts[0].1) {
                    if let Some(t) = &texts[0].1 {
                        lines.push(format!("{} {t}", metric.name(lang)));
                    }
                } else {
                    for (label, t) in texts {
                        if let Some(t) = t {
                            lines.push(format!("{} {t} [{label}]", metric.name(lang)));
                        }
                    }
                }
            }
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  {} — {}", p.id, p.name.get(lang));
            for line in &lines {
                let _ = writeln!(out, "      • {line}");
            }
            if !p.impact.get(lang).is_empty() {
                let _ = writeln!(
                    out,
                    "      {}: {}",
                    if id { "Dampak" } else { "Impact" },
                    p.impact.get(lang)
                );
            }
            for e in &p.examples {
                let _ = writeln!(
                    out,
                    "      {} {}",
                    if id { "contoh:" } else { "e.g." },
                    e.get(lang)
                );
            }
        }
    }
    if !policy.channels.is_empty() {
        let _ = writeln!(out, "\n{}", if id { "Kanal" } else { "Channels" });
        for c in &policy.channels {
            let mut line = format!("  {}", c.name.get(lang));
            if let Some(cal) = c.calendar.as_deref().and_then(|n| policy.calendar(n)) {
                let _ = write!(line, ": {}", calendar_words(cal, lang));
            }
            if let Some(r) = c.response {
                let _ = write!(
                    line,
                    "; {} {}",
                    Metric::Response.name(lang),
                    duration_words(r, true, lang)
                );
            }
            if !c.official {
                let _ = write!(
                    line,
                    " ({})",
                    if id {
                        "bukan kanal resmi: waktu SLA tidak berjalan"
                    } else {
                        "not an official channel: no SLA clock"
                    }
                );
            }
            let _ = writeln!(out, "{line}");
        }
    }
    let esc = &policy.escalation;
    if !esc.levels.is_empty() {
        let _ = writeln!(out, "\n{}", if id { "Eskalasi" } else { "Escalation" });
        for l in &esc.levels {
            let _ = writeln!(
                out,
                "  Level {} — {} ({})",
                l.level,
                l.name.get(lang),
                l.role.get(lang)
            );
        }
        for r in &esc.rules {
            let when = match r.trigger {
                Trigger::Percent(p) => {
                    if id {
                        format!("{p} % waktu {} berlalu", r.metric.name(lang))
                    } else {
                        format!("{p} % of the {} time has elapsed", r.metric.name(lang))
                    }
                }
                Trigger::After(d) => {
                    if id {
                        format!(
                            "{} berlalu pada jam {}",
                            duration_words(d, false, lang),
                            r.metric.name(lang)
                        )
                    } else {
                        format!(
                            "{} on the {} clock",
                            duration_words(d, false, lang),
                            r.metric.name(lang)
                        )
                    }
                }
            };
            let until: Vec<&str> = r.until.iter().map(|s| event_words(*s, lang)).collect();
            let prio = if r.priorities.is_empty() {
                String::new()
            } else {
                format!(" [{}]", r.priorities.join(", "))
            };
            let until = if until.is_empty() {
                String::new()
            } else if id {
                format!(" tanpa {}", until.join(" atau "))
            } else {
                format!(" without {}", until.join(" or "))
            };
            let _ = writeln!(out, "  {} → Level {}{prio}: {when}{until}", r.id, r.level);
        }
        if !esc.manual_reasons.is_empty() {
            let reasons: Vec<&str> = esc
                .manual_reasons
                .iter()
                .map(|r| r.name.get(lang))
                .collect();
            let _ = writeln!(
                out,
                "  {}: {}",
                if id {
                    "Permintaan eskalasi oleh pelanggan"
                } else {
                    "Customer escalation requests"
                },
                reasons.join("; ")
            );
        }
    }
    if !esc.warn_at.is_empty() {
        if esc.levels.is_empty() {
            let _ = writeln!(out, "\n{}", if id { "Eskalasi" } else { "Escalation" });
        }
        let shares: Vec<String> = esc.warn_at.iter().map(|p| format!("{p} %")).collect();
        let and = if id { " dan " } else { " and " };
        let list = match shares.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{}{and}{last}", rest.join(", ")),
            _ => shares.join(""),
        };
        let _ = writeln!(
            out,
            "  {}",
            if id {
                format!(
                    "Peringatan sebelum pelanggaran: saat {list} dari target setiap jam berlalu"
                )
            } else {
                format!("Warnings before a breach: when {list} of each clock's target has elapsed")
            }
        );
    }
    if let Some(a) = &policy.availability {
        let _ = writeln!(
            out,
            "\n{}",
            if id { "Ketersediaan" } else { "Availability" }
        );
        for s in &a.services {
            let _ = writeln!(
                out,
                "  {}: {} % {}",
                s.name.get(lang),
                s.target_percent,
                if id { "per bulan" } else { "per month" }
            );
        }
        for d in &a.downtime {
            let text = match (d, lang) {
                (DowntimeRule::ConsecutiveFailures { count, within }, Lang::Id) => format!(
                    "gangguan: {count} permintaan gagal berturut-turut dalam {} menit",
                    within.as_secs() / 60
                ),
                (DowntimeRule::ConsecutiveFailures { count, within }, Lang::En) => format!(
                    "downtime: {count} consecutive failed requests within {} minutes",
                    within.as_secs() / 60
                ),
                (DowntimeRule::FailingShareOver(p), Lang::Id) => {
                    format!("gangguan: lebih dari {p} % transaksi sintetis gagal")
                }
                (DowntimeRule::FailingShareOver(p), Lang::En) => {
                    format!("downtime: more than {p} % of synthetic transactions fail")
                }
                (DowntimeRule::UnreachableQuorum(q), Lang::Id) => {
                    format!("gangguan: tidak terjangkau dari {q} lokasi pemantauan")
                }
                (DowntimeRule::UnreachableQuorum(q), Lang::En) => {
                    format!("downtime: unreachable from {q} probe locations")
                }
            };
            let _ = writeln!(out, "  {text}");
        }
        if let Some(n) = a.maintenance_notice {
            let hours = n.as_secs() / 3600;
            let _ = writeln!(
                out,
                "  {}",
                if id {
                    format!("pemeliharaan terjadwal diumumkan minimal {hours} jam sebelumnya")
                } else {
                    format!("scheduled maintenance announced at least {hours} hours ahead")
                }
            );
        }
        for c in &a.credits {
            let range = match c.at_least {
                Some(l) => format!("{l} % – < {} %", c.below),
                None => format!("< {} %", c.below),
            };
            let _ = writeln!(
                out,
                "  {} {range}: {} % {}",
                if id {
                    "kredit layanan"
                } else {
                    "service credit"
                },
                c.credit_percent,
                if id {
                    "dari biaya bulanan"
                } else {
                    "of the monthly fee"
                }
            );
        }
        if let Some(p) = &a.incident_priority {
            let _ = writeln!(
                out,
                "  {}",
                if id {
                    format!("gangguan yang terdeteksi pemantauan membuka tiket prioritas {p}")
                } else {
                    format!("an outage found by monitoring opens a {p} ticket")
                }
            );
        }
        if let Some(days) = a.claim_window_days {
            let _ = writeln!(
                out,
                "  {}",
                if id {
                    format!("klaim paling lambat {days} hari setelah akhir bulan")
                } else {
                    format!("claim within {days} days after the end of the month")
                }
            );
        }
    }
    if !policy.fields.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            if id {
                "Isian wajib laporan"
            } else {
                "Mandatory report fields"
            }
        );
        for f in policy.fields.iter().filter(|f| f.required) {
            let _ = writeln!(out, "  - {}", f.name.get(lang));
        }
    }
    if !policy.addons.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            if id {
                "Add-on yang tersedia"
            } else {
                "Available add-ons"
            }
        );
        for a in &policy.addons {
            let _ = writeln!(out, "  {} ({})", a.name.get(lang), a.id);
        }
    }
    out
}
