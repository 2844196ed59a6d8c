//! Database URLs: which backend, and how to show one without its password.

use crate::error::StoreError;

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DbUrl {
    /// A SQLite file (path as written, relative to the working directory when relative).
    Sqlite(String),
    /// A PostgreSQL URL, passed to the driver as is.
    Postgres(String),
}

/// Splits off the backend. `sqlite://PATH`, `sqlite:PATH`, `postgres://…`, `postgresql://…`.
pub(crate) fn parse(url: &str) -> Result<DbUrl, StoreError> {
    let shown = redact_url(url);
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err(StoreError::Config(format!(
                "database URL {shown:?} names no file (use sqlite://tenggat.db)"
            )));
        }
        if path.contains('?') {
            return Err(StoreError::Config(format!(
                "database URL {shown:?}: options after '?' are not supported for SQLite"
            )));
        }
        if path == ":memory:" || path.starts_with("file:") {
            return Err(StoreError::Config(format!(
                "database URL {shown:?}: in-memory SQLite is not supported; name a file"
            )));
        }
        return Ok(DbUrl::Sqlite(path.to_string()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DbUrl::Postgres(url.to_string()));
    }
    let scheme = url.split_once(':').map_or("", |(s, _)| s);
    Err(StoreError::Config(format!(
        "unsupported database URL {shown:?}{}: use sqlite://PATH or postgres://USER@HOST/DATABASE",
        if scheme.is_empty() {
            String::new()
        } else {
            format!(" (scheme {:?})", redact_url(scheme))
        }
    )))
}

/// The password in `scheme://user:password@host/…`, if any (as written, percent-encoded).
pub(crate) fn password(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// The URL with its password (and any `password=` query option) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = match password(url) {
        Some(p) => url.replacen(&format!(":{p}@"), ":***@", 1),
        None => url.to_string(),
    };
    // libpq-style `?password=…` options.
    if let Some(start) = out.find("password=") {
        let value_start = start + "password=".len();
        let end = out[value_start..]
            .find('&')
            .map_or(out.len(), |i| value_start + i);
        out.replace_range(value_start..end, "***");
    }
    out
}

/// Removes every trace of the URL's password from a message (driver errors may quote it).
pub(crate) fn scrub(message: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    if let Some(p) = password(url) {
        secrets.push(p.to_string());
        let decoded = percent_decode(p);
        if decoded != p {
            secrets.push(decoded);
        }
    }
    if let Some(start) = url.find("password=") {
        let v = &url[start + "password=".len()..];
        let v = v.split('&').next().unwrap_or(v);
        if !v.is_empty() {
            secrets.push(v.to_string());
            secrets.push(percent_decode(v));
        }
    }
    let mut out = message.replace(url, &redact_url(url));
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(&s, "***");
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(text.get(i + 1..i + 3).unwrap_or(""), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            parse("sqlite://tenggat.db").unwrap(),
            DbUrl::Sqlite("tenggat.db".into())
        );
        assert_eq!(
            parse("sqlite:data/t.db").unwrap(),
            DbUrl::Sqlite("data/t.db".into())
        );
        assert_eq!(
            parse("sqlite:///var/lib/t.db").unwrap(),
            DbUrl::Sqlite("/var/lib/t.db".into())
        );
        assert!(matches!(
            parse("postgresql://u@h/db").unwrap(),
            DbUrl::Postgres(_)
        ));
        let err = parse("mysql://root:hunter2@h/db").unwrap_err();
        assert_eq!(err.code(), "store.config");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains("mysql"), "{err}");
        assert!(parse("sqlite:").is_err());
        assert!(parse("sqlite::memory:").is_err());
        assert!(parse("tenggat.db").is_err());
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db:5432/t"),
            "postgres://app:***@db:5432/t"
        );
        assert_eq!(redact_url("postgres://app@db/t"), "postgres://app@db/t");
        assert_eq!(
            redact_url("postgres://db/t?user=a&password=pw&sslmode=require"),
            "postgres://db/t?user=a&password=***&sslmode=require"
        );
        let url = "postgres://app:s3cr%40t@db/t";
        assert_eq!(
            scrub(
                "failed for s3cr@t and s3cr%40t at postgres://app:s3cr%40t@db/t",
                url
            ),
            "failed for *** and *** at postgres://app:***@db/t"
        );
    }
}
