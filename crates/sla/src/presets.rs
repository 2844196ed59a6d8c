//! The seed SLAs shipped as presets (`presets/policies/`).

use crate::error::PolicyError;
use crate::policy::Policy;

/// Names accepted by [`preset`]; `microsoft-unified-uer` is `microsoft-unified` with its
/// Unified Enhanced Response add-on applied.
pub const PRESETS: [&str; 6] = [
    "ampocloud",
    "innovasia",
    "kinobi",
    "benemica",
    "microsoft-unified",
    "microsoft-unified-uer",
];

/// The TOML source of a preset file.
pub fn preset_source(name: &str) -> Option<&'static str> {
    Some(match name {
        "ampocloud" => include_str!("../../../presets/policies/ampocloud.toml"),
        "innovasia" => include_str!("../../../presets/policies/innovasia.toml"),
        "kinobi" => include_str!("../../../presets/policies/kinobi.toml"),
        "benemica" => include_str!("../../../presets/policies/benemica.toml"),
        "microsoft-unified" | "microsoft-unified-uer" => {
            include_str!("../../../presets/policies/microsoft-unified.toml")
        }
        _ => return None,
    })
}

/// A preset policy by name; `None` for an unknown name.
pub fn preset(name: &str) -> Option<Result<Policy, PolicyError>> {
    let source = preset_source(name)?;
    let policy = Policy::from_toml(source);
    Some(match name {
        "microsoft-unified-uer" => policy.and_then(|p| {
            p.with_addon("uer").ok_or_else(|| PolicyError {
                code: "policy.unknown_addon",
                location: tenggat_time::Location::default(),
                message: "the microsoft-unified preset does not define the add-on \"uer\"".into(),
            })
        }),
        _ => policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads() {
        for name in PRESETS {
            let p = preset(name)
                .unwrap()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!p.priorities.is_empty(), "{name}");
        }
        let uer = preset("microsoft-unified-uer").unwrap().unwrap();
        assert_eq!(uer.active_addons, vec!["uer".to_string()]);
    }
}
