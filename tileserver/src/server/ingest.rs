//! Group commit. Phones post small batches at once, and every write is
//! audited; a transaction's commit (an fsync on a GeoPackage) costs far
//! more than its rows. So the items waiting when a commit ends are written
//! together in the next transaction, and each is answered once that one
//! commits. No item waits for a timer: under light load an item is a
//! transaction of its own. One mechanism, two kinds of item: GPS batches
//! and audit rows.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use ops::positions::Fix;

use crate::store::accounts::NewAudit;
use crate::store::{CountyCode, Store, StoreError};

/// What a group commit writes.
pub trait Grouped: Send + 'static {
    /// Each item's answer.
    type Answer: Send + 'static;
    /// The item's weight towards `MAX_WEIGHT` (rows).
    fn weight(&self) -> usize;
    /// Writes the items in one transaction; one answer an item.
    fn write_all(
        store: &Store,
        items: &[Self],
    ) -> impl Future<Output = Result<Vec<Self::Answer>, StoreError>> + Send
    where
        Self: Sized;
}

/// Rows one transaction takes at most (the items past it wait for the next).
const MAX_WEIGHT: usize = 50_000;

type Job<T> = (
    T,
    oneshot::Sender<Result<<T as Grouped>::Answer, StoreError>>,
);

/// A queue in front of the store, drained by one writer.
pub struct GroupCommit<T: Grouped> {
    tx: mpsc::Sender<Job<T>>,
}

impl<T: Grouped> GroupCommit<T> {
    /// Starts the writer (it runs until the queue is dropped).
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(writer(store, rx));
        Self { tx }
    }

    /// Writes an item; answers once it is committed.
    async fn write(&self, item: T) -> Result<T::Answer, StoreError> {
        let stopping = || StoreError::Unavailable("the server is stopping; send it again".into());
        let (done, answer) = oneshot::channel();
        self.tx.send((item, done)).await.map_err(|_| stopping())?;
        answer.await.map_err(|_| stopping())?
    }
}

async fn writer<T: Grouped>(store: Store, mut rx: mpsc::Receiver<Job<T>>) {
    while let Some(first) = rx.recv().await {
        let mut weight = first.0.weight();
        let mut group = vec![first];
        while weight < MAX_WEIGHT {
            match rx.try_recv() {
                Ok(j) => {
                    weight += j.0.weight();
                    group.push(j);
                }
                Err(_) => break,
            }
        }
        let (items, answers): (Vec<T>, Vec<_>) = group.into_iter().unzip();
        match T::write_all(&store, &items).await {
            Ok(results) => {
                for (done, r) in answers.into_iter().zip(results) {
                    let _ = done.send(Ok(r));
                }
            }
            // One failing item must not fail the others: alone, each gets
            // its own answer.
            Err(e) if items.len() > 1 => {
                tracing::debug!(error = %e, items = items.len(), "a group commit failed; writing its items one by one");
                for (item, done) in items.into_iter().zip(answers) {
                    let r = T::write_all(&store, std::slice::from_ref(&item))
                        .await
                        .map(|mut v| v.pop());
                    let _ = done.send(r.and_then(|a| {
                        a.ok_or_else(|| StoreError::Corrupt {
                            what: "a write returned no answer".into(),
                        })
                    }));
                }
            }
            Err(e) => {
                if let Some(done) = answers.into_iter().next() {
                    let _ = done.send(Err(e));
                }
            }
        }
    }
}

/// A phone's screened batch: how many of its fixes were new.
pub struct FixBatch {
    county: CountyCode,
    fixes: Vec<Fix>,
}

impl Grouped for FixBatch {
    type Answer = u64;

    fn weight(&self) -> usize {
        self.fixes.len()
    }

    async fn write_all(store: &Store, items: &[Self]) -> Result<Vec<u64>, StoreError> {
        let batches: Vec<(CountyCode, &[Fix])> = items
            .iter()
            .map(|b| (b.county, b.fixes.as_slice()))
            .collect();
        store.store_fix_batches(&batches).await
    }
}

impl Grouped for NewAudit {
    type Answer = ();

    fn weight(&self) -> usize {
        1
    }

    async fn write_all(store: &Store, items: &[Self]) -> Result<Vec<()>, StoreError> {
        store.audit_many(items).await?;
        Ok(vec![(); items.len()])
    }
}

/// Phones' batches on their way to the store.
pub type IngestQueue = GroupCommit<FixBatch>;

impl IngestQueue {
    /// Stores a batch; answers once it is committed, with how many of its
    /// fixes were new.
    pub async fn store(&self, county: CountyCode, fixes: Vec<Fix>) -> Result<u64, StoreError> {
        self.write(FixBatch { county, fixes }).await
    }
}

/// Audit rows on their way to the store.
pub type AuditQueue = GroupCommit<NewAudit>;

impl AuditQueue {
    /// Writes a row; answers once it is committed.
    pub async fn row(&self, row: NewAudit) -> Result<(), StoreError> {
        self.write(row).await
    }
}
