//! Every usable token and session, held in memory and swapped whole when
//! the accounts change (heard on the change feed, or found by a periodic
//! reload): a request is authenticated without touching the store, so a
//! busy or locked store never delays a tile.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::auth::{Actor, Principal, SecretHash};
use crate::store::accounts::{Credentials, Session, Token, now};
use crate::store::{Store, StoreError};

#[derive(Default)]
struct Index {
    tokens: HashMap<SecretHash, Token>,
    sessions: HashMap<SecretHash, Session>,
}

#[derive(Default)]
pub struct CredentialIndex(ArcSwap<Index>);

/// Why a credential was refused (each a 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
}

impl CredentialIndex {
    pub async fn reload(&self, store: &Store) -> Result<(), StoreError> {
        let c = store.credentials().await?;
        self.replace(c);
        Ok(())
    }

    fn replace(&self, c: Credentials) {
        let index = Index {
            tokens: c.tokens.into_iter().collect(),
            sessions: c.sessions.into_iter().map(|s| (s.hash, s)).collect(),
        };
        tracing::debug!(
            tokens = index.tokens.len(),
            sessions = index.sessions.len(),
            "credentials loaded"
        );
        self.0.store(Arc::new(index));
    }

    /// A session this server just started, usable before the next reload.
    pub fn add_session(&self, s: Session) {
        self.0.rcu(|old| {
            let mut sessions = old.sessions.clone();
            sessions.insert(s.hash, s.clone());
            Arc::new(Index {
                tokens: old.tokens.clone(),
                sessions,
            })
        });
    }

    /// A session this server just ended, refused at once.
    pub fn drop_session(&self, hash: SecretHash) {
        self.0.rcu(|old| {
            let mut sessions = old.sessions.clone();
            sessions.remove(&hash);
            Arc::new(Index {
                tokens: old.tokens.clone(),
                sessions,
            })
        });
    }

    pub fn token(&self, hash: &SecretHash) -> Result<Principal, Refusal> {
        let index = self.0.load();
        let t = index.tokens.get(hash).ok_or(Refusal::Unknown)?;
        if !t.live_at(now()) {
            return Err(Refusal::Expired);
        }
        Ok(Principal {
            actor: Actor::Token {
                id: t.id,
                name: t.name.clone(),
            },
            role: t.role,
            scope: t.scope.clone(),
            worker: t.worker_id.clone(),
            csrf: None,
            expires_at: t.expires_at,
        })
    }

    pub fn session(&self, hash: &SecretHash) -> Result<Principal, Refusal> {
        let index = self.0.load();
        let s = index.sessions.get(hash).ok_or(Refusal::Unknown)?;
        if s.expires_at <= now() {
            return Err(Refusal::Expired);
        }
        Ok(Principal {
            actor: Actor::User {
                id: s.user.id,
                name: s.user.name.clone(),
            },
            role: s.user.role,
            scope: s.user.scope.clone(),
            worker: None,
            csrf: Some(s.csrf.clone()),
            expires_at: Some(s.expires_at),
        })
    }
}
