//! PUB → SUB measurements, the same for the three implementations: one PUB
//! and `n` SUBs, what each SUB subscribes to ([`Fan`]), how subscriptions
//! are known to have reached the PUB before anything is timed, and what is
//! timed.
//!
//! * **Setup.** The SUBs connect and subscribe in batches of
//!   [`CONNECT_BATCH`]; after each batch the PUB publishes *probes* to the
//!   batch's topics until every SUB of the batch received one (a PUB drops
//!   what matches no subscription it knows yet, so probing is the only way
//!   to see a subscription arrive). Then one *end* message per topic; each
//!   SUB reads until its end, so the queues are empty when timing starts.
//!   Probes and ends carry a tag byte right after the topic ([`PROBE`],
//!   [`END`]); measured messages have a zero there.
//! * **HWMs.** Nothing may be dropped: ours and C libzmq set the PUB's
//!   send HWM and every SUB's receive HWM to 0 (unlimited); OMQ.rs has no
//!   unlimited queue, so its PUB uses `xpub_nodrop` (it waits for room
//!   instead of dropping).
//! * **Timing.** The publisher thread sends `count` fresh messages of
//!   `size` bytes (zeros after the topic); one receiver thread (ours, C: a
//!   poller over all SUBs; OMQ.rs: a task per SUB) takes them. Every
//!   SUB must get exactly its share, each message checked (size, topic,
//!   tag). [`Fan::All`]: from the first send until the last SUB has all
//!   `count` messages (the rate at which every subscriber is served).
//!   [`Fan::OwnPrefix`]: the PUB's send rate, from the first send to the
//!   return of the last; ours and C libzmq take the messages only after
//!   that (the SUBs' I/O threads still read meanwhile; the receive HWMs
//!   are unlimited), so the application side of 1000 SUBs does not compete
//!   with the PUB for the CPUs; OMQ.rs's receiver tasks run meanwhile (its
//!   queues are bounded and its PUB waits for room). The round still waits
//!   for every message.

use std::time::{Duration, Instant};

use super::{check_size, PerfError, TIMEOUT_MS};

/// SUBs connected (and probed) at once during the setup.
pub const CONNECT_BATCH: usize = 32;

/// Tag byte of a probe (after the topic).
pub const PROBE: u8 = 0xFF;

/// Tag byte of the end of the probes (after the topic).
pub const END: u8 = 0xFE;

/// How long the setup waits for subscriptions to arrive, per batch.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How often probes are published again while a batch is not ready.
const PROBE_INTERVAL: Duration = Duration::from_millis(5);

const TIMEOUT: Duration = Duration::from_millis(TIMEOUT_MS as u64);

/// Room for the decimal digits of any `usize`.
const TOPIC_MAX: usize = 20;

/// What the SUBs subscribe to, and which SUBs a message matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fan {
    /// Every SUB subscribes to `""`: each message goes to every SUB.
    All,
    /// SUB `i` subscribes to its own fixed-width decimal prefix (`"0042"`);
    /// message `j` starts with the prefix of SUB `j % n`, so it matches
    /// exactly one SUB.
    OwnPrefix,
}

/// A message as a SUB sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A measured message.
    Data,
    /// A setup probe.
    Probe,
    /// The end of the setup probes.
    End,
}

/// `n` SUBs subscribed as `fan` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    subs: usize,
    fan: Fan,
}

impl Plan {
    /// A plan for `subs` (> 0) subscribers.
    pub fn new(subs: usize, fan: Fan) -> Result<Plan, PerfError> {
        if subs == 0 {
            return Err(PerfError::new("a PUB/SUB case needs a subscriber"));
        }
        Ok(Plan { subs, fan })
    }

    /// The number of SUBs.
    pub fn subs(&self) -> usize {
        self.subs
    }

    /// What the SUBs subscribe to.
    pub fn fan(&self) -> Fan {
        self.fan
    }

    /// The topic length: 0 for [`Fan::All`], else the digits of the
    /// largest SUB index, at least 4.
    pub fn width(&self) -> usize {
        match self.fan {
            Fan::All => 0,
            Fan::OwnPrefix => (self.subs - 1).to_string().len().max(4),
        }
    }

