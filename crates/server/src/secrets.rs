//! Random tokens and argon2 password hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::problem::Problem;

/// The prefix of API tokens, so that a leaked token is recognisable (`tgt_<64 hex>`).
pub const API_TOKEN_PREFIX: &str = "tgt_";

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (bounds the hashing work one request can ask for).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// 32 random bytes from the operating system, as 64 lower-case hex digits.
pub fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let mut out = String::with_capacity(64);
    for byte in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    Ok(out)
}

/// Why a password is refused, or `None` when it is acceptable.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters (it has {chars})"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!(
            "the password must have at most {MAX_PASSWORD_CHARS} characters"
        ))
    } else {
        None
    }
}

/// The argon2 (default parameters) PHC string of a password, computed off the async runtime.
pub async fn hash_password(password: String) -> Result<String, Problem> {
    tokio::task::spawn_blocking(move || {
        let mut salt_bytes = [0u8; 16];
        getrandom::fill(&mut salt_bytes).map_err(|e| Problem::internal(&e))?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| Problem::internal(&e))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Problem::internal(&e))
    })
    .await
    .map_err(|e| Problem::internal(&e))?
}

/// Whether `password` matches a stored PHC string, checked off the async runtime. A stored
/// hash that cannot be parsed matches nothing.
pub async fn verify_password(password: String, stored: String) -> Result<bool, Problem> {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
    .await
    .map_err(|e| Problem::internal(&e))
}

/// Checks a password against the stored hash of a user, or — when there is no such user or
/// no password yet — against a fixed decoy hash, so that the answer takes as long either way
/// and response times do not tell which e-mail addresses exist.
pub async fn verify_password_or_decoy(
    password: String,
    stored: Option<String>,
) -> Result<bool, Problem> {
    match stored {
        Some(stored) => verify_password(password, stored).await,
        None => {
            let decoy = decoy_hash()?;
            verify_password(password, decoy).await.map(|_| false)
        }
    }
}

/// An argon2 hash of a random password, made once per process.
fn decoy_hash() -> Result<String, Problem> {
    static DECOY: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| {
            let secret = random_hex().map_err(|e| e.to_string())?;
            let mut salt_bytes = [0u8; 16];
            getrandom::fill(&mut salt_bytes).map_err(|e| e.to_string())?;
            let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
            Argon2::default()
                .hash_password(secret.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| Problem::internal(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_is_64_hex_digits_and_differs() {
        let a = random_hex().unwrap();
        let b = random_hex().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn the_decoy_never_matches() {
        assert!(
            !verify_password_or_decoy("anything at all".into(), None)
                .await
                .unwrap()
        );
        let real = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            verify_password_or_decoy("correct horse battery".into(), Some(real))
                .await
                .unwrap()
        );
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("twelve chars").is_none());
        assert!(password_problem("ąęółńśźżćąęó").is_none());
    }
}
