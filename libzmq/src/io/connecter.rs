//! A connecter keeps one connection of a `connect` up: it owns the socket's
//! pipes to that peer (they outlive each connection) and decides when to try
//! again after a failure. With `immediate` it owns no pipes: each connection
//! makes its own once its handshake completed and closes them when it ends,
//! as an accepted connection does, so nothing is queued for a peer that is
//! not connected.

use super::{ConnectPipes, EndpointKey, EngineOptions, Linger, PeerAddr};
use std::time::Duration;

/// The state of one `connect` on an I/O thread.
pub(crate) struct Connecter {
    pub(crate) addr: PeerAddr,
    pub(crate) key: EndpointKey,
    /// Socket → peer and peer → socket (`None` with `immediate`).
    pub(crate) pipes: Option<ConnectPipes>,
    pub(crate) options: EngineOptions,
    /// Failed attempts since the last completed handshake.
    pub(crate) attempts: u32,
    /// The socket is closed and this connecter only delivers what it queued.
    pub(crate) linger: Option<Linger>,
}

impl Connecter {
    /// Whether the socket queued messages this connecter still has to
    /// deliver (never with `immediate`: the connections hold them).
    pub(crate) fn has_output(&self) -> bool {
        self.pipes
            .as_ref()
            .is_some_and(|(out, _)| out.is_readable())
    }

    /// How long to wait before the next attempt (`None`: reconnection is
    /// off, the endpoint is done), counting this failure.
    pub(crate) fn next_delay(&mut self) -> Option<Duration> {
        let jitter = rand::random::<u64>();
        let delay = reconnect_delay(
            self.options.reconnect_interval,
            self.options.reconnect_interval_max,
            self.attempts,
            jitter,
        );
        self.attempts = self.attempts.saturating_add(1);
        delay
    }

    /// The connecter stops for good: its peer leaves the socket (the
    /// socket sees both pipes close), as in libzmq where the session ends.
    pub(crate) fn give_up(&self) {
        if let Some((out, inp)) = &self.pipes {
            out.close_reader();
            inp.close_writer();
        }
        log::debug!(
            "endpoint {} ({}) stopped reconnecting",
            self.key.endpoint_id,
            self.addr
        );
    }
}

impl Drop for Connecter {
    /// The connect stops for good (the endpoint is closed or gave up).
    fn drop(&mut self) {
        self.options.tap.emit(|| crate::monitor::EventKind::Closed);
    }
}

/// libzmq's reconnect rule. Without a maximum: the interval plus a random
/// jitter below one interval (`jitter` is any random number). With a
/// maximum: the interval doubled per failed attempt, capped at the maximum.
/// A zero or unset interval turns reconnection off.
pub(crate) fn reconnect_delay(
    interval: Option<Duration>,
    max: Option<Duration>,
    attempts: u32,
    jitter: u64,
) -> Option<Duration> {
    let interval = interval.filter(|d| !d.is_zero())?;
    Some(match max.filter(|d| !d.is_zero()) {
        None => {
            let spread = interval.as_millis().clamp(1, u64::MAX.into()) as u64;
            interval + Duration::from_millis(jitter % spread)
        }
        Some(max) => {
            let factor = 1u32 << attempts.min(16);
            interval.saturating_mul(factor).min(max)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::reconnect_delay;
    use std::time::Duration;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn zero_or_unset_interval_stops() {
        assert_eq!(reconnect_delay(None, None, 0, 0), None);
        assert_eq!(reconnect_delay(Some(Duration::ZERO), None, 0, 0), None);
    }

    #[test]
    fn jitter_stays_below_one_interval() {
        let interval = Some(100 * MS);
        assert_eq!(reconnect_delay(interval, None, 5, 0), Some(100 * MS));
        assert_eq!(reconnect_delay(interval, None, 0, 99), Some(199 * MS));
        assert_eq!(reconnect_delay(interval, None, 0, 100), Some(100 * MS));
        assert_eq!(
            reconnect_delay(interval, None, 0, u64::MAX),
            Some(115 * MS)
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let delays: Vec<_> = (0..6)
            .map(|n| {
                reconnect_delay(Some(100 * MS), Some(1000 * MS), n, 7).unwrap()
            })
            .collect();
        let ms = [100, 200, 400, 800, 1000, 1000].map(|m| m * MS);
        assert_eq!(delays, ms);
        // Huge attempt counts saturate instead of overflowing.
        assert_eq!(
            reconnect_delay(Some(100 * MS), Some(1000 * MS), u32::MAX, 0),
            Some(1000 * MS)
        );
    }
}