    /// The subscription of SUB `i` (`""`, or `"0042"`).
    pub fn topic(&self, i: usize) -> Vec<u8> {
        let mut buf = [0; TOPIC_MAX];
        self.topic_in(i, &mut buf).to_vec()
    }

    /// The subscription of SUB `i`, written in `buf` (no allocation: the
    /// receivers check it on every message).
    fn topic_in<'b>(&self, i: usize, buf: &'b mut [u8; TOPIC_MAX]) -> &'b [u8] {
        let w = self.width();
        let mut n = i;
        for b in buf[..w].iter_mut().rev() {
            *b = b'0' + (n % 10) as u8;
            n /= 10;
        }
        &buf[..w]
    }

    /// The distinct topics, indexed like [`Plan::target`].
    pub fn topics(&self) -> Vec<Vec<u8>> {
        match self.fan {
            Fan::All => vec![Vec::new()],
            Fan::OwnPrefix => (0..self.subs).map(|i| self.topic(i)).collect(),
        }
    }

    /// The SUB index whose topic message `j` carries (0 for [`Fan::All`]).
    pub fn target(&self, j: u64) -> usize {
        match self.fan {
            Fan::All => 0,
            Fan::OwnPrefix => (j % self.subs as u64) as usize,
        }
    }

    /// The number of measured messages SUB `i` gets out of `count`.
    pub fn expected(&self, i: usize, count: u64) -> u64 {
        match self.fan {
            Fan::All => count,
            Fan::OwnPrefix => {
                let n = self.subs as u64;
                count / n + u64::from((i as u64) < count % n)
            }
        }
    }

    /// A control message (probe or end) for `topic`.
    pub fn control(topic: &[u8], tag: u8) -> Vec<u8> {
        let mut m = topic.to_vec();
        m.push(tag);
        m
    }

    /// What SUB `i` received: a measured message, a probe or an end, or an
    /// error if it does not start with the SUB's topic or has no known tag.
    pub fn classify(&self, i: usize, bytes: &[u8]) -> Result<Frame, PerfError> {
        let w = self.width();
        let mut buf = [0; TOPIC_MAX];
        if bytes.get(..w) != Some(self.topic_in(i, &mut buf)) {
            return Err(PerfError::new("SUB got a message of another topic"));
        }
        match bytes.get(w) {
            Some(0) => Ok(Frame::Data),
            Some(&PROBE) => Ok(Frame::Probe),
            Some(&END) => Ok(Frame::End),
            _ => Err(PerfError::new("SUB got a message with no known tag")),
        }
    }

    /// Checks that a measured message of `size` bytes has room for the
    /// topic and the tag byte.
    pub fn check_message_size(&self, size: usize) -> Result<(), PerfError> {
        if size > self.width() {
            Ok(())
        } else {
            Err(PerfError::new(
                "PUB/SUB messages must be longer than the topic",
            ))
        }
    }

    /// Adds the SUBs with `add(subs, i)` for every index, in batches of
    /// [`CONNECT_BATCH`], each probed until all its SUBs got a probe; then
    /// publishes the ends and drains every SUB up to its end.
    pub fn connect_in_batches<P: Publisher, S: Subscribers>(
        &self,
        publisher: &mut P,
        subs: &mut S,
        mut add: impl FnMut(&mut S, usize) -> Result<(), PerfError>,
    ) -> Result<(), PerfError> {
        let mut ready = vec![false; self.subs];
        for start in (0..self.subs).step_by(CONNECT_BATCH) {
            let batch = start..(start + CONNECT_BATCH).min(self.subs);
            for i in batch.clone() {
                add(subs, i)?;
            }
            let deadline = Instant::now() + SETUP_TIMEOUT;
            let mut probed = None::<Instant>;
            while !ready[batch.clone()].iter().all(|&r| r) {
                if Instant::now() > deadline {
                    return Err(PerfError::new(
                        "subscriptions did not reach the PUB in time",
                    ));
                }
                if probed.is_none_or(|t| t.elapsed() >= PROBE_INTERVAL) {
                    let topics = match self.fan {
                        Fan::All => vec![Vec::new()],
                        Fan::OwnPrefix => batch
                            .clone()
                            .filter(|&i| !ready[i])
                            .map(|i| self.topic(i))
                            .collect(),
                    };
                    for t in topics {
                        let probe = Plan::control(&t, PROBE);
                        publisher.send_fresh(probe.len(), &probe)?;
                    }
                    probed = Some(Instant::now());
                }
                subs.drain(PROBE_INTERVAL, &mut |i, bytes| match self
                    .classify(i, bytes)?
                {
                    Frame::Probe => {
                        ready[i] = true;
                        Ok(())
                    }
                    _ => Err(PerfError::new("SUB got data while probing")),
                })?;
            }
        }
        for t in self.topics() {
            let end = Plan::control(&t, END);
            publisher.send_fresh(end.len(), &end)?;
        }
        let mut ended = vec![false; self.subs];
        let mut left = self.subs;
        while left > 0 {
            let taken = subs.drain(TIMEOUT, &mut |i, bytes| match self
                .classify(i, bytes)?
            {
                Frame::Probe => Ok(()),
                Frame::End if !ended[i] => {
                    ended[i] = true;
                    left -= 1;
                    Ok(())
                }
                _ => Err(PerfError::new("SUB got data or two ends")),
            })?;
            if taken == 0 {
                return Err(PerfError::new("SUB end of probes timed out"));
            }
        }
        Ok(())
    }

    /// Publishes `count` fresh messages of `size` bytes and checks that
    /// every SUB got its share; returns the time the [`Fan`] says (see the
    /// module doc). [`Fan::All`]: a receiver thread takes the messages while
    /// they are sent; [`Fan::OwnPrefix`]: they are taken once the last send
    /// returned, so that only the PUB's side runs while the sends are timed.
    pub fn measure<P: Publisher, S: Subscribers + Send>(
        &self,
        publisher: &mut P,
        subs: &mut S,
        size: usize,
        count: u64,
    ) -> Result<Duration, PerfError> {
        super::check_count(count)?;
        self.check_message_size(size)?;
        let topics = self.topics();
        let mut send_all = || {
            let start = Instant::now();
            (0..count).try_for_each(|j| {
                publisher.send_fresh(size, &topics[self.target(j)])
            })?;
            Ok::<_, PerfError>((start, Instant::now()))
        };
        match self.fan {
            Fan::OwnPrefix => {
                let (start, sent_at) = send_all()?;
                self.take_all(subs, size, count)?;
                Ok(sent_at - start)
            }
            Fan::All => std::thread::scope(|s| {
                let rx = s.spawn(|| self.take_all(subs, size, count));
                let sent = send_all();
                let received_at =
                    rx.join().expect("SUB receiver thread panicked");
                let (start, sent_at) = sent?;
                Ok(self.elapsed(start, sent_at, received_at?))
            }),
        }
    }

    /// Takes every SUB's share of `count` measured messages of `size`
    /// bytes, each checked; returns when the last one arrived.
    fn take_all<S: Subscribers>(
        &self,
        subs: &mut S,
        size: usize,
        count: u64,
    ) -> Result<Instant, PerfError> {
        let mut tally = Tally::new(self, count);
        while !tally.done() {
            let taken = subs.drain(TIMEOUT, &mut |i, bytes| match self
                .classify(i, bytes)?
            {
                Frame::Data => {
                    check_size(bytes.len(), size)?;
                    tally.take(i)
                }
                _ => Err(PerfError::new("SUB got a probe while measuring")),
            })?;
            if taken == 0 {
                return Err(PerfError::new("SUB receive timed out"));
            }
        }
        Ok(Instant::now())
    }

    /// The measured time of a round that started sending at `start`,
    /// returned from its last send at `sent_at`, and whose SUBs had every
    /// message at `received_at` (see the module doc).
    pub fn elapsed(
        &self,
        start: Instant,
        sent_at: Instant,
        received_at: Instant,
    ) -> Duration {
        match self.fan {
            Fan::All => received_at.saturating_duration_since(start),
            Fan::OwnPrefix => sent_at.saturating_duration_since(start),
        }
    }
}

