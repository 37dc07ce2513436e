//! The tasks waiting on a [`Signal`](crate::signal::Signal): a slab of
//! [`Waker`]s that a notify takes whole and wakes.
//!
//! A waiting future holds a [`WakerSlot`]: the index of its entry and the
//! *round* it was made in. A notify ends the round (every entry is taken), so
//! a slot of an older round is known to be gone without looking at the list:
//! re-registering it makes a new entry, and forgetting it is free.

use crate::sync::AtomicU64;
use std::sync::atomic::Ordering::SeqCst;
use std::task::Waker;
use std::time::Instant;

/// Where a future's waker sits in a [`WakerList`], as long as its round lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WakerSlot {
    index: usize,
    round: u64,
}

/// The wakers a notify took.
#[derive(Debug)]
pub(crate) enum Taken {
    None,
    One(Waker),
    Many(Vec<Waker>),
}

impl Taken {
    /// Wakes them all.
    pub(crate) fn wake(self) {
        match self {
            Taken::None => {}
            Taken::One(waker) => waker.wake(),
            Taken::Many(wakers) => wakers.into_iter().for_each(Waker::wake),
        }
    }
}

/// The wakers of one round. Accessed under the signal's lock; the round
/// number is also readable without it, so a future whose round ended
/// forgets its slot without locking.
#[derive(Debug, Default)]
pub(crate) struct WakerList {
    slots: Vec<Option<Waker>>,
    free: Vec<usize>,
    live: usize,
    round: u64,
    /// When the signal's alarm rings, if one is set and has not rung yet
    /// (see [`Signal::register_waker_until`](crate::signal::Signal::register_waker_until)).
    alarm: Option<Instant>,
}

impl WakerList {
    /// Whether no waker is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Registers `waker` in `slot`: updates the entry of the current round in
    /// place (no duplicate when a future is polled again), or makes a new one.
    pub(crate) fn register(
        &mut self,
        waker: &Waker,
        slot: &mut Option<WakerSlot>,
    ) {
        if let Some(WakerSlot { index, round }) = *slot {
            if round == self.round {
                if let Some(Some(old)) = self.slots.get_mut(index) {
                    if !old.will_wake(waker) {
                        old.clone_from(waker);
                    }
                    return;
                }
            }
        }
        let entry = Some(waker.clone());
        let index = match self.free.pop() {
            Some(index) => {
                self.slots[index] = entry;
                index
            }
            None => {
                self.slots.push(entry);
                self.slots.len() - 1
            }
        };
        self.live += 1;
        *slot = Some(WakerSlot {
            index,
            round: self.round,
        });
    }

    /// Removes the entry of `slot` if its round is the current one.
    pub(crate) fn remove(&mut self, slot: WakerSlot) {
        if slot.round != self.round {
            return;
        }
        if let Some(entry) = self.slots.get_mut(slot.index) {
            if entry.take().is_some() {
                self.free.push(slot.index);
                self.live -= 1;
            }
        }
    }

    /// Ends the round: takes every waker (to be woken outside the lock).
    /// `round` mirrors the new round number for lock-free checks. The
    /// common single waiter is taken without allocating, and the slab keeps
    /// its capacity for the next round.
    pub(crate) fn take_all(&mut self, round: &AtomicU64) -> Taken {
        self.round += 1;
        round.store(self.round, SeqCst);
        self.free.clear();
        let taken = match self.live {
            0 => Taken::None,
            1 => self
                .slots
                .iter_mut()
                .find_map(Option::take)
                .map_or(Taken::None, Taken::One),
            _ => Taken::Many(self.slots.drain(..).flatten().collect()),
        };
        self.slots.clear();
        self.live = 0;
        taken
    }

    /// Whether an alarm must be set for a task that gives up at `deadline`:
    /// none is set, or the one set rings later. Records `deadline` as the
    /// alarm then.
    pub(crate) fn set_alarm(&mut self, deadline: Instant) -> bool {
        if self.alarm.is_some_and(|at| at <= deadline) {
            return false;
        }
        self.alarm = Some(deadline);
        true
    }

    /// Whether the alarm that rings at `at` is the one set (which is then
    /// cleared); an alarm replaced by a sooner one rings for nothing.
    pub(crate) fn ring(&mut self, at: Instant) -> bool {
        if self.alarm != Some(at) {
            return false;
        }
        self.alarm = None;
        true
    }

    /// Whether `slot` belongs to an ended round, by the mirrored number.
    pub(crate) fn is_stale(slot: WakerSlot, round: &AtomicU64) -> bool {
        slot.round != round.load(SeqCst)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn registering_twice_in_a_round_keeps_one_entry() {
        let (count, waker) = counting();
        let mut list = WakerList::default();
        let mut slot = None;
        list.register(&waker, &mut slot);
        list.register(&waker, &mut slot);
        assert_eq!(list.live, 1);
        let round = AtomicU64::new(0);
        list.take_all(&round).wake();
        assert_eq!(count.0.load(SeqCst), 1);
        assert!(list.is_empty());
        assert!(WakerList::is_stale(slot.unwrap(), &round));
    }

    #[test]
    fn removed_entry_is_not_woken_and_its_index_is_reused() {
        let (count, waker) = counting();
        let mut list = WakerList::default();
        let (mut first, mut second) = (None, None);
        list.register(&waker, &mut first);
        list.remove(first.unwrap());
        assert!(list.is_empty());
        list.register(&waker, &mut second);
        assert_eq!(first.unwrap().index, second.unwrap().index);
        assert!(matches!(list.take_all(&AtomicU64::new(0)), Taken::One(_)));
        assert_eq!(count.0.load(SeqCst), 0);
    }

    #[test]
    fn several_wakers_are_all_taken() {
        let (count, waker) = counting();
        let mut list = WakerList::default();
        let mut slots = [None, None, None];
        for slot in &mut slots {
            list.register(&waker, slot);
        }
        list.remove(slots[1].unwrap());
        list.take_all(&AtomicU64::new(0)).wake();
        assert_eq!(count.0.load(SeqCst), 2);
        assert!(list.is_empty());
    }

    #[test]
    fn one_alarm_serves_every_later_deadline() {
        let mut list = WakerList::default();
        let now = Instant::now();
        let ms = |n| now + std::time::Duration::from_millis(n);
        assert!(list.set_alarm(ms(100)));
        assert!(!list.set_alarm(ms(100)));
        assert!(!list.set_alarm(ms(150)));
        // A sooner deadline replaces it: the old one rings for nothing.
        assert!(list.set_alarm(ms(50)));
        assert!(!list.ring(ms(100)));
        assert!(list.ring(ms(50)));
        assert!(!list.ring(ms(50)));
        // Rung: the next wait sets a new one.
        assert!(list.set_alarm(ms(150)));
    }

    #[test]
    fn slot_of_an_ended_round_makes_a_new_entry() {
        let (_, waker) = counting();
        let mut list = WakerList::default();
        let mut slot = None;
        list.register(&waker, &mut slot);
        let old = slot.unwrap();
        list.take_all(&AtomicU64::new(0));
        // Removing the stale slot does nothing.
        list.remove(old);
        list.register(&waker, &mut slot);
        assert_ne!(slot.unwrap(), old);
        assert_eq!(list.live, 1);
    }
}
