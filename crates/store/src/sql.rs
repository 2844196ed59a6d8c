//! The SQL both backends share, expanded once per backend with its concrete pool type.
//!
//! The statements are written to mean the same on SQLite and PostgreSQL (numbered `$n`
//! placeholders, `RETURNING`, `ON CONFLICT`, row-value comparison). Expanding them per backend
//! rather than writing one function generic over `sqlx::Database` keeps every call concretely
//! typed (no `for<'c> Executor<'c>` bounds). Each backend provides `begin_write()` (SQLite:
//! `BEGIN IMMEDIATE`, so a transaction that reads before it writes never fails to upgrade its
//! lock), `migrate()` and `backend_name()`; anything backend-specific stays in its module. The
//! few SQL fragments that differ (a contract's contacts as one JSON array) are arguments of the
//! macro.

/// Outbox rows written per statement (11 parameters each, far below either backend's limit).
pub(crate) const NOTIFICATIONS_PER_INSERT: usize = 500;

/// `$1, $2, $3` for `n` parameters.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a batch larger than [`BATCH_LIMIT`](crate::BATCH_LIMIT).
pub(crate) fn check_batch(len: usize) -> Result<(), crate::StoreError> {
    if len > crate::BATCH_LIMIT {
        return Err(crate::StoreError::Invalid(format!(
            "{len} tickets in one batch; at most {}",
            crate::BATCH_LIMIT
        )));
    }
    Ok(())
}

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns.
pub(crate) fn values_list(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Checks a notice before it is written.
pub(crate) fn check_notice(n: &crate::NewNotice) -> Result<(), crate::StoreError> {
    if n.dedupe_key.trim().is_empty() {
        return Err(crate::StoreError::Invalid(
            "a notice needs a dedupe key".into(),
        ));
    }
    if n.recipient.trim().is_empty() {
        return Err(crate::StoreError::Invalid(
            "a notice needs a recipient".into(),
        ));
    }
    if !n.payload.is_object() {
        return Err(crate::StoreError::Invalid(
            "a notice's payload must be a JSON object".into(),
        ));
    }
    Ok(())
}

/// Writes notices ([`crate::NewNotice`]) into the outbox inside the transaction `$tx`, each
/// dedupe key prefixed with `$prefix`; a key already there is skipped. Evaluates to the number
/// written, as `StoreResult<u64>`. At most `$max_params` parameters per statement.
macro_rules! insert_notices {
    ($tx:expr, $at:expr, $prefix:expr, $notices:expr, $max_params:expr) => {
        async {
            let at = $crate::rows::ns($at)?;
            let mut written: u64 = 0;
            for chunk in $notices.chunks(($max_params / 11).max(1)) {
                let sql = format!(
                    "INSERT INTO outbox (ticket_id, event_seq, channel, recipient, user_id, \
                     dedupe_key, payload, created_at, state, next_attempt_at, delivered_at) \
                     VALUES {} ON CONFLICT (dedupe_key) DO NOTHING",
                    $crate::sql::values_list(chunk.len(), 11)
                );
                let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    $crate::sql::check_notice(n)?;
                    let delivered = n.channel == $crate::NotifyChannel::InApp;
                    insert = insert
                        .bind(None::<i64>)
                        .bind(None::<i64>)
                        .bind(n.channel.as_str())
                        .bind(&n.recipient)
                        .bind(n.user_id)
                        .bind(format!("{}{}", $prefix, n.dedupe_key))
                        .bind(sqlx::types::Json(&n.payload))
                        .bind(at)
                        .bind(if delivered { "delivered" } else { "pending" })
                        .bind(at)
                        .bind(delivered.then_some(at));
                }
                written += insert
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::error::db_error)?
                    .rows_affected();
            }
            Ok::<u64, $crate::StoreError>(written)
        }
    };
}

