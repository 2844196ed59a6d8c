//! Typed store errors with stable codes.

/// What went wrong in the store. Messages never contain a database password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, or is outside the caller's tenant scope (the two are not told
    /// apart, so that a customer learns nothing about another's data).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value is taken, or an idempotency key was reused with another request.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The input breaks a rule of the schema (a reference to a missing row, a bad value).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database URL or the database behind it is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The database failed (connection lost, timeout, …).
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    /// The stable code, also the translation key.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound(_) => "store.not_found",
            StoreError::Conflict(_) => "store.conflict",
            StoreError::Invalid(_) => "store.invalid",
            StoreError::Config(_) => "store.config",
            StoreError::Migration(_) => "store.migration",
            StoreError::Database(_) => "store.database",
        }
    }
}

/// Maps a driver error: constraint violations become `Conflict`/`Invalid`, the rest `Database`.
pub(crate) fn db_error(err: sqlx::Error) -> StoreError {
    use sqlx::error::ErrorKind;
    match &err {
        sqlx::Error::RowNotFound => StoreError::NotFound("row"),
        sqlx::Error::Database(db) => {
            let message = db.message().to_string();
            match db.kind() {
                ErrorKind::UniqueViolation => StoreError::Conflict(message),
                ErrorKind::ForeignKeyViolation => {
                    StoreError::Invalid(format!("a referenced row does not exist ({message})"))
                }
                ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                    StoreError::Invalid(message)
                }
                _ => StoreError::Database(err.to_string()),
            }
        }
        sqlx::Error::PoolTimedOut => {
            StoreError::Database("timed out waiting for a database connection".into())
        }
        _ => StoreError::Database(err.to_string()),
    }
}
