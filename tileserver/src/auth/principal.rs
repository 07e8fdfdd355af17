use serde::Serialize;

use super::{Permission, Role, Scope};

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Actor {
    /// Nobody signed in (allowed to read with `--public-read`).
    Anonymous,
    /// A person signed in with a password.
    User { id: i64, name: String },
    /// A bearer token.
    Token { id: i64, name: String },
    /// The command line, on the machine that holds the store.
    Cli { user: String },
}

impl Actor {
    /// How the audit log names the actor.
    pub fn label(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".into(),
            Self::User { name, .. } => format!("user:{name}"),
            Self::Token { id, name } if name.is_empty() => format!("token:{id}"),
            Self::Token { id, name } => format!("token:{id}:{name}"),
            Self::Cli { user } => format!("cli:{user}"),
        }
    }
}

/// The caller of a request, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    pub role: Role,
    pub scope: Scope,
    /// The worker a worker token speaks for.
    pub worker: Option<String>,
    /// The CSRF token a cookie session must echo on writes; `None` for
    /// bearer tokens, which browsers never attach by themselves.
    pub csrf: Option<String>,
    /// Unix seconds after which the credential is void.
    pub expires_at: Option<i64>,
}

impl Principal {
    pub fn anonymous_reader() -> Self {
        Self {
            actor: Actor::Anonymous,
            role: Role::Viewer,
            scope: Scope::All,
            worker: None,
            csrf: None,
            expires_at: None,
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.role.may(p)
    }

    /// A key for per-caller limits: the credential, not the address.
    pub fn rate_key(&self) -> Option<String> {
        match &self.actor {
            Actor::Anonymous | Actor::Cli { .. } => None,
            Actor::User { id, .. } => Some(format!("u{id}")),
            Actor::Token { id, .. } => Some(format!("t{id}")),
        }
    }
}
