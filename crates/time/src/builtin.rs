//! The built-in calendars: `24x7` and the main business-hours calendar of each seed preset.

use crate::DAY;
use crate::calendar::{Calendar, CalendarParts, WorkingInterval};
use crate::holiday::HolidaySet;

/// Names accepted by [`builtin`].
pub const BUILTIN_CALENDARS: [&str; 6] = [
    "24x7",
    "ampocloud",
    "innovasia",
    "kinobi",
    "benemica",
    "microsoft-unified",
];

/// The TOML source of a preset calendar (they live in `presets/calendars/`).
pub fn builtin_source(name: &str) -> Option<&'static str> {
    Some(match name {
        "ampocloud" => include_str!("../../../presets/calendars/ampocloud.toml"),
        "innovasia" => include_str!("../../../presets/calendars/innovasia.toml"),
        "kinobi" => include_str!("../../../presets/calendars/kinobi.toml"),
        "benemica" => include_str!("../../../presets/calendars/benemica.toml"),
        "microsoft-unified" => include_str!("../../../presets/calendars/microsoft-unified.toml"),
        _ => return None,
    })
}

/// A built-in calendar by name, or `None`.
pub fn builtin(name: &str) -> Option<Calendar> {
    if name == "24x7" {
        let all_day = vec![WorkingInterval { start: 0, end: DAY }];
        return Calendar::from_parts(CalendarParts {
            name: "24x7".into(),
            timezone: "UTC".into(),
            week: std::array::from_fn(|_| all_day.clone()),
            ..CalendarParts::default()
        })
        .ok();
    }
    let source = builtin_source(name)?;
    Calendar::from_toml(source, |set| {
        HolidaySet::builtin(set).ok_or_else(|| format!("unknown holiday set {set:?}"))
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_compiles() {
        for name in BUILTIN_CALENDARS {
            let cal = builtin(name).unwrap_or_else(|| panic!("{name} does not compile"));
            if name != "24x7" {
                assert_eq!(cal.timezone_name(), "Asia/Jakarta");
                assert!(
                    cal.holiday_sets().iter().any(|s| s.set == "id-national"),
                    "{name}"
                );
            }
        }
        assert!(builtin("nope").is_none());
    }
}
