//! Users, tokens, sessions and the audit log, on either store: the same
//! SQL text runs on both (times are Unix seconds, flags bind as booleans).
//! Every change to users, tokens or sessions bumps `auth_version` in the
//! same transaction and is published as [`Change::Accounts`], so running
//! servers reload their credentials within seconds.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::backend::on_pool;
use super::changes::{Change, Origin, payload};
use super::error::{SqlContext, finish};
use super::{Store, StoreError};
use crate::auth::{Role, Scope, SecretHash};

/// Unix seconds now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A person who signs in with a password.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub disabled: bool,
    pub created_at: i64,
}

/// A bearer token as listed (its secret is never stored).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub user_id: Option<i64>,
    pub worker_id: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Token {
    pub fn live_at(&self, t: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| t < e)
    }
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: SecretHash,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub user_id: Option<i64>,
    pub worker_id: Option<String>,
    pub expires_at: Option<i64>,
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub hash: SecretHash,
    pub csrf: String,
    pub user: User,
    pub expires_at: i64,
}

/// Every credential that can still be used, for a server to hold in memory.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub tokens: Vec<(SecretHash, Token)>,
    pub sessions: Vec<Session>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub address: String,
    pub outcome: String,
    pub status: Option<i64>,
    pub county: String,
}

/// What to write to the audit log.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub address: String,
    pub outcome: String,
    pub status: Option<u16>,
    pub county: String,
}

/// Which audit rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Rows with a smaller id only (paging backwards).
    pub before: Option<i64>,
    pub limit: i64,
}

type UserTuple = (i64, String, String, String, bool, i64);
type TokenTuple = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

fn user_of(t: UserTuple) -> Result<User, StoreError> {
    let bad = |message: String| StoreError::Attribute {
        table: "users".into(),
        fid: t.0,
        message,
    };
    Ok(User {
        role: t
            .2
            .parse()
            .map_err(|e: crate::auth::UnknownRole| bad(e.to_string()))?,
        scope: t
            .3
            .parse()
            .map_err(|e: crate::auth::BadScope| bad(e.to_string()))?,
        id: t.0,
        name: t.1,
        disabled: t.4,
        created_at: t.5,
    })
}

fn token_of(t: TokenTuple) -> Result<Token, StoreError> {
    let bad = |message: String| StoreError::Attribute {
        table: "tokens".into(),
        fid: t.0,
        message,
    };
    Ok(Token {
        role: t
            .2
            .parse()
            .map_err(|e: crate::auth::UnknownRole| bad(e.to_string()))?,
        scope: t
            .3
            .parse()
            .map_err(|e: crate::auth::BadScope| bad(e.to_string()))?,
        id: t.0,
        name: t.1,
        user_id: t.4,
        worker_id: t.5,
        created_at: t.6,
        expires_at: t.7,
        revoked_at: t.8,
    })
}

const USER_COLUMNS: &str = "id, name, role, scope, disabled, created_at";
const TOKEN_COLUMNS: &str =
    "id, name, role, scope, user_id, worker_id, created_at, expires_at, revoked_at";
const BUMP: &str = "UPDATE wangge_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'auth_version'";

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Runs `$body` (statements on `$tx`) in a transaction that also bumps
/// the accounts version and, on PostGIS, announces the change; then
/// publishes it in this process.
macro_rules! accounts_write {
    ($store:expr, $what:expr, $tx:ident => $body:expr) => {{
        let store: &Store = $store;
        let out = on_pool!(store, pool => {
            let mut $tx = pool.begin().await.ctx(|| format!("starting to {}", $what))?;
            let result = async {
                let out = $body;
                sqlx::query(BUMP)
                    .execute(&mut *$tx)
                    .await
                    .ctx(|| "bumping the accounts version".into())?;
                if store.kind() == "postgis" {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::store::postgis::CHANGES_CHANNEL)
                        .bind(payload(store.feed(), &Change::Accounts))
                        .execute(&mut *$tx)
                        .await
                        .ctx(|| "announcing the change".into())?;
                }
                Ok(out)
            }
            .await;
            finish($tx, result, $what).await?
        });
        store.feed().publish(Change::Accounts, Origin::Here);
        Ok(out)
    }};
}

