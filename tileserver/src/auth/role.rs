use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account or token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads plans, grids, tiles and exports.
    Viewer,
    /// Reads, and makes, activates and deletes plans.
    Planner,
    /// Everything, including accounts, tokens and the audit log.
    Admin,
    /// A grid worker's phone: posts its own positions and cases, reads its grids.
    Worker,
    /// A command-centre big screen: read-only and long-lived.
    Screen,
    /// An office that works cases (指挥中心, 乡镇/村 offices): accepts,
    /// dispatches, verifies and closes cases up to its scope's level —
    /// a village account level 2, a town's 3, the county's 4.
    Dispatcher,
}

/// What a route needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Anyone, signed in or not (health, the API document, signing in).
    Public,
    /// Any signed-in role (or anonymous with `--public-read`).
    Read,
    /// Plans and partitions.
    Plan,
    /// Accounts, tokens and the audit log.
    Admin,
    /// A worker's own reports (positions, cases).
    Report,
    /// Working cases: accepting, dispatching, verifying, closing.
    Dispatch,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; roles: viewer, planner, admin, worker, screen, dispatcher")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Viewer,
        Role::Planner,
        Role::Admin,
        Role::Worker,
        Role::Screen,
        Role::Dispatcher,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Planner => "planner",
            Self::Admin => "admin",
            Self::Worker => "worker",
            Self::Screen => "screen",
            Self::Dispatcher => "dispatcher",
        }
    }

    /// Whether this role may use a route that needs `p`.
    pub fn may(self, p: Permission) -> bool {
        match p {
            Permission::Public | Permission::Read => true,
            Permission::Plan => matches!(self, Self::Planner | Self::Admin),
            Permission::Admin => self == Self::Admin,
            Permission::Report => matches!(self, Self::Worker | Self::Admin),
            Permission::Dispatch => matches!(self, Self::Dispatcher | Self::Admin),
        }
    }
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Read => "read",
            Self::Plan => "plan",
            Self::Admin => "admin",
            Self::Report => "report",
            Self::Dispatch => "dispatch",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Public,
            Self::Read,
            Self::Plan,
            Self::Admin,
            Self::Report,
            Self::Dispatch,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// The roles that hold this permission, for messages and the API document.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.may(self)).collect()
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.chars().take(40).collect()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_planners_and_admins_plan() {
        assert_eq!(Permission::Plan.roles(), [Role::Planner, Role::Admin]);
        assert_eq!(Permission::Admin.roles(), [Role::Admin]);
        assert!(Role::Screen.may(Permission::Read));
        assert!(!Role::Screen.may(Permission::Plan));
        assert!(!Role::Viewer.may(Permission::Report));
        assert_eq!(
            Permission::Dispatch.roles(),
            [Role::Admin, Role::Dispatcher]
        );
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
