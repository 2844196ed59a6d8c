//! What every portal page shows around its content (language, the signed-in person, the
//! navigation, the CSRF token) and the formatting of instants and durations.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tenggat_store::Language;

use super::{Viewer, i18n};

/// The page furniture, and the words of the page's language (`ui.t("key")` in templates).
#[derive(Debug, Clone)]
pub struct Ui {
    /// The page's language.
    pub lang: Language,
    /// Its code (`id`, `en`), for `<html lang>`.
    pub lang_code: &'static str,
    /// The signed-in person's name, if any.
    pub user_name: Option<String>,
    /// Their organisation's name.
    pub org_name: String,
    /// Whether they work for the provider.
    pub staff: bool,
    /// The CSRF token their forms carry (empty when nobody is signed in).
    pub csrf: String,
    /// Which navigation item is the current page.
    pub active: &'static str,
    /// This page's path, where the language switch comes back to.
    pub back: String,
}

impl Ui {
    /// For a signed-in viewer.
    pub fn signed(viewer: &Viewer, active: &'static str) -> Ui {
        Ui {
            lang: viewer.lang(),
            lang_code: viewer.lang().as_str(),
            user_name: Some(viewer.principal.user.name.clone()),
            org_name: viewer.org.name.clone(),
            staff: viewer.principal.is_staff(),
            csrf: viewer.csrf.clone(),
            active,
            back: viewer.path.clone(),
        }
    }

    /// For someone not signed in.
    pub fn anonymous(lang: Language) -> Ui {
        Ui {
            lang,
            lang_code: lang.as_str(),
            user_name: None,
            org_name: String::new(),
            staff: false,
            csrf: String::new(),
            active: "",
            back: "/".to_owned(),
        }
    }

    /// The text of `key`.
    pub fn t(&self, key: &str) -> String {
        i18n::tr(self.lang, key)
    }

    /// The text of `key` with one argument.
    pub fn ta(&self, key: &str, name: &'static str, value: &str) -> String {
        i18n::tr_args(self.lang, key, &[(name, value.to_owned())])
    }

    /// `aria-current` for the navigation item `item`.
    pub fn current(&self, item: &str) -> &'static str {
        if self.active == item { "page" } else { "false" }
    }
}

/// A choice in a form (a priority, a kind, a filter value, a time zone).
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What it says.
    pub label: String,
    /// A longer explanation (a priority's impact).
    pub help: String,
    /// Examples (a priority's).
    pub examples: Vec<String>,
    /// Whether it is chosen.
    pub selected: bool,
}

/// A policy's text in the page's language.
pub fn text_in(lang: Language, t: &tenggat_sla::Text) -> String {
    match lang {
        Language::Id => t.id.clone(),
        Language::En => t.en.clone(),
    }
}

/// The zone of a policy's main calendar, in which its tickets' times are shown (UTC for a
/// calendar without one, such as the built-in 24×7).
pub fn policy_zone(policy: &tenggat_sla::Policy) -> TimeZone {
    policy
        .calendars
        .get(&policy.default_calendar)
        .and_then(|c| TimeZone::get(c.timezone_name()).ok())
        .unwrap_or(TimeZone::UTC)
}

tokio::task_local! {
    /// The time zone of the person the page is for (from their browser, see
    /// `assets/portal.js`), while a portal page is made; set by [`super::viewer_zone`].
    pub static VIEWER_ZONE: Option<TimeZone>;
}

/// An instant as people read it in `zone` (the calendar's): `2026-03-14 09:00 WIB`; followed,
/// when the viewer's own zone differs, by the same instant there: `2026-03-14 09:00 WIB
/// (03:00 CET)`, with the date too when it differs.
pub fn when(at: Timestamp, zone: &TimeZone) -> String {
    let there = at.to_zoned(zone.clone());
    let shown = there.strftime("%Y-%m-%d %H:%M %Z").to_string();
    let viewer = VIEWER_ZONE.try_with(Clone::clone).ok().flatten();
    match viewer {
        Some(v) if v.iana_name() != zone.iana_name() => {
            let here = at.to_zoned(v);
            if here.offset() == there.offset() {
                return shown;
            }
            let format = if here.date() == there.date() {
                "%H:%M %Z"
            } else {
                "%Y-%m-%d %H:%M %Z"
            };
            format!("{shown} ({})", here.strftime(format))
        }
        _ => shown,
    }
}

/// An RFC 3339 instant from the SLA JSON as people read it; the text itself when it is not
/// one.
pub fn when_text(text: &str, zone: &TimeZone) -> String {
    text.parse::<Timestamp>()
        .map_or_else(|_| text.to_owned(), |t| when(t, zone))
}

/// A length of time in whole days, hours and minutes (`1 d 3 h`, `25 min`).
pub fn duration(lang: Language, d: SignedDuration) -> String {
    let minutes = d.as_secs().unsigned_abs() / 60;
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let mut parts = Vec::new();
    let part = |key: &str, n: u64| i18n::tr_args(lang, key, &[("n", n.to_string())]);
    if days > 0 {
        parts.push(part("duration-days", days));
    }
    if hours > 0 {
        parts.push(part("duration-hours", hours));
    }
    if days == 0 && (mins > 0 || hours == 0) {
        parts.push(part("duration-minutes", mins));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_both_languages() {
        let d = |m: i64| SignedDuration::from_mins(m);
        assert_eq!(duration(Language::En, d(25)), "25 min");
        assert_eq!(duration(Language::En, d(0)), "0 min");
        assert_eq!(duration(Language::En, d(125)), "2 h 5 min");
        assert_eq!(duration(Language::Id, d(60 * 27)), "1 hari 3 jam");
        assert_eq!(duration(Language::En, d(-90)), "1 h 30 min");
    }

    #[test]
    fn instants_in_the_calendars_zone() {
        let tz = TimeZone::get("Asia/Jakarta").expect("zone");
        let at: Timestamp = "2026-03-14T02:00:00Z".parse().expect("instant");
        assert_eq!(when(at, &tz), "2026-03-14 09:00 WIB");
        assert_eq!(
            when_text("2026-03-14T02:00:00Z", &tz),
            "2026-03-14 09:00 WIB"
        );
        assert_eq!(when_text("soon", &tz), "soon");
    }

    #[test]
    fn the_viewers_own_zone_beside_the_calendars() {
        let tz = TimeZone::get("Asia/Jakarta").expect("zone");
        let at: Timestamp = "2026-03-14T02:00:00Z".parse().expect("instant");
        let in_zone = |viewer: &str| {
            let v = TimeZone::get(viewer).expect("viewer zone");
            VIEWER_ZONE.sync_scope(Some(v), || when(at, &tz))
        };
        assert_eq!(
            in_zone("Europe/Amsterdam"),
            "2026-03-14 09:00 WIB (03:00 CET)"
        );
        // Los Angeles is on summer time since 8 March.
        assert_eq!(
            in_zone("America/Los_Angeles"),
            "2026-03-14 09:00 WIB (2026-03-13 19:00 PDT)"
        );
        // The same zone, or another with the same offset at that instant: shown once.
        assert_eq!(in_zone("Asia/Jakarta"), "2026-03-14 09:00 WIB");
        assert_eq!(in_zone("Asia/Bangkok"), "2026-03-14 09:00 WIB");
        assert_eq!(
            VIEWER_ZONE.sync_scope(None, || when(at, &tz)),
            "2026-03-14 09:00 WIB"
        );
    }
}
