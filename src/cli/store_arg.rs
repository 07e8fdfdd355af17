use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tileserver::store::{CountyCode, PlanId, PlanSelector, Store, StoreTarget};

/// Which store a command works on: a GeoPackage file or a PostGIS database.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct StoreArg {
    /// The GeoPackage store file.
    #[arg(long, value_name = "FILE.gpkg")]
    store: Option<PathBuf>,
    /// A PostGIS database instead (postgres://user@host:port/db).
    #[arg(long, value_name = "URL")]
    db: Option<String>,
}

impl StoreArg {
    pub fn from_parts(store: Option<PathBuf>, db: Option<String>) -> Self {
        Self { store, db }
    }

    pub fn target(&self) -> StoreTarget {
        match (&self.store, &self.db) {
            (_, Some(url)) => StoreTarget::Database(url.clone()),
            (Some(p), None) => StoreTarget::File(p.clone()),
            // clap's group requires one of the two.
            (None, None) => StoreTarget::File(PathBuf::from("wangge.gpkg")),
        }
    }

    /// For messages: the file, or the URL without its password.
    pub fn shown(&self) -> String {
        match self.target() {
            StoreTarget::File(p) => p.display().to_string(),
            StoreTarget::Database(url) => tileserver::store::redact(&url),
        }
    }

    /// Fails at once when the store cannot be written (a read-only file or
    /// folder): found before a long job, not after it. A database is
    /// checked when it is written.
    pub fn check_writable(&self) -> anyhow::Result<()> {
        let StoreTarget::File(path) = self.target() else {
            return Ok(());
        };
        if path.is_dir() {
            anyhow::bail!("{}: a folder, not a GeoPackage file", path.display());
        }
        if path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .with_context(|| format!("{}: cannot be written", path.display()))?;
        }
        // SQLite writes its rollback journal beside the file.
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let probe = dir.join(format!(".wangge-write-probe-{}", std::process::id()));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .with_context(|| {
                format!(
                    "{}: its folder cannot be written (the store needs to write a journal beside it)",
                    path.display()
                )
            })?;
        let _ = std::fs::remove_file(&probe);
        Ok(())
    }

    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.target())
            .await
            .with_context(|| format!("opening {}", self.shown()))
    }

    /// Opens an existing store with the given lock and statement waits.
    pub async fn open_with(&self, waits: &tileserver::store::Waits) -> anyhow::Result<Store> {
        Store::open_with(&self.target(), waits)
            .await
            .with_context(|| format!("opening {}", self.shown()))
    }

    pub async fn create_or_open(&self) -> anyhow::Result<Store> {
        Store::create_or_open(&self.target())
            .await
            .with_context(|| format!("opening {}", self.shown()))
    }
}

/// `--county`: which county of the store a command is about (a store
/// holding one county needs none).
#[derive(Debug, Clone, Args)]
pub struct CountyArg {
    /// The county (6-digit code, e.g. 110108); needed when the store holds several.
    #[arg(long, value_name = "CODE")]
    pub county: Option<String>,
}

impl CountyArg {
    pub fn code(&self) -> anyhow::Result<Option<CountyCode>> {
        self.county
            .as_deref()
            .map(|c| {
                c.parse::<CountyCode>()
                    .with_context(|| format!("--county {c}"))
            })
            .transpose()
    }

    /// The county meant: the one named, or the store's only one.
    pub async fn resolve(&self, store: &Store) -> anyhow::Result<CountyCode> {
        Ok(store.county(self.code()?).await?)
    }

    /// `active` (the county's active plan) or a plan id.
    pub async fn plan(&self, store: &Store, sel: &str) -> anyhow::Result<PlanSelector> {
        if sel == "active" {
            return Ok(PlanSelector::Active(self.resolve(store).await?));
        }
        let id: i64 = sel
            .parse()
            .with_context(|| format!("plan {sel:?}: a plan id or `active`"))?;
        Ok(PlanSelector::Id(PlanId(id)))
    }
}

/// Runs `f` on the store and closes it afterwards whatever `f` returned,
/// so a failed write's rollback is finished before the command exits.
pub async fn with_store<T, F>(store: Store, f: F) -> anyhow::Result<T>
where
    F: AsyncFnOnce(&Store) -> anyhow::Result<T>,
{
    let r = f(&store).await;
    store.close().await;
    r
}

/// How a command writes a store.
#[derive(Debug, Clone, Args)]
pub struct WriteArgs {
    /// Skip the check that the disk has room for the write (the write
    /// then fails part-way on a full disk, rolled back).
    #[arg(long)]
    pub no_space_check: bool,
}

impl WriteArgs {
    pub fn apply(&self, store: &mut Store) {
        store.set_space_check(!self.no_space_check);
    }
}
