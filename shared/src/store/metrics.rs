//! Timing of DynamoDB requests, for the round-trip tests and the benchmark.
//! Off in the functions (nothing is recorded unless a store is `recording`).

use super::capacity::Units;
use std::time::{Duration, Instant};

/// With recording on, keeps each DynamoDB request's interval (so that concurrent
/// requests can be told from sequential round trips) and the capacity it used.
#[derive(Debug, Default)]
pub struct Calls {
    recording: bool,
    intervals: std::sync::Mutex<Vec<(Instant, Instant)>>,
    units: std::sync::Mutex<Units>,
}

/// What a stretch of work cost in DynamoDB requests.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RoundTrips {
    /// Requests sent.
    pub requests: usize,
    /// Sequential round trips: groups of requests that overlapped in time.
    pub sequential: usize,
    /// Wall time with at least one request in flight.
    pub waiting: Duration,
    /// Read request units, by DynamoDB's sizing rules ([`super::capacity`]).
    pub rru: f64,
    /// Write request units, likewise.
    pub wru: f64,
}

impl Calls {
    pub fn recording() -> Self {
        Self {
            recording: true,
            ..Self::default()
        }
    }

    /// Takes the intervals and units recorded since the last call.
    pub fn take(&self) -> RoundTrips {
        let mut v = std::mem::take(&mut *self.intervals.lock().expect("calls lock"));
        v.sort();
        let units = std::mem::take(&mut *self.units.lock().expect("units lock"));
        RoundTrips {
            rru: units.rru,
            wru: units.wru,
            ..group(&v)
        }
    }

    /// Counts a request's capacity (when recording).
    pub fn charge(&self, u: Units) {
        if self.recording {
            let mut total = self.units.lock().expect("units lock");
            total.rru += u.rru;
            total.wru += u.wru;
        }
    }
}

/// Sorted intervals grouped into overlapping runs.
fn group(sorted: &[(Instant, Instant)]) -> RoundTrips {
    let mut out = RoundTrips {
        requests: sorted.len(),
        ..Default::default()
    };
    let mut current: Option<(Instant, Instant)> = None;
    for &(start, end) in sorted {
        match current {
            Some((s, e)) if start <= e => current = Some((s, e.max(end))),
            Some((s, e)) => {
                out.sequential += 1;
                out.waiting += e - s;
                current = Some((start, end));
            }
            None => current = Some((start, end)),
        }
    }
    if let Some((s, e)) = current {
        out.sequential += 1;
        out.waiting += e - s;
    }
    out
}

/// Wraps a request future so the store can time it (when recording).
pub(super) trait Timed: std::future::Future + Sized {
    fn timed(
        self,
        calls: &std::sync::Arc<Calls>,
    ) -> impl std::future::Future<Output = Self::Output> {
        let calls = calls.clone();
        // The SDK's request futures are large; one heap allocation per request
        // keeps every caller's future (and stack) small.
        let request = Box::pin(self);
        async move {
            if !calls.recording {
                return request.await;
            }
            let start = Instant::now();
            let out = request.await;
            calls
                .intervals
                .lock()
                .expect("calls lock")
                .push((start, Instant::now()));
            out
        }
    }
}

impl<F: std::future::Future> Timed for F {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_requests_are_one_round_trip() {
        let t = Instant::now();
        let ms = |m| t + Duration::from_millis(m);
        let rt = group(&[(ms(0), ms(10)), (ms(5), ms(12)), (ms(20), ms(30))]);
        assert_eq!((rt.requests, rt.sequential), (3, 2));
        assert_eq!(rt.waiting, Duration::from_millis(22));
    }
}
