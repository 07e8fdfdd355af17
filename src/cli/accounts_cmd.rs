//! `wangge users …` and `wangge tokens …`: accounts on the machine that
//! holds the store (the CLI is trusted as the store's owner; each change
//! is written to the audit log as `cli:<login>`).

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use tileserver::auth::{Actor, Role, Scope, SecretHash, hash_password, new_secret};
use tileserver::store::Store;
use tileserver::store::accounts::{NewAudit, NewToken, TokenRef, now};

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a person who signs in to the web map with a password.
    Add {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        /// Their sign-in name.
        name: String,
        /// viewer, planner, admin, worker or screen.
        #[arg(long)]
        role: String,
        /// County, town or village code they see (default: everything).
        #[arg(long, default_value = "")]
        scope: String,
        /// Read the password from standard input (else it is asked for).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: their sessions end and their tokens are revoked.
    Disable {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        name: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct TokensArgs {
    #[command(subcommand)]
    command: TokensCommand,
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Issue a bearer token; it is printed once and kept only as a hash.
    Issue {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        /// viewer, planner, admin, worker or screen.
        #[arg(long)]
        role: String,
        /// County, town or village code it sees (default: everything).
        #[arg(long, default_value = "")]
        scope: String,
        /// Days until it expires (fractions allowed); default: never.
        #[arg(long, value_name = "DAYS")]
        expires: Option<f64>,
        /// A note saying what it is for.
        #[arg(long, default_value = "")]
        name: String,
        /// The grid worker a worker token posts for.
        #[arg(long, value_name = "ID")]
        worker: Option<String>,
    },
    /// List tokens (never their text).
    List {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token, given by its id (see `list`) or its text; running
    /// servers refuse it within seconds.
    Revoke {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        #[arg(value_name = "TOKEN|ID")]
        token: String,
    },
}

fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Actor::Cli { user }.label()
}

pub(super) async fn audit(store: &Store, action: &str, target: String) {
    let entry = NewAudit {
        actor: cli_actor(),
        role: "owner".into(),
        action: action.into(),
        target,
        address: "local".into(),
        outcome: "ok".into(),
        status: None,
        county: String::new(),
    };
    if let Err(e) = store.audit(&entry).await {
        eprintln!("warning: the audit log could not be written: {e}");
    }
}

fn role(s: &str) -> anyhow::Result<Role> {
    s.parse::<Role>().context("--role")
}

fn scope(s: &str) -> anyhow::Result<Scope> {
    s.parse::<Scope>().context("--scope")
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let p = rpassword::prompt_password("password: ").context("reading the password")?;
    let again = rpassword::prompt_password("again: ").context("reading the password")?;
    if p != again {
        bail!("the two passwords differ");
    }
    Ok(p)
}

fn when(t: Option<i64>) -> String {
    match t {
        None => "-".into(),
        Some(t) => {
            let d = t - now();
            if d > 0 {
                format!("in {:.1} d", d as f64 / 86_400.0)
            } else {
                format!("{:.1} d ago", -d as f64 / 86_400.0)
            }
        }
    }
}

pub fn users(a: UsersArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    let disable = matches!(a.command, UsersCommand::Disable { .. });
    rt.block_on(async {
        match a.command {
            UsersCommand::Add {
                store,
                name,
                role: r,
                scope: s,
                password_stdin,
            } => {
                let (r, s) = (role(&r)?, scope(&s)?);
                let name = name.trim().to_string();
                if name.is_empty() || name.chars().count() > 64 {
                    bail!("a user name has 1 to 64 characters");
                }
                let password = read_password(password_stdin)?;
                let phc = hash_password(&password).context("password")?;
                let st = store.create_or_open().await?;
                super::store_arg::with_store(st, async |st| {
                    let id = st.add_user(&name, &phc, r, &s).await?;
                    audit(st, "user.add", format!("user:{name} role:{r} scope:{s}")).await;
                    println!("user {name} (id {id}): role {r}, scope {s}");
                    Ok(())
                })
                .await
            }
            UsersCommand::List { store, json } => {
                let st = store.open().await?;
                super::store_arg::with_store(st, async |st| {
                    let users = st.users().await?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&users)?);
                    } else {
                        println!(
                            "{:>4}  {:<20} {:<8} {:<13} state",
                            "id", "name", "role", "scope"
                        );
                        for u in &users {
                            println!(
                                "{:>4}  {:<20} {:<8} {:<13} {}",
                                u.id,
                                u.name,
                                u.role,
                                u.scope,
                                if u.disabled { "disabled" } else { "active" }
                            );
                        }
                    }
                    Ok(())
                })
                .await
            }
            UsersCommand::Disable { store, name } | UsersCommand::Enable { store, name } => {
                let st = store.open().await?;
                super::store_arg::with_store(st, async |st| {
                    st.set_user_disabled(&name, disable).await?;
                    let action = if disable {
                        "user.disable"
                    } else {
                        "user.enable"
                    };
                    audit(st, action, format!("user:{name}")).await;
                    println!(
                        "user {name} {}",
                        if disable {
                            "disabled (sessions ended, tokens revoked)"
                        } else {
                            "enabled"
                        }
                    );
                    Ok(())
                })
                .await
            }
        }
    })
}