/// The measured messages each SUB still has to get.
#[derive(Debug, Clone)]
pub struct Tally {
    left: Vec<u64>,
    pending: usize,
}

impl Tally {
    /// Every SUB's share of `count` messages under `plan`.
    pub fn new(plan: &Plan, count: u64) -> Tally {
        let left: Vec<u64> =
            (0..plan.subs).map(|i| plan.expected(i, count)).collect();
        let pending = left.iter().filter(|&&n| n > 0).count();
        Tally { left, pending }
    }

    /// SUB `i` got one; an error if it got more than its share.
    pub fn take(&mut self, i: usize) -> Result<(), PerfError> {
        match self.left.get_mut(i) {
            Some(n) if *n > 0 => {
                *n -= 1;
                if *n == 0 {
                    self.pending -= 1;
                }
                Ok(())
            }
            _ => Err(PerfError::new("SUB got more messages than published")),
        }
    }

    /// Whether every SUB got its share.
    pub fn done(&self) -> bool {
        self.pending == 0
    }
}

/// The PUB of a setup, as [`Plan`] drives it.
pub trait Publisher {
    /// Sends a fresh zero-filled message of `size` bytes that starts with
    /// `prefix` (`prefix.len() <= size`).
    fn send_fresh(
        &mut self,
        size: usize,
        prefix: &[u8],
    ) -> Result<(), PerfError>;
}

