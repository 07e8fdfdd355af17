//! Who may call each route comes from one place: the OpenAPI document's
//! security requirements, which name the roles (OpenAPI 3.1 lets
//! non-OAuth schemes list roles). The table is read from the document
//! once; the tile path and the router both check against it, so the
//! document cannot promise one thing while the server does another.

use std::collections::HashMap;

use axum::http::Method;
use serde_json::Value;

use super::Caller;
use crate::auth::{Actor, Principal, Role};
use crate::server::ApiError;

/// The roles a route admits; `None` for a public route.
pub type Roles = Option<Vec<Role>>;

#[derive(Debug, Default, Clone)]
pub struct AuthzTable(HashMap<(Method, String), Roles>);

impl AuthzTable {
    /// From the generated document: for each operation, the union of the
    /// roles its security requirements list; an empty requirement (`{}`)
    /// or none at all makes it public.
    pub fn from_openapi(doc: &Value) -> Result<Self, String> {
        let mut t = HashMap::new();
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("the API document has no paths")?;
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (m, op) in item {
                let Ok(method) = m.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                if !matches!(
                    method,
                    Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
                ) {
                    continue;
                }
                let roles = match op.get("security").and_then(Value::as_array) {
                    None => None,
                    Some(reqs)
                        if reqs
                            .iter()
                            .any(|r| r.as_object().is_some_and(|o| o.is_empty())) =>
                    {
                        None
                    }
                    Some(reqs) => {
                        let mut roles = Vec::new();
                        for r in reqs.iter().filter_map(Value::as_object) {
                            for names in r.values().filter_map(Value::as_array) {
                                for n in names.iter().filter_map(Value::as_str) {
                                    let role: Role =
                                        n.parse().map_err(|e| format!("{m} {path}: {e}"))?;
                                    if !roles.contains(&role) {
                                        roles.push(role);
                                    }
                                }
                            }
                        }
                        if roles.is_empty() {
                            return Err(format!(
                                "{m} {path}: a security requirement names no role"
                            ));
                        }
                        Some(roles)
                    }
                };
                if roles.is_none() && method != Method::GET && path != "/api/session" {
                    return Err(format!(
                        "{m} {path} is a write without a security requirement"
                    ));
                }
                t.insert((method, path.clone()), roles);
            }
        }
        Ok(Self(t))
    }

    /// The roles of a route given by its template (`/api/plans/{plan}`);
    /// HEAD is GET's. A route missing from the table admits nobody but an
    /// admin: forgetting to document a route must not open it.
    pub fn roles(&self, method: &Method, template: &str) -> Roles {
        let m = if *method == Method::HEAD {
            Method::GET
        } else {
            method.clone()
        };
        self.0
            .get(&(m, template.to_string()))
            .cloned()
            .unwrap_or(Some(vec![Role::Admin]))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The caller, if it may use a route that admits `roles`.
pub fn authorize<'a>(
    caller: Option<&'a Caller>,
    roles: &Roles,
) -> Result<Option<&'a Principal>, ApiError> {
    let Some(roles) = roles else {
        return Ok(caller.and_then(Caller::principal));
    };
    match caller {
        Some(Caller::Known(p)) if roles.contains(&p.role) && p.actor != Actor::Anonymous => {
            Ok(Some(p))
        }
        // The anonymous reader of --public-read reads, and nothing else.
        Some(Caller::Known(p)) if p.actor == Actor::Anonymous => {
            if roles.contains(&Role::Viewer) {
                Ok(Some(p))
            } else {
                Err(ApiError::Unauthorized(format!(
                    "sign in or send a bearer token; this needs the role {}",
                    names(roles)
                )))
            }
        }
        Some(Caller::Known(p)) => Err(ApiError::Forbidden(format!(
            "the role {} may not do this; it needs {}",
            p.role,
            names(roles)
        ))),
        Some(Caller::Refused(why)) => Err(ApiError::Unauthorized((*why).to_string())),
        Some(Caller::Forbidden(why)) => Err(ApiError::Forbidden((*why).to_string())),
        Some(Caller::Anonymous) | None => Err(ApiError::Unauthorized(format!(
            "sign in or send a bearer token (`Authorization: Bearer …`); this needs the role {}",
            names(roles)
        ))),
    }
}

fn names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scope;

    fn caller(role: Role) -> Caller {
        Caller::Known(Principal {
            actor: Actor::Token {
                id: 1,
                name: String::new(),
            },
            role,
            scope: Scope::All,
            worker: None,
            csrf: None,
            expires_at: None,
        })
    }

    #[test]
    fn roles_come_from_the_document() {
        let doc = serde_json::json!({"paths": {
            "/api/plans": {"get": {"security": [{"bearer": ["viewer", "planner"]}, {"session": ["viewer"]}]}},
            "/api/plans/{plan}/activate": {"post": {"security": [{"bearer": ["planner", "admin"]}]}},
            "/healthz": {"get": {}},
            "/api/session": {"post": {"security": [{}]}},
        }});
        let t = AuthzTable::from_openapi(&doc).unwrap();
        assert_eq!(
            t.roles(&Method::GET, "/api/plans"),
            Some(vec![Role::Viewer, Role::Planner])
        );
        assert_eq!(t.roles(&Method::HEAD, "/healthz"), None);
        assert_eq!(t.roles(&Method::POST, "/api/session"), None);
        assert_eq!(t.roles(&Method::POST, "/nowhere"), Some(vec![Role::Admin]));
        let write = t.roles(&Method::POST, "/api/plans/{plan}/activate");
        assert!(authorize(Some(&caller(Role::Planner)), &write).is_ok());
        assert!(matches!(
            authorize(Some(&caller(Role::Viewer)), &write),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            authorize(Some(&Caller::Anonymous), &write),
            Err(ApiError::Unauthorized(_))
        ));
        assert!(matches!(
            authorize(Some(&Caller::Known(Principal::anonymous_reader())), &write),
            Err(ApiError::Unauthorized(_))
        ));
        assert!(
            authorize(
                Some(&Caller::Known(Principal::anonymous_reader())),
                &t.roles(&Method::GET, "/api/plans")
            )
            .is_ok()
        );
        assert!(matches!(
            authorize(
                Some(&Caller::Refused("x")),
                &t.roles(&Method::GET, "/api/plans")
            ),
            Err(ApiError::Unauthorized(_))
        ));
        // An undocumented write is refused by the table's own check.
        let bad = serde_json::json!({"paths": {"/api/x": {"post": {}}}});
        assert!(AuthzTable::from_openapi(&bad).is_err());
    }
}
