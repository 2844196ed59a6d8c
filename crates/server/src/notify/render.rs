//! Notification texts in Bahasa Indonesia and English, from templates compiled into the
//! binary (`templates/notify/{id,en}.txt`: the first line is the subject).

use askama::Template;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;
use tenggat_store::Language;

/// A rendered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line: the e-mail subject, the chat message's first line.
    pub subject: String,
    /// The text after it.
    pub body: String,
}

/// What the templates fill in; every field is text, empty when the event has none.
#[derive(Debug, Default)]
struct Fields {
    kind: String,
    name: String,
    number: String,
    title: String,
    priority: String,
    at: String,
    metric: String,
    percent: String,
    due: String,
    level: String,
    level_name: String,
    rule: String,
    reason: String,
    text: String,
    from: String,
    to: String,
    url: String,
    since: String,
    minutes: String,
    /// The service's name, or "all services" for a notice about every service.
    service: String,
    start: String,
    end: String,
    expires: String,
    monitor: String,
    host: String,
    days: String,
    /// A maintenance window's exclusion decision (`excluded`, `short_notice`,
    /// `not_an_exclusion`).
    decision: String,
    /// A survey's rating (1 to 5).
    rating: String,
}

#[derive(Template)]
#[template(path = "notify/en.txt", escape = "none")]
struct English<'a> {
    f: &'a Fields,
}

#[derive(Template)]
#[template(path = "notify/id.txt", escape = "none")]
struct Indonesian<'a> {
    f: &'a Fields,
}

/// The name of a metric in a language.
fn metric_name(lang: Language, id: &str) -> String {
    let (en, ind) = match id {
        "response" => ("response", "respons"),
        "workaround" => ("workaround", "solusi sementara"),
        "resolution" => ("resolution", "resolusi"),
        "onsite" => ("on-site", "kehadiran di lokasi"),
        "information" => ("information", "informasi"),
        other => (other, other),
    };
    match lang {
        Language::Id => ind.to_owned(),
        Language::En => en.to_owned(),
    }
}

/// An instant as people read it, in the ticket's calendar zone (`2026-03-14 02:00 WIB`).
fn when(text: Option<&str>, zone: Option<&TimeZone>) -> String {
    let Some(text) = text else {
        return String::new();
    };
    match (text.parse::<Timestamp>(), zone) {
        (Ok(t), Some(tz)) => t
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
        (Ok(t), None) => t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        (Err(_), _) => text.to_owned(),
    }
}

