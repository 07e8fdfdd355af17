//! Who may do what: roles, scopes (a division-code prefix), credentials
//! (bearer tokens, password sessions) and the principal a request acts as.
//! No I/O here: the store keeps accounts, the server checks requests.

mod principal;
mod role;
mod scope;
mod secret;

pub use principal::{Actor, Principal};
pub use role::{Permission, Role, UnknownRole};
pub use scope::{BadScope, Scope};
pub use secret::{
    MAX_PASSWORD, MIN_PASSWORD, PasswordError, Secret, SecretHash, hash_password, new_secret, same,
    verify_password,
};
