//! Group commit for new tickets.
//!
//! Every new ticket takes the next number of its provider, so two creates for one provider
//! serialise on that counter: on PostgreSQL the counter's row stays locked from the increment
//! to the commit (and its WAL flush), on SQLite the one writer connection is busy from
//! `BEGIN IMMEDIATE` to `COMMIT`. One transaction per ticket caps creates at one commit's
//! latency each. Instead, [`CreateQueue::submit`] hands the ticket to one writer task per store,
//! which takes every ticket waiting at that moment (up to [`MAX_BATCH`]) and writes them in one
//! transaction: the lock is taken and the commit paid once per batch. No ticket waits for a
//! batch to fill: a lone request is written at once, and batches form only while a previous
//! one is being written.
//!
//! A caller is answered only after its batch has committed, so a success still means the
//! ticket is durable. When a ticket of a batch fails before the commit (say its contract is
//! gone), the batch is rolled back and each of its tickets is written again in a transaction of
//! its own, so one bad ticket fails alone. When the commit itself fails, whether it took effect
//! is unknown: every ticket of the batch gets the error and none is written again (a retry
//! could duplicate them).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::model::{NewEvent, NewTicket, TicketWithEvent};
use crate::store::StoreResult;

/// The most tickets written in one transaction.
pub(crate) const MAX_BATCH: usize = 64;

/// A ticket waiting to be written, with the way back to its caller.
pub(crate) struct CreateJob {
    pub(crate) new: NewTicket,
    pub(crate) created: NewEvent,
    pub(crate) reply: oneshot::Sender<StoreResult<TicketWithEvent>>,
}

/// How a batch was written.
pub(crate) enum Written {
    /// All its tickets in one transaction.
    Together(usize),
    /// The one ticket of a batch of one, in its own transaction.
    Single,
    /// Each ticket in a transaction of its own, after the batch's transaction failed.
    Retried(usize),
}

/// What a store's ticket writer has done since the store was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketWriterStats {
    /// Transactions that wrote more than one new ticket.
    pub batches: u64,
    /// Tickets written in those transactions.
    pub tickets_batched: u64,
    /// Tickets that came alone, written in a transaction of their own.
    pub tickets_alone: u64,
    /// Tickets of a batch whose transaction failed before its commit, then written (or
    /// refused) each in a transaction of its own.
    pub tickets_retried: u64,
}

#[derive(Debug, Default)]
struct Counters {
    batches: AtomicU64,
    tickets_batched: AtomicU64,
    tickets_alone: AtomicU64,
    tickets_retried: AtomicU64,
}

/// The sending side of a store's writer task; the task ends when every clone is dropped.
#[derive(Debug, Clone)]
pub(crate) struct CreateQueue {
    jobs: mpsc::UnboundedSender<CreateJob>,
    counters: Arc<Counters>,
}

impl CreateQueue {
    /// Starts the writer task on the current Tokio runtime; `write` writes one batch,
    /// answers each of its jobs and says how it wrote them.
    pub(crate) fn start<W, Fut>(write: W) -> CreateQueue
    where
        W: Fn(Vec<CreateJob>) -> Fut + Send + 'static,
        Fut: Future<Output = Written> + Send,
    {
        let (jobs, mut waiting) = mpsc::unbounded_channel::<CreateJob>();
        let counters = Arc::new(Counters::default());
        let counted = Arc::clone(&counters);
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match waiting.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let tickets = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
                match write(batch).await {
                    Written::Together(n) => {
                        counted.batches.fetch_add(1, Ordering::Relaxed);
                        counted
                            .tickets_batched
                            .fetch_add(tickets(n), Ordering::Relaxed);
                    }
                    Written::Single => {
                        counted.tickets_alone.fetch_add(1, Ordering::Relaxed);
                    }
                    Written::Retried(n) => {
                        counted
                            .tickets_retried
                            .fetch_add(tickets(n), Ordering::Relaxed);
                    }
                }
            }
        });
        CreateQueue { jobs, counters }
    }

    /// The writer's counters.
    pub(crate) fn stats(&self) -> TicketWriterStats {
        TicketWriterStats {
            batches: self.counters.batches.load(Ordering::Relaxed),
            tickets_batched: self.counters.tickets_batched.load(Ordering::Relaxed),
            tickets_alone: self.counters.tickets_alone.load(Ordering::Relaxed),
            tickets_retried: self.counters.tickets_retried.load(Ordering::Relaxed),
        }
    }

    /// Queues a ticket and waits until its batch is written.
    pub(crate) async fn submit(
        &self,
        new: &NewTicket,
        created: &NewEvent,
    ) -> StoreResult<TicketWithEvent> {
        let (reply, answer) = oneshot::channel();
        let job = CreateJob {
            new: new.clone(),
            created: created.clone(),
            reply,
        };
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> crate::StoreError {
    crate::StoreError::Database("the store's ticket writer has stopped".into())
}