/// The name of the service a notice is about, in `lang`; every service when it names none.
fn service_name(lang: Language, payload: &Value) -> String {
    let key = lang.as_str();
    match payload.get("service_name") {
        Some(name) if name.is_object() => name
            .get(key)
            .and_then(Value::as_str)
            .map_or_else(|| text_of(payload.get("service")), str::to_owned),
        _ => match lang {
            Language::Id => "semua layanan".to_owned(),
            Language::En => "all services".to_owned(),
        },
    }
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Renders an outbox payload (see [`super::Planner`]) in its language.
pub fn render(payload: &Value) -> Rendered {
    let lang = super::payload_language(payload);
    let zone = payload
        .get("zone")
        .and_then(Value::as_str)
        .and_then(|z| TimeZone::get(z).ok());
    let event = payload.get("event").cloned().unwrap_or(Value::Null);
    let ticket = payload.get("ticket").cloned().unwrap_or(Value::Null);
    let kind = text_of(payload.get("type"));
    let percent = event
        .get("percent")
        .and_then(Value::as_f64)
        .map(|p| {
            if p.fract() == 0.0 {
                format!("{p:.0}")
            } else {
                format!("{p}")
            }
        })
        .unwrap_or_default();
    let lang_key = lang.as_str();
    let level_name = payload
        .get("level_name")
        .and_then(|n| n.get(lang_key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // The free text an event carries: a justification, a decision's reason, a summary.
    let text = ["justification", "summary", "reason", "comment", "note"]
        .iter()
        .filter(|k| !(kind == "escalation_requested" && **k == "reason"))
        .find_map(|k| event.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    let reason = payload
        .get("reason_name")
        .and_then(|n| n.get(lang_key))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| text_of(event.get("reason")));
    let fields = Fields {
        name: text_of(payload.get("name")),
        number: text_of(ticket.get("number")),
        title: text_of(ticket.get("title")),
        priority: text_of(ticket.get("priority")),
        at: when(payload.get("at").and_then(Value::as_str), zone.as_ref()),
        metric: metric_name(lang, &text_of(event.get("metric"))),
        percent,
        due: when(event.get("due").and_then(Value::as_str), zone.as_ref()),
        level: text_of(event.get("level")),
        level_name,
        rule: text_of(event.get("rule")),
        reason,
        text,
        from: text_of(event.get("from")),
        to: text_of(event.get("to")),
        url: text_of(payload.get("url")),
        since: when(event.get("since").and_then(Value::as_str), zone.as_ref()),
        minutes: text_of(event.get("minutes")),
        service: service_name(lang, payload),
        start: when(event.get("start").and_then(Value::as_str), zone.as_ref()),
        end: when(event.get("end").and_then(Value::as_str), zone.as_ref()),
        expires: when(
            event.get("expires_at").and_then(Value::as_str),
            zone.as_ref(),
        ),
        monitor: text_of(event.get("monitor")),
        host: text_of(event.get("host")),
        days: text_of(event.get("days")),
        decision: text_of(event.get("decision")),
        rating: text_of(event.get("rating")),
        kind,
    };
    let out = match lang {
        Language::En => English { f: &fields }.render(),
        Language::Id => Indonesian { f: &fields }.render(),
    };
    // The templates take only text fields: rendering cannot fail, but should it, the
    // message still says what happened.
    let out = out.unwrap_or_else(|_| format!("[{}] {}\n", fields.number, fields.kind));
    let (subject, body) = out.split_once('\n').unwrap_or((out.as_str(), ""));
    Rendered {
        subject: subject.trim().to_owned(),
        body: body.trim_start_matches('\n').to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn warning(lang: &str) -> Value {
        json!({
            "type": "sla_warning", "lang": lang, "name": "Sari",
            "at": "2026-03-13T19:00:00Z", "zone": "Asia/Jakarta",
            "ticket": {"id": 7, "number": "T-7", "title": "Gateway down", "priority": "P1"},
            "event": {"metric": "workaround", "percent": 75.0, "due": "2026-03-13T20:00:00Z"},
            "url": "http://127.0.0.1:8080/tickets/7"
        })
    }

    #[test]
    fn a_warning_in_both_languages() {
        let en = render(&warning("en"));
        assert_eq!(
            en.subject,
            "[T-7] 75 % of the workaround time used: due 2026-03-14 03:00 WIB"
        );
        assert!(en.body.starts_with("Hello Sari,"), "{}", en.body);
        assert!(en.body.contains("at 2026-03-14 02:00 WIB"), "{}", en.body);
        assert!(en.body.contains("http://127.0.0.1:8080/tickets/7"));
        let id = render(&warning("id"));
        assert_eq!(
            id.subject,
            "[T-7] 75 % waktu solusi sementara terpakai: batas 2026-03-14 03:00 WIB"
        );
        assert!(id.body.starts_with("Halo Sari,"), "{}", id.body);
    }

    #[test]
    fn an_escalation_names_its_level() {
        let payload = json!({
            "type": "escalated", "lang": "id", "at": "2026-03-13T19:00:00Z",
            "ticket": {"number": "T-1", "title": "x", "priority": "P1"},
            "event": {"level": 2, "rule": "p1-no-workaround-4h"},
            "level_name": {"id": "Manajer Eskalasi", "en": "Escalation Manager"}
        });
        let r = render(&payload);
        assert_eq!(r.subject, "[T-1] Dieskalasi ke level 2 (Manajer Eskalasi)");
        assert!(
            r.body.contains("oleh aturan p1-no-workaround-4h"),
            "{}",
            r.body
        );
        assert!(r.body.contains("2026-03-13 19:00 UTC"), "no zone: UTC");
    }

    #[test]
    fn a_maintenance_notice_names_service_window_and_decision() {
        let payload = |lang: &str, decision: &str| {
            json!({
                "type": "maintenance_announced", "lang": lang, "name": "Sari",
                "at": "2026-03-16T02:00:00Z", "zone": "Asia/Jakarta",
                "service_name": {"id": "Layanan", "en": "Service"},
                "event": {"start": "2026-03-18T02:00:00Z", "end": "2026-03-18T04:00:00Z",
                          "note": "Database upgrade", "decision": decision},
                "url": "http://127.0.0.1:8080/api/v1/contracts/1/maintenance"
            })
        };
        let en = render(&payload("en", "excluded"));
        assert_eq!(
            en.subject,
            "[Service] Maintenance scheduled: 2026-03-18 09:00 WIB – 2026-03-18 11:00 WIB"
        );
        assert!(en.body.contains("Database upgrade"), "{}", en.body);
        assert!(en.body.contains("excluded from the availability figures"));
        let id = render(&payload("id", "short_notice"));
        assert_eq!(
            id.subject,
            "[Layanan] Pemeliharaan terjadwal: 2026-03-18 09:00 WIB – 2026-03-18 11:00 WIB"
        );
        assert!(id.body.contains("kurang dari pemberitahuan"), "{}", id.body);
        let mut all = payload("en", "not_an_exclusion");
        all["service_name"] = Value::Null;
        let all = render(&all);
        assert!(
            all.subject.starts_with("[all services] "),
            "{}",
            all.subject
        );
        assert!(all.body.contains("does not exclude maintenance"));
    }

    #[test]
    fn an_outage_without_a_ticket_names_its_service() {
        let payload = json!({
            "type": "outage_detected", "lang": "en", "zone": "Asia/Jakarta",
            "service_name": {"id": "API backend", "en": "Backend API"},
            "event": {"since": "2026-04-10T03:02:00Z"}
        });
        let r = render(&payload);
        assert_eq!(
            r.subject,
            "[Backend API] Outage detected since 2026-04-10 10:02 WIB"
        );
        assert!(
            r.body.contains("Monitoring found Backend API down"),
            "{}",
            r.body
        );
    }

    #[test]
    fn a_request_shows_reason_and_justification() {
        let payload = json!({
            "type": "escalation_requested", "lang": "en",
            "ticket": {"number": "T-2", "title": "x", "priority": "P2"},
            "event": {"reason": "stalled_progress", "justification": "No update for two days", "level": 2},
            "reason_name": {"id": "Progres stagnan", "en": "Progress stalled"}
        });
        let r = render(&payload);
        assert!(r.body.contains("Reason: Progress stalled"), "{}", r.body);
        assert!(
            r.body.contains("Justification: No update for two days"),
            "{}",
            r.body
        );
    }

    #[test]
    fn the_customers_feedback_in_both_languages() {
        let rejected = json!({
            "type": "workaround_rejected", "lang": "id", "zone": "Asia/Jakarta",
            "at": "2026-03-16T03:00:00Z",
            "ticket": {"number": "T-4", "title": "Login gagal", "priority": "P2"},
            "event": {"workaround": 5, "comment": "Masih gagal untuk mitra di Surabaya"}
        });
        let r = render(&rejected);
        assert_eq!(r.subject, "[T-4] Pelanggan menolak solusi sementara");
        assert!(
            r.body
                .contains("Alasan: Masih gagal untuk mitra di Surabaya"),
            "{}",
            r.body
        );
        let survey = json!({
            "type": "survey_answered", "lang": "en",
            "ticket": {"number": "T-4", "title": "Login fails", "priority": "P2"},
            "event": {"rating": 2, "comment": "Too slow"}
        });
        let r = render(&survey);
        assert_eq!(r.subject, "[T-4] Satisfaction survey: 2 of 5");
        assert!(r.body.contains("Comment: Too slow"), "{}", r.body);
    }
}