pub fn tokens(a: TokensArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    rt.block_on(async {
        match a.command {
            TokensCommand::Issue {
                store,
                role: r,
                scope: s,
                expires,
                name,
                worker,
            } => {
                let (r, s) = (role(&r)?, scope(&s)?);
                let expires_at = match expires {
                    None => None,
                    Some(d) if d.is_finite() && d > 0.0 && d <= 3650.0 => {
                        Some(now() + (d * 86_400.0).ceil() as i64)
                    }
                    Some(d) => bail!("--expires {d}: days above 0 and at most 3650"),
                };
                if worker.is_some() != (r == Role::Worker) {
                    bail!("a worker token names its worker (--worker ID), and only a worker token does");
                }
                let secret = new_secret("wg_");
                let st = store.create_or_open().await?;
                super::store_arg::with_store(st, async |st| {
                    if let Some(w) = &worker {
                        let id = ops::roster::WorkerId::parse(w).context("--worker")?;
                        if st.worker(&id).await?.is_none() {
                            bail!("no worker {id} on the roster; add it first with `wangge workers import`");
                        }
                    }
                    let id = st
                        .insert_token(&NewToken {
                            hash: secret.hash(),
                            name: name.clone(),
                            role: r,
                            scope: s.clone(),
                            user_id: None,
                            worker_id: worker.clone(),
                            expires_at,
                        })
                        .await?;
                    audit(st, "token.issue", format!("token:{id} role:{r} scope:{s}")).await;
                    eprintln!(
                        "token {id}: role {r}, scope {s}, expires {} — shown once, keep it safe:",
                        when(expires_at)
                    );
                    println!("{}", secret.expose());
                    Ok(())
                })
                .await
            }
            TokensCommand::List { store, json } => {
                let st = store.open().await?;
                super::store_arg::with_store(st, async |st| {
                    let tokens = st.tokens().await?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&tokens)?);
                    } else {
                        println!(
                            "{:>4}  {:<8} {:<13} {:<12} {:<12} name",
                            "id", "role", "scope", "expires", "state"
                        );
                        for t in &tokens {
                            let state = if t.revoked_at.is_some() {
                                "revoked"
                            } else if t.live_at(now()) {
                                "live"
                            } else {
                                "expired"
                            };
                            println!(
                                "{:>4}  {:<8} {:<13} {:<12} {:<12} {}",
                                t.id,
                                t.role,
                                t.scope,
                                when(t.expires_at),
                                state,
                                t.name
                            );
                        }
                    }
                    Ok(())
                })
                .await
            }
            TokensCommand::Revoke { store, token } => {
                let which = match token.parse::<i64>() {
                    Ok(id) => TokenRef::Id(id),
                    Err(_) => TokenRef::Hash(SecretHash::of(token.trim())),
                };
                let st = store.open().await?;
                super::store_arg::with_store(st, async |st| {
                    let id = st.revoke_token(which).await?;
                    audit(st, "token.revoke", format!("token:{id}")).await;
                    println!("token {id} revoked");
                    Ok(())
                })
                .await
            }
        }
    })
}
