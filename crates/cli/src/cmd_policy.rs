//! `tenggat policy check|explain`, and turning the `--policy` argument into a [`Policy`]: a
//! preset name or a policy TOML file.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use tenggat_sla::{Lang, PRESETS, Policy, PolicyError};

use crate::calendar_arg;

/// Loads the policy named by `arg`: a preset (`innovasia`, `microsoft-unified-uer`, …) or a
/// policy file. Errors name the file, line, column and field.
pub fn load(arg: &str) -> Result<Policy> {
    if let Some(result) = tenggat_sla::preset(arg) {
        return result.map_err(|e| anyhow!("preset {arg}: {}", policy_error(&e)));
    }
    let path = Path::new(arg);
    if !path.is_file() {
        bail!(
            "unknown policy {arg:?}: not a preset ({}) and no such file",
            PRESETS.join(", ")
        );
    }
    let text = calendar_arg::read_text(path)?;
    Policy::from_toml(&text).map_err(|e| anyhow!("{}: {}", path.display(), policy_error(&e)))
}

/// The error's text, without an empty location in front ([`PolicyError::check_text`], shared
/// with the portal's policy upload).
fn policy_error(e: &PolicyError) -> String {
    e.check_text()
}

/// Parses `--lang`.
pub fn lang(text: &str) -> Result<Lang> {
    match text.trim() {
        "id" => Ok(Lang::Id),
        "en" => Ok(Lang::En),
        other => bail!("unknown language {other:?}: use id (Bahasa Indonesia) or en (English)"),
    }
}

/// `tenggat policy check --policy P`: a short summary, then `ok`.
pub fn check(arg: &str) -> Result<()> {
    let policy = load(arg)?;
    print!("{}", summary(&policy));
    println!("ok");
    Ok(())
}

/// `tenggat policy explain --policy P [--lang id|en]`.
pub fn explain(arg: &str, lang: &str) -> Result<()> {
    let lang = self::lang(lang)?;
    let policy = load(arg)?;
    print!("{}", tenggat_sla::explain(&policy, lang));
    Ok(())
}

fn ids<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// What `policy check` prints before `ok`.
fn summary(p: &Policy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "policy       {} {} — {}", p.id, p.version, p.name.en);
    if let Some(source) = &p.source {
        let _ = writeln!(out, "source       {source}");
    }
    let _ = writeln!(
        out,
        "priorities   {}",
        ids(p.priorities.iter().map(|x| x.id.as_str()))
    );
    let _ = writeln!(
        out,
        "kinds        {}",
        ids(p.kinds.iter().map(|x| x.id.as_str()))
    );
    for a in &p.attributes {
        let default = a
            .default
            .as_deref()
            .map(|d| format!(", default {d}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "attribute    {} ({}{default})",
            a.id,
            a.values.join(", ")
        );
    }
    let _ = writeln!(out, "targets      {}", p.targets.len());
    let _ = writeln!(out, "calendar     {} (default)", p.default_calendar);
    let width = p.calendars.keys().map(String::len).max().unwrap_or(0);
    for (name, cal) in &p.calendars {
        let _ = writeln!(
            out,
            "  {name:<width$}  {} ({})",
            cal.name(),
            cal.timezone_name()
        );
    }
    if !p.channels.is_empty() {
        let _ = writeln!(
            out,
            "channels     {}",
            ids(p.channels.iter().map(|c| c.id.as_str()))
        );
    }
    let _ = writeln!(
        out,
        "escalation   {} level(s), {} rule(s){}",
        p.escalation.levels.len(),
        p.escalation.rules.len(),
        if p.escalation.rules.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                ids(p.escalation.rules.iter().map(|r| r.id.as_str()))
            )
        }
    );
    let addons: Vec<String> = p
        .addons
        .iter()
        .map(|a| {
            if p.active_addons.contains(&a.id) {
                format!("{} (active)", a.id)
            } else {
                a.id.clone()
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "add-ons      {}",
        ids(addons.iter().map(String::as_str))
    );
    out
}