impl Store {
    /// Adds a user; `password_hash` is an argon2id PHC string.
    pub async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        role: Role,
        scope: &Scope,
    ) -> Result<i64, StoreError> {
        accounts_write!(self, "add a user", tx => {
            let r: Result<i64, sqlx::Error> = sqlx::query_scalar(
                "INSERT INTO users (name, password_hash, role, scope, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(scope.as_str())
            .bind(now())
            .fetch_one(&mut *tx)
            .await;
            match r {
                Ok(id) => id,
                Err(e) if unique_violation(&e) => {
                    return Err(StoreError::Exists { what: "user", key: name.to_string() });
                }
                Err(e) => return Err(e).ctx(|| format!("adding user {name}")),
            }
        })
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        let rows: Vec<UserTuple> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await
        })
        .ctx(|| "listing users".into())?;
        rows.into_iter().map(user_of).collect()
    }

    /// A user and their password hash, for signing in.
    pub async fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE name = $1");
        let row: Option<(i64, String, String, String, bool, i64, String)> =
            on_pool!(self, pool => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(name).fetch_optional(pool).await
            })
            .ctx(|| "finding the user".into())?;
        row.map(|r| Ok((user_of((r.0, r.1, r.2, r.3, r.4, r.5))?, r.6)))
            .transpose()
    }

    /// Disables (or enables) a user; disabling ends their sessions and
    /// revokes their tokens.
    pub async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<(), StoreError> {
        accounts_write!(self, "change a user", tx => {
            let id: Option<i64> = sqlx::query_scalar("UPDATE users SET disabled = $1 WHERE name = $2 RETURNING id")
                .bind(disabled)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .ctx(|| format!("changing user {name}"))?;
            let Some(id) = id else {
                return Err(StoreError::NotFound { what: "user", key: name.to_string() });
            };
            if disabled {
                let t = now();
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(t)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .ctx(|| "ending the user's sessions".into())?;
                sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(t)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .ctx(|| "revoking the user's tokens".into())?;
            }
        })
    }

    pub async fn insert_token(&self, t: &NewToken) -> Result<i64, StoreError> {
        let ids = self.insert_tokens(std::slice::from_ref(t)).await?;
        ids.first().copied().ok_or_else(|| StoreError::Corrupt {
            what: "a token insert returned no id".into(),
        })
    }

    /// Several tokens in one transaction (a fleet of phones); their ids.
    pub async fn insert_tokens(&self, tokens: &[NewToken]) -> Result<Vec<i64>, StoreError> {
        accounts_write!(self, "issue a token", tx => {
            let mut ids = Vec::with_capacity(tokens.len());
            for t in tokens {
                ids.push(
                    sqlx::query_scalar::<_, i64>(
                        "INSERT INTO tokens (hash, name, role, scope, user_id, worker_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(t.hash.to_hex())
                    .bind(&t.name)
                    .bind(t.role.as_str())
                    .bind(t.scope.as_str())
                    .bind(t.user_id)
                    .bind(&t.worker_id)
                    .bind(now())
                    .bind(t.expires_at)
                    .fetch_one(&mut *tx)
                    .await
                    .ctx(|| "storing a token".into())?,
                );
            }
            ids
        })
    }

    pub async fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id");
        let rows: Vec<TokenTuple> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await
        })
        .ctx(|| "listing tokens".into())?;
        rows.into_iter().map(token_of).collect()
    }

    /// Revokes a token given by id or by its hash; returns its id.
    pub async fn revoke_token(&self, which: TokenRef) -> Result<i64, StoreError> {
        accounts_write!(self, "revoke a token", tx => {
            let id: Option<i64> = match &which {
                TokenRef::Id(id) => sqlx::query_scalar("UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING id")
                    .bind(now())
                    .bind(*id)
                    .fetch_optional(&mut *tx)
                    .await,
                TokenRef::Hash(h) => sqlx::query_scalar("UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE hash = $2 RETURNING id")
                    .bind(now())
                    .bind(h.to_hex())
                    .fetch_optional(&mut *tx)
                    .await,
            }
            .ctx(|| "revoking the token".into())?;
            match id {
                Some(id) => id,
                None => return Err(StoreError::NotFound {
                    what: "token",
                    key: match which {
                        TokenRef::Id(id) => id.to_string(),
                        TokenRef::Hash(_) => "(the given token)".into(),
                    },
                }),
            }
        })
    }

    pub async fn insert_session(
        &self,
        hash: SecretHash,
        csrf: &str,
        user_id: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        accounts_write!(self, "start a session", tx => {
            sqlx::query("INSERT INTO sessions (hash, csrf, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(hash.to_hex())
                .bind(csrf)
                .bind(user_id)
                .bind(now())
                .bind(expires_at)
                .execute(&mut *tx)
                .await
                .ctx(|| "storing the session".into())?;
        })
    }

    pub async fn end_session(&self, hash: SecretHash) -> Result<(), StoreError> {
        accounts_write!(self, "end a session", tx => {
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(hash.to_hex())
                .execute(&mut *tx)
                .await
                .ctx(|| "ending the session".into())?;
        })
    }

    /// Every token and session usable now (not revoked, not expired, its
    /// user not disabled).
    pub async fn credentials(&self) -> Result<Credentials, StoreError> {
        let t = now();
        let token_sql = format!(
            "SELECT {TOKEN_COLUMNS}, hash FROM tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1) \
             AND (user_id IS NULL OR user_id IN (SELECT id FROM users WHERE NOT disabled))"
        );
        type Row = (
            i64,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
            i64,
            Option<i64>,
            Option<i64>,
            String,
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(token_sql)).bind(t).fetch_all(pool).await
        })
        .ctx(|| "reading tokens".into())?;
        let mut out = Credentials::default();
        for r in rows {
            let Some(hash) = SecretHash::from_hex(&r.9) else {
                continue;
            };
            out.tokens.push((
                hash,
                token_of((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8))?,
            ));
        }
        let session_sql = "SELECT u.id, u.name, u.role, u.scope, u.disabled, u.created_at, s.hash, s.csrf, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.revoked_at IS NULL AND s.expires_at > $1 AND NOT u.disabled";
        type SessionRow = (i64, String, String, String, bool, i64, String, String, i64);
        let rows: Vec<SessionRow> = on_pool!(self, pool => {
            sqlx::query_as(session_sql).bind(t).fetch_all(pool).await
        })
        .ctx(|| "reading sessions".into())?;
        for r in rows {
            let Some(hash) = SecretHash::from_hex(&r.6) else {
                continue;
            };
            out.sessions.push(Session {
                hash,
                csrf: r.7,
                user: user_of((r.0, r.1, r.2, r.3, r.4, r.5))?,
                expires_at: r.8,
            });
        }
        Ok(out)
    }

    /// The accounts' version: changes whenever a user, token or session does.
    pub async fn accounts_version(&self) -> Result<String, StoreError> {
        on_pool!(self, pool => {
            sqlx::query_scalar::<_, String>("SELECT value FROM wangge_meta WHERE key = 'auth_version'")
                .fetch_optional(pool)
                .await
        })
        .ctx(|| "reading the accounts version".into())
        .map(Option::unwrap_or_default)
    }

    /// Writes one audit row (committed before this returns).
    pub async fn audit(&self, a: &NewAudit) -> Result<(), StoreError> {
        self.audit_many(std::slice::from_ref(a)).await
    }

    /// Several audit rows in one transaction (one commit for all: the
    /// server groups the rows of writes finishing at the same moment).
    pub async fn audit_many(&self, rows: &[NewAudit]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.ctx(|| "starting to write the audit log".into())?;
            let result = async {
                for a in rows {
                    sqlx::query("INSERT INTO audit (at, actor, role, action, target, address, outcome, status, county) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                        .bind(at)
                        .bind(&a.actor)
                        .bind(&a.role)
                        .bind(&a.action)
                        .bind(&a.target)
                        .bind(&a.address)
                        .bind(&a.outcome)
                        .bind(a.status.map(i64::from))
                        .bind(&a.county)
                        .execute(&mut *tx)
                        .await
                        .ctx(|| "writing the audit log".into())?;
                }
                Ok(())
            }
            .await;
            finish(tx, result, "write the audit log").await?
        });
        Ok(())
    }

    /// Audit rows matching `f`, newest first.
    pub async fn audit_log(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = "SELECT id, at, actor, role, action, target, address, outcome, status, county FROM audit \
             WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action LIKE $2) AND ($3 IS NULL OR outcome = $3) \
             AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5) AND ($6 IS NULL OR id < $6) \
             ORDER BY id DESC LIMIT $7";
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<i64>,
            String,
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(&f.actor)
                .bind(f.action.as_ref().map(|a| format!("{a}%")))
                .bind(&f.outcome)
                .bind(f.since)
                .bind(f.until)
                .bind(f.before)
                .bind(f.limit.clamp(1, 10_000))
                .fetch_all(pool)
                .await
        })
        .ctx(|| "reading the audit log".into())?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.0,
                at: r.1,
                actor: r.2,
                role: r.3,
                action: r.4,
                target: r.5,
                address: r.6,
                outcome: r.7,
                status: r.8,
                county: r.9,
            })
            .collect())
    }
}

/// A token named by its id (as `wangge tokens list` shows) or by its text.
#[derive(Debug, Clone)]
pub enum TokenRef {
    Id(i64),
    Hash(SecretHash),
}
