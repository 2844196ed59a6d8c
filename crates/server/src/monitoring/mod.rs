//! Availability monitoring in the server (issue 6): the local prober that runs each monitor's
//! probe once per slot across all servers ([`probes`]), and the evaluator that turns samples
//! into each service's timeline, live state and incident tickets ([`evaluator`]), and the
//! warnings of certificates close to expiry ([`certificates`]). The
//! arithmetic is `tenggat-availability`'s, the probes `tenggat-probe`'s, the storage
//! `tenggat_store::Monitoring`.

pub mod certificates;
pub mod evaluator;
pub mod probes;
pub mod report;
pub mod retention;
