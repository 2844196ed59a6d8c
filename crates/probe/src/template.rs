//! `{{var}}` placeholders in the URL, header values and body of a transaction's steps.
//!
//! A placeholder is `{{name}}` (spaces inside the braces are allowed: `{{ name }}`); a name
//! is ASCII letters, digits, `_` and `-`. The value is inserted as it is, without escaping.

use std::collections::BTreeMap;

/// A piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'a> {
    Literal(&'a str),
    Variable(&'a str),
}

/// Whether `name` may name a variable.
pub(crate) fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn parse(template: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Literal(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(format!("`{{{{` without a closing `}}}}` in {template:?}"));
        };
        let name = after[..close].trim();
        if !is_variable_name(name) {
            return Err(format!(
                "bad variable name {name:?} in {template:?} (letters, digits, `_` and `-`)"
            ));
        }
        parts.push(Part::Variable(name));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest));
    }
    Ok(parts)
}

/// The variables a template refers to, in order.
pub(crate) fn variables(template: &str) -> Result<Vec<&str>, String> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Variable(v) => Some(v),
            Part::Literal(_) => None,
        })
        .collect())
}

/// The template with each variable replaced by its value; `Err(name)` names a variable
/// without a value (or the syntax error).
pub(crate) fn render(template: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    for part in parse(template)? {
        match part {
            Part::Literal(s) => out.push_str(s),
            Part::Variable(name) => match vars.get(name) {
                Some(v) => out.push_str(v),
                None => return Err(format!("variable {{{{{name}}}}} has no value")),
            },
        }
    }
    Ok(out)
}

/// The template with every variable replaced by `with`: a stand-in to validate a URL or
/// header value whose variables are only known when the transaction runs.
pub(crate) fn fill(template: &str, with: &str) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    for part in parse(template)? {
        match part {
            Part::Literal(s) => out.push_str(s),
            Part::Variable(_) => out.push_str(with),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_in_order() {
        assert_eq!(
            variables("https://x/{{a}}/{{ b_2 }}?q={{c-d}}").unwrap(),
            vec!["a", "b_2", "c-d"]
        );
        assert_eq!(variables("plain } { text").unwrap(), Vec::<&str>::new());
    }

    #[test]
    fn render_and_errors() {
        let vars = BTreeMap::from([("token".to_string(), "abc".to_string())]);
        assert_eq!(
            render("Bearer {{token}}!", &vars).unwrap(),
            "Bearer abc!".to_string()
        );
        assert!(
            render("{{missing}}", &vars)
                .unwrap_err()
                .contains("missing")
        );
        assert!(variables("{{open").unwrap_err().contains("closing"));
        assert!(variables("{{}}").unwrap_err().contains("bad variable name"));
        assert!(variables("{{a b}}").is_err());
        assert_eq!(fill("/{{a}}/{{b}}", "x").unwrap(), "/x/x");
    }
}
