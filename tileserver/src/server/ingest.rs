//! Group commit of GPS batches. Phones post small batches at once, and a
//! transaction's commit (an fsync on a GeoPackage) costs far more than its
//! rows; so the batches waiting when a commit ends are written together in
//! the next transaction, and each is answered with its own counts once
//! that one commits. No batch waits for a timer: under light load a batch
//! is a transaction of its own.

use tokio::sync::{mpsc, oneshot};

use ops::positions::Fix;

use crate::store::{CountyCode, Store, StoreError};

/// Fixes one transaction takes at most (the batches past it wait for the
/// next one).
const MAX_GROUP_FIXES: usize = 50_000;

struct Job {
    county: CountyCode,
    fixes: Vec<Fix>,
    done: oneshot::Sender<Result<u64, StoreError>>,
}

/// The queue phones' batches go through to the store.
pub struct IngestQueue {
    tx: mpsc::Sender<Job>,
}

impl IngestQueue {
    /// Starts the writer (it runs until the queue is dropped).
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(writer(store, rx));
        Self { tx }
    }

    /// Stores a batch; answers once it is committed, with how many of its
    /// fixes were new.
    pub async fn store(&self, county: CountyCode, fixes: Vec<Fix>) -> Result<u64, StoreError> {
        let (done, answer) = oneshot::channel();
        self.tx
            .send(Job {
                county,
                fixes,
                done,
            })
            .await
            .map_err(|_| {
                StoreError::Unavailable("the server is stopping; send the fixes again".into())
            })?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the server is stopping; send the fixes again".into())
        })?
    }
}

async fn writer(store: Store, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut n = first.fixes.len();
        let mut group = vec![first];
        while n < MAX_GROUP_FIXES {
            match rx.try_recv() {
                Ok(j) => {
                    n += j.fixes.len();
                    group.push(j);
                }
                Err(_) => break,
            }
        }
        let batches: Vec<(CountyCode, &[Fix])> = group
            .iter()
            .map(|j| (j.county, j.fixes.as_slice()))
            .collect();
        match store.store_fix_batches(&batches).await {
            Ok(counts) => {
                for (j, c) in group.into_iter().zip(counts) {
                    let _ = j.done.send(Ok(c));
                }
            }
            // One failing batch must not fail the others: alone, each
            // gets its own answer.
            Err(e) if group.len() > 1 => {
                tracing::debug!(error = %e, batches = group.len(), "a group commit failed; writing its batches one by one");
                for j in group {
                    let r = store.store_fixes(j.county, &j.fixes).await;
                    let _ = j.done.send(r);
                }
            }
            Err(e) => {
                if let Some(j) = group.pop() {
                    let _ = j.done.send(Err(e));
                }
            }
        }
    }
}

/// Audit rows take the same road: the rows of writes that finish at the
/// same moment are committed together, each write answered once its row
/// is in.
pub struct AuditQueue {
    tx: mpsc::Sender<(
        crate::store::accounts::NewAudit,
        oneshot::Sender<Result<(), StoreError>>,
    )>,
}

/// Rows one audit transaction takes at most.
const MAX_GROUP_AUDIT: usize = 2_000;

impl AuditQueue {
    pub fn start(store: Store) -> Self {
        let (tx, mut rx) = mpsc::channel::<(
            crate::store::accounts::NewAudit,
            oneshot::Sender<Result<(), StoreError>>,
        )>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP_AUDIT {
                    match rx.try_recv() {
                        Ok(j) => group.push(j),
                        Err(_) => break,
                    }
                }
                let rows: Vec<_> = group.iter().map(|(a, _)| a.clone()).collect();
                match store.audit_many(&rows).await {
                    Ok(()) => {
                        for (_, done) in group {
                            let _ = done.send(Ok(()));
                        }
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, rows = rows.len(), "an audit group failed; writing its rows one by one");
                        for (a, done) in group {
                            let _ = done.send(store.audit(&a).await);
                        }
                    }
                }
            }
        });
        Self { tx }
    }

    /// Writes a row; answers once it is committed.
    pub async fn write(&self, row: crate::store::accounts::NewAudit) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        self.tx
            .send((row, done))
            .await
            .map_err(|_| StoreError::Unavailable("the server is stopping".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the server is stopping".into()))?
    }
}