pub(crate) use insert_notices;

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:literal, contacts_json = $contacts:literal,
     skip_locked = $skip_locked:literal, max_params = $max_params:literal) => {
        impl $crate::store::Store for $store {
            fn backend_name(&self) -> &'static str {
                $backend
            }

            async fn migrate(&self) -> $crate::store::StoreResult<Vec<String>> {
                self.run_migrations().await
            }

            // ---- organisations

            async fn create_organisation(
                &self,
                new: &NewOrganisation,
            ) -> StoreResult<Organisation> {
                required(&new.name, "organisation name")?;
                required(&new.slug, "organisation slug")?;
                let row: OrgRow = sqlx::query_as(concat!(
                    "INSERT INTO organisations (kind, name, slug, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING ",
                    org_cols!()
                ))
                .bind(new.kind.as_str())
                .bind(&new.name)
                .bind(&new.slug)
                .bind(ns(new.created_at)?)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                row.try_into()
            }

            async fn get_organisation(&self, id: i64) -> StoreResult<Organisation> {
                let row: Option<OrgRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    org_cols!(),
                    " FROM organisations WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("organisation"))?.try_into()
            }

            async fn organisation_by_slug(&self, slug: &str) -> StoreResult<Option<Organisation>> {
                let row: Option<OrgRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    org_cols!(),
                    " FROM organisations WHERE slug = $1"
                ))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.map(Organisation::try_from).transpose()
            }

            async fn list_organisations(
                &self,
                kind: Option<OrgKind>,
            ) -> StoreResult<Vec<Organisation>> {
                let rows: Vec<OrgRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    org_cols!(),
                    " FROM organisations WHERE ($1 IS NULL OR kind = $1) ORDER BY id"
                ))
                .bind(kind.map(OrgKind::as_str))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(Organisation::try_from).collect()
            }

            // ---- users

            async fn create_user(&self, new: &NewUser) -> StoreResult<User> {
                let email = normalise_email(&new.email);
                required(&email, "e-mail")?;
                required(&new.name, "user name")?;
                let row: UserRow = sqlx::query_as(concat!(
                    "INSERT INTO users (organisation_id, email, name, role, language, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                    user_cols!()
                ))
                .bind(new.organisation_id)
                .bind(&email)
                .bind(&new.name)
                .bind(new.role.as_str())
                .bind(new.language.as_str())
                .bind(ns(new.created_at)?)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                row.try_into()
            }

            async fn get_user(&self, id: i64) -> StoreResult<User> {
                let row: Option<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_cols!(),
                    " FROM users WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("user"))?.try_into()
            }

            async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                let row: Option<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_cols!(),
                    " FROM users WHERE email = $1"
                ))
                .bind(normalise_email(email))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.map(User::try_from).transpose()
            }

            async fn users_of_organisation(&self, organisation_id: i64) -> StoreResult<Vec<User>> {
                let rows: Vec<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_cols!(),
                    " FROM users WHERE organisation_id = $1 ORDER BY id"
                ))
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(User::try_from).collect()
            }

            async fn update_user(&self, id: i64, update: &UserUpdate) -> StoreResult<User> {
                if let Some(name) = &update.name {
                    required(name, "user name")?;
                }
                let row: Option<UserRow> = sqlx::query_as(concat!(
                    "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role), \
                     language = COALESCE($4, language), disabled = COALESCE($5, disabled) \
                     WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(id)
                .bind(update.name.as_deref())
                .bind(update.role.map(Role::as_str))
                .bind(update.language.map(Language::as_str))
                .bind(update.disabled)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("user"))?.try_into()
            }

            async fn set_password_hash(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
                required(password_hash, "password hash")?;
                let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(password_hash)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                Ok(())
            }

            async fn set_password_setup_token(
                &self,
                user_id: i64,
                token_hash: &str,
                expires_at: Timestamp,
            ) -> StoreResult<()> {
                required(token_hash, "token hash")?;
                let done = sqlx::query(
                    "UPDATE users SET setup_token_hash = $2, setup_token_expires_at = $3 \
                     WHERE id = $1",
                )
                .bind(user_id)
                .bind(token_hash)
                .bind(ns(expires_at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                Ok(())
            }

            async fn use_password_setup_token(
                &self,
                token_hash: &str,
                now: Timestamp,
                password_hash: &str,
            ) -> StoreResult<User> {
                required(password_hash, "password hash")?;
                let row: Option<UserRow> = sqlx::query_as(concat!(
                    "UPDATE users SET password_hash = $3, setup_token_hash = NULL, \
                     setup_token_expires_at = NULL \
                     WHERE setup_token_hash = $1 AND setup_token_expires_at > $2 RETURNING ",
                    user_cols!()
                ))
                .bind(token_hash)
                .bind(ns(now)?)
                .bind(password_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("password setup token"))?
                    .try_into()
            }

            // ---- API tokens

            async fn create_api_token(&self, new: &NewApiToken) -> StoreResult<ApiToken> {
                required(&new.name, "token name")?;
                required(&new.token_hash, "token hash")?;
                let row: TokenRow = sqlx::query_as(concat!(
                    "INSERT INTO api_tokens (user_id, name, scopes, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING ",
                    token_cols!()
                ))
                .bind(new.user_id)
                .bind(&new.name)
                .bind(Json(&new.scopes))
                .bind(&new.token_hash)
                .bind(ns(new.created_at)?)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                row.try_into()
            }

            async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
                let row: Option<TokenRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    token_cols!(),
                    " FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.map(ApiToken::try_from).transpose()
            }

            async fn api_token_with_user(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<(ApiToken, User)>> {
                let row: Option<TokenUserRow> = sqlx::query_as(
                    "SELECT t.id AS token_id, t.name AS token_name, t.scopes AS token_scopes, \
                     t.token_hash, t.created_at AS token_created_at, u.id, u.organisation_id, \
                     u.email, u.name, u.role, u.password_hash, u.language, u.disabled, \
                     u.created_at \
                     FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.map(TokenUserRow::split).transpose()
            }

            async fn api_tokens_of_user(&self, user_id: i64) -> StoreResult<Vec<ApiToken>> {
                let rows: Vec<TokenRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    token_cols!(),
                    " FROM api_tokens WHERE user_id = $1 ORDER BY id"
                ))
                .bind(user_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(ApiToken::try_from).collect()
            }

            async fn revoke_api_token(&self, id: i64, at: Timestamp) -> StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                )
                .bind(id)
                .bind(ns(at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("API token"));
                }
                Ok(())
            }

            // ---- sessions

            async fn create_session(&self, new: &NewSession) -> StoreResult<Session> {
                required(&new.token_hash, "session token hash")?;
                if new.expires_at <= new.created_at {
                    return Err(StoreError::Invalid(format!(
                        "the session expires ({}) before it is created ({})",
                        new.expires_at, new.created_at
                    )));
                }
                let created_at = ns(new.created_at)?;
                let row: SessionRow = sqlx::query_as(concat!(
                    "INSERT INTO sessions (user_id, token_hash, created_at, expires_at, \
                     last_seen_at, user_agent) VALUES ($1, $2, $3, $4, $3, $5) RETURNING ",
                    session_cols!()
                ))
                .bind(new.user_id)
                .bind(&new.token_hash)
                .bind(created_at)
                .bind(ns(new.expires_at)?)
                .bind(new.user_agent.as_deref())
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                row.try_into()
            }

            async fn session_by_hash(
                &self,
                token_hash: &str,
                now: Timestamp,
            ) -> StoreResult<Option<Session>> {
                let row: Option<SessionRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    session_cols!(),
                    " FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL \
                     AND expires_at > $2"
                ))
                .bind(token_hash)
                .bind(ns(now)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.map(Session::try_from).transpose()
            }

            async fn touch_session(
                &self,
                id: i64,
                now: Timestamp,
                new_expires_at: Timestamp,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE sessions SET \
                     last_seen_at = CASE WHEN last_seen_at > $2 THEN last_seen_at ELSE $2 END, \
                     expires_at = $3 \
                     WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2",
                )
                .bind(id)
                .bind(ns(now)?)
                .bind(ns(new_expires_at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("session"));
                }
                Ok(())
            }

            async fn revoke_session(&self, id: i64, at: Timestamp) -> StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                )
                .bind(id)
                .bind(ns(at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("session"));
                }
                Ok(())
            }

            async fn revoke_sessions_of_user(&self, user_id: i64, at: Timestamp) -> StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $2 \
                     WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
                )
                .bind(user_id)
                .bind(ns(at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(done.rows_affected())
            }

            async fn purge_sessions(&self, before: Timestamp) -> StoreResult<u64> {
                let done =
                    sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
                        .bind(ns(before)?)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                Ok(done.rows_affected())
            }

            // ---- policies

            async fn create_policy(&self, new: &NewPolicy) -> StoreResult<StoredPolicy> {
                required(&new.name, "policy name")?;
                required(&new.source, "policy source")?;
                // One statement: the version is the next for the name; a concurrent upload of
                // the same name fails on UNIQUE (name, version) instead of duplicating it.
                let row: PolicyRow = sqlx::query_as(concat!(
                    "INSERT INTO policies (name, version, source, created_by, created_at) \
                     SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM policies \
                     WHERE name = $1 RETURNING ",
                    policy_cols!()
                ))
                .bind(&new.name)
                .bind(&new.source)
                .bind(new.created_by)
                .bind(ns(new.created_at)?)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                row.try_into()
            }

            async fn get_policy(&self, id: i64) -> StoreResult<StoredPolicy> {
                let row: Option<PolicyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    policy_cols!(),
                    " FROM policies WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("policy"))?.try_into()
            }

            async fn list_policies(&self) -> StoreResult<Vec<StoredPolicy>> {
                let rows: Vec<PolicyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    policy_cols!(),
                    " FROM policies ORDER BY name, version"
                ))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(StoredPolicy::try_from).collect()
            }

            // ---- contracts

            async fn create_contract(&self, new: &NewContract) -> StoreResult<Contract> {
                let (preset, policy_id) = policy_ref_cols(&new.policy)?;
                required(&new.currency, "currency")?;
                if let Some(end) = new.term_end
                    && end < new.term_start
                {
                    return Err(StoreError::Invalid(format!(
                        "the term ends ({end}) before it starts ({})",
                        new.term_start
                    )));
                }
                let mut tx = self.begin_write().await?;
                for (id, kind) in [
                    (new.provider_id, OrgKind::Provider),
                    (new.customer_org_id, OrgKind::Customer),
                ] {
                    let found: Option<String> =
                        sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db_error)?;
                    if found.as_deref() != Some(kind.as_str()) {
                        return Err(StoreError::Invalid(format!(
                            "organisation {id} is not a {kind} organisation"
                        )));
                    }
                }
                let row: ContractRow = sqlx::query_as(concat!(
                    "INSERT INTO contracts (provider_id, customer_org_id, policy_preset, policy_id, \
                     add_ons, monthly_fee_minor, currency, term_start, term_end, \
                     designated_contacts_only, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ",
                    contract_cols!()
                ))
                .bind(new.provider_id)
                .bind(new.customer_org_id)
                .bind(preset)
                .bind(policy_id)
                .bind(Json(&new.add_ons))
                .bind(new.monthly_fee_minor)
                .bind(&new.currency)
                .bind(new.term_start.to_string())
                .bind(new.term_end.map(|d| d.to_string()))
                .bind(new.designated_contacts_only)
                .bind(ns(new.created_at)?)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
                let contacts = unique_ids(&new.designated_contacts);
                for user in &contacts {
                    let done = sqlx::query(
                        "INSERT INTO contract_contacts (contract_id, user_id) \
                         SELECT $1, id FROM users WHERE id = $2 AND organisation_id = $3",
                    )
                    .bind(row.id)
                    .bind(*user)
                    .bind(new.customer_org_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Invalid(format!(
                            "user {user} is not a user of the customer organisation"
                        )));
                    }
                }
                tx.commit().await.map_err(db_error)?;
                row.into_contract(contacts)
            }

            async fn get_contract(&self, id: i64, scope: Option<i64>) -> StoreResult<Contract> {
                let row: Option<ContractContactsRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    contract_cols!(),
                    ", ",
                    $contacts,
                    " AS contacts FROM contracts \
                     WHERE id = $1 AND ($2 IS NULL OR customer_org_id = $2)"
                ))
                .bind(id)
                .bind(scope)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("contract"))?.try_into()
            }

            async fn contracts_of_organisation(
                &self,
                customer_org_id: i64,
            ) -> StoreResult<Vec<Contract>> {
                let rows: Vec<ContractContactsRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    contract_cols!(),
                    ", ",
                    $contacts,
                    " AS contacts FROM contracts WHERE customer_org_id = $1 ORDER BY id"
                ))
                .bind(customer_org_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn set_contract_policy(
                &self,
                id: i64,
                policy: &PolicyRef,
                add_ons: &[String],
            ) -> StoreResult<Contract> {
                let (preset, policy_id) = policy_ref_cols(policy)?;
                let done = sqlx::query(
                    "UPDATE contracts SET policy_preset = $2, policy_id = $3, add_ons = $4 \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(preset)
                .bind(policy_id)
                .bind(Json(add_ons))
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("contract"));
                }
                self.get_contract(id, None).await
            }

            async fn set_designated_contacts(
                &self,
                id: i64,
                only: bool,
                user_ids: &[i64],
            ) -> StoreResult<Contract> {
                let mut tx = self.begin_write().await?;
                let customer: Option<i64> = sqlx::query_scalar(
                    "UPDATE contracts SET designated_contacts_only = $2 WHERE id = $1 \
                     RETURNING customer_org_id",
                )
                .bind(id)
                .bind(only)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
                let customer = customer.ok_or(StoreError::NotFound("contract"))?;
                sqlx::query("DELETE FROM contract_contacts WHERE contract_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                for user in unique_ids(user_ids) {
                    let done = sqlx::query(
                        "INSERT INTO contract_contacts (contract_id, user_id) \
                         SELECT $1, id FROM users WHERE id = $2 AND organisation_id = $3",
                    )
                    .bind(id)
                    .bind(user)
                    .bind(customer)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Invalid(format!(
                            "user {user} is not a user of the customer organisation"
                        )));
                    }
                }
                tx.commit().await.map_err(db_error)?;
                self.get_contract(id, None).await
            }

            // ---- tickets

            async fn create_ticket(
                &self,
                new: &NewTicket,
                created: &NewEvent,
            ) -> StoreResult<TicketWithEvent> {
                required(&new.kind, "kind")?;
                required(&new.priority, "priority")?;
                required(&new.title, "title")?;
                object(&new.attributes, "attributes")?;
                object(&new.fields, "fields")?;
                check_event(created)?;
                for attachment in &new.attachments {
                    check_attachment(attachment)?;
                }
                if created.event_type != "created" {
                    return Err(StoreError::Invalid(format!(
                        "a ticket's first event is \"created\", not {:?}",
                        created.event_type
                    )));
                }
                // Written by the store's ticket writer, batched with other new tickets
                // (see `create_batch`).
                self.creates.submit(new, created).await
            }

            async fn get_ticket(&self, id: i64, scope: Option<i64>) -> StoreResult<Ticket> {
                let row: Option<TicketRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    ticket_cols!(),
                    " FROM tickets WHERE id = $1 AND ($2 IS NULL OR customer_org_id = $2)"
                ))
                .bind(id)
                .bind(scope)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("ticket"))?.try_into()
            }

            async fn ticket_by_number(
                &self,
                provider_id: i64,
                number: i64,
                scope: Option<i64>,
            ) -> StoreResult<Ticket> {
                let row: Option<TicketRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    ticket_cols!(),
                    " FROM tickets WHERE provider_id = $1 AND number = $2 \
                     AND ($3 IS NULL OR customer_org_id = $3)"
                ))
                .bind(provider_id)
                .bind(number)
                .bind(scope)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("ticket"))?.try_into()
            }

            async fn list_tickets(&self, filter: &TicketFilter) -> StoreResult<TicketPage> {
                let limit = page_size(filter);
                let (clause, binds) = ticket_where(filter, true)?;
                let sql = format!(
                    concat!(
                        "SELECT ",
                        ticket_cols!(),
                        " FROM tickets{} ORDER BY next_due, id LIMIT {}"
                    ),
                    clause,
                    u64::from(limit) + 1
                );
                let mut query = sqlx::query_as::<_, TicketRow>(sqlx::AssertSqlSafe(sql));
                for bind in binds {
                    query = match bind {
                        Bind::I64(v) => query.bind(v),
                        Bind::Text(v) => query.bind(v),
                        Bind::Bool(v) => query.bind(v),
                    };
                }
                let mut rows = query.fetch_all(&self.pool).await.map_err(db_error)?;
                let next = if rows.len() > limit as usize {
                    rows.truncate(limit as usize);
                    rows.last().map(TicketRow::cursor)
                } else {
                    None
                };
                let tickets = rows
                    .into_iter()
                    .map(Ticket::try_from)
                    .collect::<StoreResult<Vec<Ticket>>>()?;
                Ok(TicketPage { tickets, next })
            }

            async fn count_tickets(&self, filter: &TicketFilter) -> StoreResult<i64> {
                let (clause, binds) = ticket_where(filter, false)?;
                let sql = format!("SELECT COUNT(*) FROM tickets{clause}");
                let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for bind in binds {
                    query = match bind {
                        Bind::I64(v) => query.bind(v),
                        Bind::Text(v) => query.bind(v),
                        Bind::Bool(v) => query.bind(v),
                    };
                }
                query.fetch_one(&self.pool).await.map_err(db_error)
            }

            async fn append_event(
                &self,
                ticket_id: i64,
                scope: Option<i64>,
                event: &NewEvent,
                update: &TicketUpdate,
            ) -> StoreResult<TicketWithEvent> {
                let (ticket, mut events) = self
                    .append_events(ticket_id, scope, std::slice::from_ref(event), update)
                    .await?;
                let event = events
                    .pop()
                    .ok_or_else(|| StoreError::Database("no event was appended".into()))?;
                Ok(TicketWithEvent { ticket, event })
            }

            async fn append_events(
                &self,
                ticket_id: i64,
                scope: Option<i64>,
                events: &[NewEvent],
                update: &TicketUpdate,
            ) -> StoreResult<(Ticket, Vec<StoredEvent>)> {
                let Some(latest) = events.iter().map(|e| e.at).max() else {
                    return Err(StoreError::Invalid("no events to append".into()));
                };
                for event in events {
                    check_event(event)?;
                    if event.event_type == "created" {
                        return Err(StoreError::Invalid(
                            "a ticket has one \"created\" event, written with the ticket".into(),
                        ));
                    }
                }
                if let Some(priority) = &update.priority {
                    required(priority, "priority")?;
                }
                let count = i64::try_from(events.len())
                    .map_err(|_| StoreError::Invalid("too many events".into()))?;
                let latest = ns(latest)?;
                let (sla, next_change, next_due) = cache_cols(update.sla.as_ref())?;
                let binding = binding_cols(update.policy.as_ref());
                let mut tx = self.begin_write().await?;
                // Taking the next sequence numbers locks the ticket row (PostgreSQL) or the
                // database (SQLite) until commit, so concurrent appends never share a number.
                // With `expected_seq`, the same statement refuses a log that has moved on.
                let last: Option<i64> = sqlx::query_scalar(
                    "UPDATE tickets SET last_seq = last_seq + $5, \
                     updated_at = CASE WHEN updated_at > $2 THEN updated_at ELSE $2 END \
                     WHERE id = $1 AND ($3 IS NULL OR customer_org_id = $3) \
                     AND ($4 IS NULL OR last_seq = $4) RETURNING last_seq",
                )
                .bind(ticket_id)
                .bind(latest)
                .bind(scope)
                .bind(update.expected_seq)
                .bind(count)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
                let Some(last) = last else {
                    // Nothing was written: tell a missing (or out-of-scope) ticket from a stale
                    // expectation, reading within the same transaction.
                    let last: Option<i64> = sqlx::query_scalar(
                        "SELECT last_seq FROM tickets \
                         WHERE id = $1 AND ($2 IS NULL OR customer_org_id = $2)",
                    )
                    .bind(ticket_id)
                    .bind(scope)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                    return Err(match (last, update.expected_seq) {
                        (Some(last), Some(expected)) => StoreError::Conflict(format!(
                            "ticket {ticket_id} has moved on: its last event is {last}, \
                             not {expected}"
                        )),
                        _ => StoreError::NotFound("ticket"),
                    });
                };
                // All the events in one statement, then all their notifications in one: an
                // append is the same few round trips however many it writes.
                let sql = format!(
                    "INSERT INTO ticket_events (ticket_id, seq, at, event_type, payload, \
                     actor_id, visibility) VALUES {} RETURNING {}",
                    values_list(events.len(), 7),
                    event_cols!()
                );
                let mut insert = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql));
                for (seq, event) in (last - count + 1..).zip(events) {
                    insert = insert
                        .bind(ticket_id)
                        .bind(seq)
                        .bind(ns(event.at)?)
                        .bind(&event.event_type)
                        .bind(Json(&event.payload))
                        .bind(event.actor_id)
                        .bind(event.visibility.as_str());
                }
                let mut stored = insert
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .into_iter()
                    .map(StoredEvent::try_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                stored.sort_by_key(|e| e.seq);
                // The notifications these events cause commit with them, or not at all.
                for chunk in update.notifications.chunks(NOTIFICATIONS_PER_INSERT) {
                    let sql = format!(
                        "INSERT INTO outbox (ticket_id, event_seq, channel, recipient, user_id, \
                         dedupe_key, payload, created_at, state, next_attempt_at, delivered_at) \
                         VALUES {}",
                        values_list(chunk.len(), 11)
                    );
                    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for n in chunk {
                        check_notification(n, stored.len())?;
                        let event = &stored[n.event_index];
                        let delivered = n.channel == NotifyChannel::InApp;
                        let at = ns(event.at)?;
                        insert = insert
                            .bind(ticket_id)
                            .bind(event.seq)
                            .bind(n.channel.as_str())
                            .bind(&n.recipient)
                            .bind(n.user_id)
                            .bind(dedupe_key(ticket_id, event.seq, n))
                            .bind(Json(&n.payload))
                            .bind(at)
                            .bind(if delivered { "delivered" } else { "pending" })
                            .bind(at)
                            .bind(delivered.then_some(at));
                    }
                    insert.execute(&mut *tx).await.map_err(db_error)?;
                }
                let ticket: TicketRow = sqlx::query_as(concat!(
                    "UPDATE tickets SET status = COALESCE($2, status), \
                     is_open = COALESCE($3, is_open), priority = COALESCE($4, priority), \
                     assignee_id = CASE WHEN $5 THEN $6 ELSE assignee_id END, \
                     sla = CASE WHEN $7 THEN $8 ELSE sla END, \
                     next_change = CASE WHEN $7 THEN $9 ELSE next_change END, \
                     next_due = CASE WHEN $7 THEN $10 ELSE next_due END, \
                     sla_seq = CASE WHEN $7 THEN last_seq ELSE sla_seq END, \
                     policy_preset = CASE WHEN $11 THEN $12 ELSE policy_preset END, \
                     policy_id = CASE WHEN $11 THEN $13 ELSE policy_id END, \
                     policy_add_ons = CASE WHEN $11 THEN $14 ELSE policy_add_ons END \
                     WHERE id = $1 RETURNING ",
                    ticket_cols!()
                ))
                .bind(ticket_id)
                .bind(update.status.map(TicketStatus::as_str))
                .bind(update.status.map(TicketStatus::is_open))
                .bind(update.priority.as_deref())
                .bind(update.assignee_id.is_some())
                .bind(update.assignee_id.flatten())
                .bind(update.sla.is_some())
                .bind(sla)
                .bind(next_change)
                .bind(next_due)
                .bind(update.policy.is_some())
                .bind(binding.0)
                .bind(binding.1)
                .bind(binding.2)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
                tx.commit().await.map_err(db_error)?;
                Ok((ticket.try_into()?, stored))
            }

            async fn ticket_events(
                &self,
                ticket_id: i64,
                scope: Option<i64>,
                include_internal: bool,
            ) -> StoreResult<Vec<StoredEvent>> {
                self.check_ticket_scope(ticket_id, scope).await?;
                let rows: Vec<EventRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    event_cols!(),
                    " FROM ticket_events WHERE ticket_id = $1 AND ($2 OR visibility = 'public') \
                     ORDER BY seq"
                ))
                .bind(ticket_id)
                .bind(include_internal)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(StoredEvent::try_from).collect()
            }

            async fn update_sla_cache(
                &self,
                ticket_id: i64,
                seq: i64,
                cache: &SlaCache,
            ) -> StoreResult<bool> {
                let (sla, next_change, next_due) = cache_cols(Some(cache))?;
                let done = sqlx::query(
                    "UPDATE tickets SET sla = $3, next_change = $4, next_due = $5, sla_seq = $2 \
                     WHERE id = $1 AND last_seq = $2",
                )
                .bind(ticket_id)
                .bind(seq)
                .bind(sla)
                .bind(next_change)
                .bind(next_due)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 1 {
                    return Ok(true);
                }
                self.check_ticket_scope(ticket_id, None).await?;
                Ok(false)
            }

            async fn ticket_logs(&self, ids: &[i64]) -> StoreResult<Vec<TicketLog>> {
                check_batch(ids.len())?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let list = placeholders(ids.len());
                let sql = format!("SELECT {} FROM tickets WHERE id IN ({list})", ticket_cols!());
                let mut query = sqlx::query_as::<_, TicketRow>(sqlx::AssertSqlSafe(sql));
                for id in ids {
                    query = query.bind(*id);
                }
                let mut tickets = std::collections::HashMap::with_capacity(ids.len());
                for row in query.fetch_all(&self.pool).await.map_err(db_error)? {
                    let ticket = Ticket::try_from(row)?;
                    tickets.insert(ticket.id, ticket);
                }
                let sql = format!(
                    "SELECT {} FROM ticket_events WHERE ticket_id IN ({list}) \
                     ORDER BY ticket_id, seq",
                    event_cols!()
                );
                let mut query = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql));
                for id in ids {
                    query = query.bind(*id);
                }
                let mut logs: std::collections::HashMap<i64, Vec<StoredEvent>> =
                    std::collections::HashMap::with_capacity(ids.len());
                for row in query.fetch_all(&self.pool).await.map_err(db_error)? {
                    let event = StoredEvent::try_from(row)?;
                    logs.entry(event.ticket_id).or_default().push(event);
                }
                Ok(ids
                    .iter()
                    .filter_map(|id| {
                        let ticket = tickets.remove(id)?;
                        let events = logs.remove(id).unwrap_or_default();
                        Some(TicketLog { ticket, events })
                    })
                    .collect())
            }

            async fn append_transitions(&self, batch: &[TransitionAppend]) -> StoreResult<Vec<i64>> {
                check_batch(batch.len())?;
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                // Everything that can be refused is checked before the transaction starts.
                let mut seen = std::collections::HashSet::with_capacity(batch.len());
                let mut cols = Vec::with_capacity(batch.len());
                for append in batch {
                    if !seen.insert(append.ticket_id) {
                        return Err(StoreError::Invalid(format!(
                            "ticket {} appears twice in one batch",
                            append.ticket_id
                        )));
                    }
                    for event in &append.events {
                        check_event(event)?;
                        if event.event_type == "created" {
                            return Err(StoreError::Invalid(
                                "a ticket has one \"created\" event, written with the ticket"
                                    .into(),
                            ));
                        }
                    }
                    for n in &append.notifications {
                        check_notification(n, append.events.len())?;
                    }
                    let count = i64::try_from(append.events.len())
                        .map_err(|_| StoreError::Invalid("too many events".into()))?;
                    let latest = ns_opt(append.events.iter().map(|e| e.at).max())?;
                    cols.push((count, latest, cache_cols(Some(&append.sla))?));
                }
                let mut tx = self.begin_write().await?;
                // One statement (per `max_params`) moves every ticket's sequence and cache on,
                // each only if its log still ends where the fold read it; it locks the rows it
                // changes (the database, on SQLite) until commit. The rows it returns are the
                // tickets whose events are written below.
                let mut written = std::collections::HashSet::with_capacity(batch.len());
                let per_update = ($max_params / 7).max(1);
                for (appends, cols) in batch.chunks(per_update).zip(cols.chunks(per_update)) {
                let sql = format!(
                    "WITH v (v_id, v_expected, v_count, v_latest, v_sla, v_next_change, \
                     v_next_due) AS (VALUES {}) \
                     UPDATE tickets SET last_seq = last_seq + v_count, \
                     sla_seq = last_seq + v_count, \
                     updated_at = CASE WHEN v_latest IS NOT NULL AND v_latest > updated_at \
                     THEN v_latest ELSE updated_at END, \
                     sla = v_sla, next_change = v_next_change, next_due = v_next_due \
                     FROM v WHERE id = v_id AND last_seq = v_expected RETURNING id",
                    values_list(appends.len(), 7)
                );
                let mut update = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for (append, (count, latest, (sla, next_change, next_due))) in
                    appends.iter().zip(cols)
                {
                    update = update
                        .bind(append.ticket_id)
                        .bind(append.expected_seq)
                        .bind(*count)
                        .bind(*latest)
                        .bind(*sla)
                        .bind(*next_change)
                        .bind(*next_due);
                }
                written.extend(update.fetch_all(&mut *tx).await.map_err(db_error)?);
                }
                let done: Vec<&TransitionAppend> = batch
                    .iter()
                    .filter(|a| written.contains(&a.ticket_id))
                    .collect();
                // The events of the tickets written, numbered after `expected_seq`.
                let events: Vec<(i64, i64, &NewEvent)> = done
                    .iter()
                    .flat_map(|a| {
                        (a.expected_seq + 1..)
                            .zip(&a.events)
                            .map(move |(seq, e)| (a.ticket_id, seq, e))
                    })
                    .collect();
                for chunk in events.chunks(($max_params / 7).max(1)) {
                    let sql = format!(
                        "INSERT INTO ticket_events (ticket_id, seq, at, event_type, payload, \
                         actor_id, visibility) VALUES {}",
                        values_list(chunk.len(), 7)
                    );
                    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (ticket_id, seq, event) in chunk {
                        insert = insert
                            .bind(*ticket_id)
                            .bind(*seq)
                            .bind(ns(event.at)?)
                            .bind(&event.event_type)
                            .bind(Json(&event.payload))
                            .bind(event.actor_id)
                            .bind(event.visibility.as_str());
                    }
                    insert.execute(&mut *tx).await.map_err(db_error)?;
                }
                // Their notifications, in the same transaction.
                let notifications: Vec<(i64, i64, i64, &NewNotification)> = done
                    .iter()
                    .flat_map(|a| {
                        a.notifications.iter().map(move |n| {
                            let event = &a.events[n.event_index];
                            let seq = a.expected_seq + 1 + n.event_index as i64;
                            (a.ticket_id, seq, event.at, n)
                        })
                    })
                    .map(|(ticket, seq, at, n)| Ok((ticket, seq, ns(at)?, n)))
                    .collect::<StoreResult<_>>()?;
                for chunk in notifications.chunks(($max_params / 11).max(1)) {
                    let sql = format!(
                        "INSERT INTO outbox (ticket_id, event_seq, channel, recipient, user_id, \
                         dedupe_key, payload, created_at, state, next_attempt_at, delivered_at) \
                         VALUES {}",
                        values_list(chunk.len(), 11)
                    );
                    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (ticket_id, seq, at, n) in chunk {
                        let delivered = n.channel == NotifyChannel::InApp;
                        insert = insert
                            .bind(*ticket_id)
                            .bind(*seq)
                            .bind(n.channel.as_str())
                            .bind(&n.recipient)
                            .bind(n.user_id)
                            .bind(dedupe_key(*ticket_id, *seq, n))
                            .bind(Json(&n.payload))
                            .bind(*at)
                            .bind(if delivered { "delivered" } else { "pending" })
                            .bind(*at)
                            .bind(delivered.then_some(*at));
                    }
                    insert.execute(&mut *tx).await.map_err(db_error)?;
                }
                tx.commit().await.map_err(db_error)?;
                Ok(batch
                    .iter()
                    .map(|a| a.ticket_id)
                    .filter(|id| written.contains(id))
                    .collect())
            }

            async fn open_tickets_of_contract(&self, contract_id: i64) -> StoreResult<Vec<i64>> {
                sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE contract_id = $1 AND is_open = $2 ORDER BY id",
                )
                .bind(contract_id)
                .bind(true)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)
            }

            async fn open_tickets_with_events(
                &self,
                provider_id: i64,
                types: &[&str],
                limit: u32,
            ) -> StoreResult<Vec<i64>> {
                if types.is_empty() || limit == 0 {
                    return Ok(Vec::new());
                }
                if types.len() > 100 {
                    return Err(crate::StoreError::Invalid(format!(
                        "{} event types in one query; at most 100",
                        types.len()
                    )));
                }
                // $1 provider, $2 open, $3 limit, then the types.
                let list: Vec<String> = (0..types.len()).map(|i| format!("${}", i + 4)).collect();
                let sql = format!(
                    "SELECT t.id FROM tickets t WHERE t.provider_id = $1 AND t.is_open = $2 \
                     AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id \
                     AND e.event_type IN ({})) ORDER BY t.id LIMIT $3",
                    list.join(", ")
                );
                let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(provider_id)
                    .bind(true)
                    .bind(i64::from(limit));
                for ty in types {
                    query = query.bind(*ty);
                }
                query.fetch_all(&self.pool).await.map_err(db_error)
            }

            async fn tickets_changing_by(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<i64>> {
                sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE next_change IS NOT NULL AND next_change <= $1 \
                     ORDER BY next_change, id LIMIT $2",
                )
                .bind(ns(now)?)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)
            }

            async fn earliest_next_change(&self) -> StoreResult<Option<Timestamp>> {
                let at: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(next_change) FROM tickets WHERE next_change IS NOT NULL",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                at.map(ts).transpose()
            }

            // ---- attachments

            async fn add_attachment(&self, new: &NewAttachment) -> StoreResult<Attachment> {
                check_attachment(new)?;
                let row: AttachmentRow = insert_attachment!(new, new.ticket_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_error)?;
                row.try_into()
            }

            async fn get_attachment(&self, id: i64, scope: Option<i64>) -> StoreResult<Attachment> {
                let row: Option<AttachmentRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    attachment_cols!(),
                    " FROM attachments WHERE id = $1 AND ($2 IS NULL OR ticket_id IN \
                     (SELECT id FROM tickets WHERE customer_org_id = $2))"
                ))
                .bind(id)
                .bind(scope)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("attachment"))?.try_into()
            }

            async fn attachments_of_ticket(
                &self,
                ticket_id: i64,
                scope: Option<i64>,
            ) -> StoreResult<Vec<Attachment>> {
                self.check_ticket_scope(ticket_id, scope).await?;
                let rows: Vec<AttachmentRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    attachment_cols!(),
                    " FROM attachments WHERE ticket_id = $1 ORDER BY id"
                ))
                .bind(ticket_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(Attachment::try_from).collect()
            }

            // ---- idempotency

            async fn claim_idempotency(
                &self,
                principal: &str,
                key: &str,
                request_hash: &str,
                now: Timestamp,
            ) -> StoreResult<IdempotencyClaim> {
                required(principal, "principal")?;
                required(key, "idempotency key")?;
                let now = ns(now)?;
                // A claim released between our insert and our read is claimed again.
                for _ in 0..3 {
                    let done = sqlx::query(
                        "INSERT INTO idempotency_keys (principal, idem_key, request_hash, \
                         created_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (principal, idem_key) DO NOTHING",
                    )
                    .bind(principal)
                    .bind(key)
                    .bind(request_hash)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    if done.rows_affected() == 1 {
                        return Ok(IdempotencyClaim::New);
                    }
                    let found: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
                        "SELECT request_hash, status, response_body FROM idempotency_keys \
                         WHERE principal = $1 AND idem_key = $2",
                    )
                    .bind(principal)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    let Some((hash, status, body)) = found else {
                        continue;
                    };
                    if hash != request_hash {
                        return Err(StoreError::Conflict(format!(
                            "idempotency key {key:?} was used before with a different request"
                        )));
                    }
                    return Ok(match (status, body) {
                        (Some(status), body) => IdempotencyClaim::Replay {
                            status: u16::try_from(status).map_err(|_| {
                                StoreError::Database(format!("stored status {status} is invalid"))
                            })?,
                            body: body.unwrap_or_default(),
                        },
                        (None, _) => IdempotencyClaim::InProgress,
                    });
                }
                Err(StoreError::Conflict(format!(
                    "idempotency key {key:?} is being claimed and released concurrently"
                )))
            }

            async fn complete_idempotency(
                &self,
                principal: &str,
                key: &str,
                status: u16,
                body: &str,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE idempotency_keys SET status = $3, response_body = $4 \
                     WHERE principal = $1 AND idem_key = $2",
                )
                .bind(principal)
                .bind(key)
                .bind(i64::from(status))
                .bind(body)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("idempotency key"));
                }
                Ok(())
            }

            async fn release_idempotency(&self, principal: &str, key: &str) -> StoreResult<()> {
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2 \
                     AND status IS NULL",
                )
                .bind(principal)
                .bind(key)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn purge_idempotency(&self, before: Timestamp) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(ns(before)?)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                Ok(done.rows_affected())
            }

            // ---- settings

            async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
                sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)
            }

            async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
                required(key, "setting key")?;
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            // ---- outbox

            async fn claim_notifications(
                &self,
                now: Timestamp,
                lease_until: Timestamp,
                limit: u32,
            ) -> StoreResult<Vec<Notification>> {
                let rows: Vec<OutboxRow> = sqlx::query_as(concat!(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2 \
                     WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' \
                     AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3",
                    $skip_locked,
                    ") RETURNING ",
                    outbox_cols!()
                ))
                .bind(ns(now)?)
                .bind(ns(lease_until)?)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                let mut out = rows
                    .into_iter()
                    .map(Notification::try_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                out.sort_by_key(|n| n.id);
                Ok(out)
            }

            async fn notification_delivered(&self, id: i64, at: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE outbox SET state = 'delivered', delivered_at = $2, last_error = NULL \
                     WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(ns(at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn notification_failed(
                &self,
                id: i64,
                error: &str,
                retry_at: Option<Timestamp>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE outbox SET last_error = $2, \
                     state = CASE WHEN $3 IS NULL THEN 'failed' ELSE state END, \
                     next_attempt_at = COALESCE($3, next_attempt_at) \
                     WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(error)
                .bind(ns_opt(retry_at)?)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn earliest_notification_attempt(&self) -> StoreResult<Option<Timestamp>> {
                let at: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
                at.map(ts).transpose()
            }

            async fn notifications_of_ticket(
                &self,
                ticket_id: i64,
                scope: Option<i64>,
            ) -> StoreResult<Vec<Notification>> {
                self.check_ticket_scope(ticket_id, scope).await?;
                let rows: Vec<OutboxRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    outbox_cols!(),
                    " FROM outbox WHERE ticket_id = $1 ORDER BY id"
                ))
                .bind(ticket_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(Notification::try_from).collect()
            }

            async fn inbox(
                &self,
                user_id: i64,
                unread_only: bool,
                limit: u32,
            ) -> StoreResult<Vec<Notification>> {
                let rows: Vec<OutboxRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    outbox_cols!(),
                    " FROM outbox WHERE user_id = $1 AND channel = 'in_app' \
                     AND (NOT $2 OR read_at IS NULL) ORDER BY id DESC LIMIT $3"
                ))
                .bind(user_id)
                .bind(unread_only)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(Notification::try_from).collect()
            }

            async fn mark_read(&self, id: i64, user_id: i64, at: Timestamp) -> StoreResult<()> {
                let found: Option<i64> = sqlx::query_scalar(
                    "UPDATE outbox SET read_at = COALESCE(read_at, $3) \
                     WHERE id = $1 AND user_id = $2 AND channel = 'in_app' RETURNING id",
                )
                .bind(id)
                .bind(user_id)
                .bind(ns(at)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                found.map(|_| ()).ok_or(StoreError::NotFound("notification"))
            }

            async fn enqueue_notices(&self, at: Timestamp, notices: &[NewNotice]) -> StoreResult<u64> {
                if notices.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                let written =
                    $crate::sql::insert_notices!(tx, at, "", notices, $max_params).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(written)
            }

            async fn outbox_counts(&self) -> StoreResult<OutboxCounts> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT state, COUNT(*) FROM outbox GROUP BY state")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_error)?;
                let mut counts = OutboxCounts::default();
                for (state, n) in rows {
                    match DeliveryState::parse(&state) {
                        Some(DeliveryState::Pending) => counts.pending = n,
                        Some(DeliveryState::Delivered) => counts.delivered = n,
                        Some(DeliveryState::Failed) => counts.failed = n,
                        None => {}
                    }
                }
                Ok(counts)
            }

            // ---- webhooks

            async fn create_webhook(&self, new: &NewWebhook) -> StoreResult<Webhook> {
                required(&new.name, "webhook name")?;
                required(&new.url, "webhook url")?;
                required(&new.secret, "webhook secret")?;
                let row: WebhookRow = sqlx::query_as(concat!(
                    "INSERT INTO webhooks (provider_id, name, url, secret, events, created_at, \
                     language) SELECT $1, $2, $3, $4, $5, $6, $7 FROM organisations \
                     WHERE id = $1 AND kind = 'provider' RETURNING ",
                    webhook_cols!()
                ))
                .bind(new.provider_id)
                .bind(&new.name)
                .bind(&new.url)
                .bind(&new.secret)
                .bind(Json(&new.events))
                .bind(ns(new.created_at)?)
                .bind(new.language.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?
                .ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "organisation {} is not a provider",
                        new.provider_id
                    ))
                })?;
                row.try_into()
            }

            async fn get_webhook(&self, id: i64) -> StoreResult<Webhook> {
                let row: Option<WebhookRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    webhook_cols!(),
                    " FROM webhooks WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("webhook"))?.try_into()
            }

            async fn webhooks_of_provider(&self, provider_id: i64) -> StoreResult<Vec<Webhook>> {
                let rows: Vec<WebhookRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    webhook_cols!(),
                    " FROM webhooks WHERE provider_id = $1 ORDER BY id"
                ))
                .bind(provider_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.into_iter().map(Webhook::try_from).collect()
            }

            async fn disable_webhook(&self, id: i64, at: Timestamp) -> StoreResult<Webhook> {
                let row: Option<WebhookRow> = sqlx::query_as(concat!(
                    "UPDATE webhooks SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1 \
                     RETURNING ",
                    webhook_cols!()
                ))
                .bind(id)
                .bind(ns(at)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                row.ok_or(StoreError::NotFound("webhook"))?.try_into()
            }
        }

        impl $store {
            /// Writes one batch of new tickets and answers each caller (see `create_batch`).
            async fn write_ticket_batch(
                writer: &sqlx::Pool<$db>,
                jobs: Vec<$crate::create_batch::CreateJob>,
            ) -> $crate::create_batch::Written {
                let count = jobs.len();
                if jobs.len() > 1
                    && let Ok(mut tx) = Self::begin_on(writer).await
                    && let Ok(results) = Self::insert_ticket_batch(&mut tx, &jobs).await
                {
                    // Whether a failed commit took effect is unknown: no retry.
                    match tx.commit().await.map_err(db_error) {
                        Ok(()) => {
                            for (job, result) in jobs.into_iter().zip(results) {
                                let _ = job.reply.send(result);
                            }
                        }
                        Err(e) => {
                            for job in jobs {
                                let _ = job.reply.send(Err(e.clone()));
                            }
                        }
                    }
                    return $crate::create_batch::Written::Together(count);
                }
                // One ticket, or a batch that failed before its commit: each on its own.
                for job in jobs {
                    let result = async {
                        let mut tx = Self::begin_on(writer).await?;
                        let done = Self::insert_ticket(&mut tx, &job.new, &job.created).await?;
                        tx.commit().await.map_err(db_error)?;
                        Ok(done)
                    }
                    .await;
                    let _ = job.reply.send(result);
                }
                if count == 1 {
                    $crate::create_batch::Written::Single
                } else {
                    $crate::create_batch::Written::Retried(count)
                }
            }

            /// What this store's ticket writer has done since it was opened.
            pub fn ticket_writer_stats(&self) -> $crate::TicketWriterStats {
                self.creates.stats()
            }

            /// `NotFound` unless the ticket exists within the scope.
            async fn check_ticket_scope(&self, ticket_id: i64, scope: Option<i64>) -> StoreResult<()> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE id = $1 AND ($2 IS NULL OR customer_org_id = $2)",
                )
                .bind(ticket_id)
                .bind(scope)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
                found.map(|_| ()).ok_or(StoreError::NotFound("ticket"))
            }
        }
    };
}

pub(crate) use impl_store;

#[cfg(test)]
mod tests {
    #[test]
    fn values_lists_number_every_parameter() {
        assert_eq!(super::values_list(1, 2), "($1, $2)");
        assert_eq!(super::values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
