//! Turning the `--calendar` argument into a [`Calendar`]: a built-in name, or a TOML file
//! whose holiday sets are built-in names or `.ics` files next to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use tenggat_time::{BUILTIN_CALENDARS, BUILTIN_SETS, Calendar, HolidaySet, builtin};

/// Calendar, holiday, policy and event files (and event streams on stdin) larger than this
/// are refused.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a text file with a size limit and a clear error.
pub fn read_text(path: &Path) -> Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_FILE_BYTES >> 20
        );
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Loads the calendar named by `arg`.
pub fn load(arg: &str) -> Result<Calendar> {
    if let Some(cal) = builtin(arg) {
        return Ok(cal);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        bail!(
            "unknown calendar {arg:?}: not a built-in ({}) and no such file",
            BUILTIN_CALENDARS.join(", ")
        );
    }
    load_file(path)
}

/// Loads and validates a calendar file.
pub fn load_file(path: &Path) -> Result<Calendar> {
    let text = read_text(path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Calendar::from_toml(&text, |name| resolve_set(&dir, name))
        .map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// A holiday set named in a calendar file: built-in, or an `.ics` file relative to the
/// calendar file.
fn resolve_set(dir: &Path, name: &str) -> Result<HolidaySet, String> {
    if let Some(set) = HolidaySet::builtin(name) {
        return Ok(set);
    }
    if !name.to_ascii_lowercase().ends_with(".ics") {
        return Err(format!(
            "unknown holiday set {name:?}: use {} or an .ics file",
            BUILTIN_SETS.join(", ")
        ));
    }
    let path: PathBuf = dir.join(name);
    let text = read_text(&path).map_err(|e| format!("{e:#}"))?;
    HolidaySet::from_ics(name, &text).map_err(|e| e.to_string())
}
