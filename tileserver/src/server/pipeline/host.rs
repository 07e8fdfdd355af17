//! Answers only for the server's own host names: a page on another site
//! that resolves its name to 127.0.0.1 (DNS rebinding) sends that name as
//! `Host` and is refused with 421, before any credential is looked at.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::check::Check;
use crate::server::errors::clip;
use crate::server::{ApiError, AppState};

/// Which `Host` values are accepted.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    /// Names and addresses, lower case, each with or without a port.
    pub names: Vec<String>,
    /// Any IP-literal host (the server listens on a wildcard address):
    /// rebinding needs a name, so an address is always safe.
    pub any_ip: bool,
}

impl AllowedHosts {
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let bare = strip_port(&host);
        if self.any_ip && bare.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return true;
        }
        self.names.iter().any(|n| {
            if n.contains(':') && !n.starts_with('[') || n.contains("]:") {
                *n == host
            } else {
                *n == bare
            }
        })
    }
}

/// `host:port` → `host`, `[::1]:8080` → `[::1]`.
fn strip_port(h: &str) -> &str {
    if let Some(end) = h.find(']') {
        return &h[..=end];
    }
    match h.rsplit_once(':') {
        Some((a, p)) if p.bytes().all(|b| b.is_ascii_digit()) => a,
        _ => h,
    }
}

#[derive(Clone)]
pub struct HostCheck(pub Arc<AppState>);

impl Check for HostCheck {
    type Ticket = ();

    fn before(&self, req: &mut Request) -> Result<(), Box<Response>> {
        // HTTP/2 carries the host in the URI's authority.
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()));
        match host {
            // An HTTP/1.0 client without Host: nothing to rebind.
            None => Ok(()),
            Some(h) if self.0.config.allowed_hosts.allows(&h) => Ok(()),
            Some(h) => Err(ApiError::MisdirectedRequest(format!(
                "this server does not answer for host {:?}; allowed hosts are set with --allowed-host",
                clip(&h)
            ))
            .into_response().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_with_or_without_port() {
        let a = AllowedHosts {
            names: vec![
                "127.0.0.1:8080".into(),
                "localhost".into(),
                "[::1]:8080".into(),
            ],
            any_ip: false,
        };
        assert!(a.allows("127.0.0.1:8080"));
        assert!(!a.allows("127.0.0.1:9090"));
        assert!(a.allows("localhost:8080"));
        assert!(a.allows("LOCALHOST"));
        assert!(a.allows("[::1]:8080"));
        assert!(!a.allows("evil.example:8080"));
        assert!(!a.allows("127.0.0.1.evil.example"));
        let any = AllowedHosts {
            names: vec![],
            any_ip: true,
        };
        assert!(any.allows("10.1.2.3:8080") && any.allows("[fe80::1]"));
        assert!(!any.allows("rebind.example"));
    }
}