/// What [`Subscribers::drain`] gives each message to: `(SUB index,
/// message)`.
pub type Take<'a> = dyn FnMut(usize, &[u8]) -> Result<(), PerfError> + 'a;

/// The SUBs of a setup, as [`Plan`] drives them.
pub trait Subscribers {
    /// The number of SUBs added so far.
    fn len(&self) -> usize;

    /// Whether no SUB was added yet.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits up to `timeout` for a SUB to have a message, then gives
    /// `take(sub index, message)` every message queued on the ready SUBs;
    /// returns how many (0 on timeout). Stops at `take`'s first error.
    fn drain(
        &mut self,
        timeout: Duration,
        take: &mut Take<'_>,
    ) -> Result<usize, PerfError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_prefixes_split_the_messages() {
        let plan = Plan::new(1000, Fan::OwnPrefix).unwrap();
        assert_eq!(plan.width(), 4);
        assert_eq!(plan.topic(42), b"0042");
        assert_eq!(plan.target(1042), 42);
        assert_eq!(
            (0..1000).map(|i| plan.expected(i, 2500)).sum::<u64>(),
            2500
        );
        assert_eq!(
            (plan.expected(499, 2500), plan.expected(500, 2500)),
            (3, 2)
        );
        assert_eq!(plan.classify(42, b"0042\0\0"), Ok(Frame::Data));
        assert_eq!(plan.classify(42, b"0042\xff"), Ok(Frame::Probe));
        assert_eq!(plan.classify(42, b"0042\xfe"), Ok(Frame::End));
        assert!(plan.classify(42, b"0043\0").is_err());
        assert!(plan.classify(42, b"0042").is_err());
        assert!(plan.check_message_size(4).is_err());
        assert!(plan.check_message_size(5).is_ok());
        assert_eq!(Plan::new(100_000, Fan::OwnPrefix).unwrap().width(), 5);
        assert!(Plan::new(0, Fan::All).is_err());
    }

    #[test]
    fn all_get_everything() {
        let plan = Plan::new(3, Fan::All).unwrap();
        assert_eq!((plan.width(), plan.topic(2)), (0, vec![]));
        assert_eq!(plan.expected(2, 7), 7);
        assert_eq!(plan.classify(1, &[0; 32]), Ok(Frame::Data));
        assert_eq!(
            plan.classify(1, &Plan::control(b"", PROBE)),
            Ok(Frame::Probe)
        );
        let mut tally = Tally::new(&plan, 1);
        for i in 0..3 {
            assert!(!tally.done());
            tally.take(i).unwrap();
        }
        assert!(tally.done());
        assert!(tally.take(0).is_err(), "more than published");
    }
}
