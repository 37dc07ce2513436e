//! [`Parts`]: one whole message on its way through a socket, one frame
//! without an allocation, several in a `Vec`.

use crate::msg::Msg;
use crate::pipe::{Pipe, PushError};

/// A whole message: its frames, all but the last with `more` set while it
/// is inside the socket and its pipes.
#[derive(Debug)]
pub(crate) enum Parts {
    /// A one-frame message (no allocation beyond the `Msg`).
    One(Msg),
    /// Two frames or more.
    Many(Vec<Msg>),
}

impl Parts {
    /// The message made of `frames` (at least one), with the `more` flags set.
    pub(crate) fn from_vec(mut frames: Vec<Msg>) -> Parts {
        debug_assert!(!frames.is_empty());
        if frames.len() == 1 {
            let mut only = frames.pop().expect("one frame");
            only.set_more(false);
            return Parts::One(only);
        }
        let last = frames.len() - 1;
        for (index, frame) in frames.iter_mut().enumerate() {
            frame.set_more(index != last);
        }
        Parts::Many(frames)
    }

    /// The frames, with the `more` flags cleared (for the application).
    pub(crate) fn into_vec(self) -> Vec<Msg> {
        match self {
            Parts::One(msg) => vec![msg],
            Parts::Many(mut frames) => {
                for frame in &mut frames {
                    frame.set_more(false);
                }
                frames
            }
        }
    }

    /// The first frame.
    pub(crate) fn first(&self) -> &Msg {
        match self {
            Parts::One(msg) => msg,
            Parts::Many(frames) => &frames[0],
        }
    }

    /// Points every frame to the description of the peer it came from.
    pub(crate) fn set_peer(
        &mut self,
        info: Option<&std::sync::Arc<crate::peer_info::PeerInfo>>,
    ) {
        if info.is_none() {
            return;
        }
        match self {
            Parts::One(msg) => msg.set_peer(info),
            Parts::Many(frames) => {
                frames.iter_mut().for_each(|frame| frame.set_peer(info))
            }
        }
    }

    /// Puts `frame` in front (a routing id or an envelope frame).
    pub(crate) fn prepend(self, mut frame: Msg) -> Parts {
        frame.set_more(true);
        match self {
            Parts::One(msg) => Parts::Many(vec![frame, msg]),
            Parts::Many(mut frames) => {
                frames.insert(0, frame);
                Parts::Many(frames)
            }
        }
    }

    /// Splits off the first frame; the rest is `None` when there was one frame.
    pub(crate) fn split_first(self) -> (Msg, Option<Parts>) {
        match self {
            Parts::One(msg) => (msg, None),
            Parts::Many(mut frames) => {
                let mut first = frames.remove(0);
                first.set_more(false);
                let rest = if frames.len() == 1 {
                    Parts::One(frames.pop().expect("one frame"))
                } else {
                    Parts::Many(frames)
                };
                (first, Some(rest))
            }
        }
    }

    /// A copy for one more destination (bodies shared, not copied).
    pub(crate) fn share_clone(&mut self) -> Parts {
        match self {
            Parts::One(msg) => {
                msg.share();
                Parts::One(msg.clone())
            }
            Parts::Many(frames) => {
                frames.iter_mut().for_each(Msg::share);
                Parts::Many(frames.clone())
            }
        }
    }

    /// Queues the whole message in `pipe`, or hands it back.
    pub(crate) fn push_to(self, pipe: &Pipe) -> Result<(), PushError<Parts>> {
        match self {
            Parts::One(msg) => pipe.push(msg).map_err(|err| match err {
                PushError::Full(msg) => PushError::Full(Parts::One(msg)),
                PushError::Closed(msg) => PushError::Closed(Parts::One(msg)),
            }),
            Parts::Many(frames) => {
                pipe.push_message(frames).map_err(|err| match err {
                    PushError::Full(v) => PushError::Full(Parts::Many(v)),
                    PushError::Closed(v) => PushError::Closed(Parts::Many(v)),
                })
            }
        }
    }

    /// Takes the next whole message from `pipe`. Its writer queues whole
    /// messages and the caller is the pipe's only reader (under the
    /// socket's lock), so the frames after a first one are all there.
    /// Takes the first whole message of `frames` (which holds whole
    /// messages only); `None` when empty.
    pub(crate) fn take_front(
        frames: &mut std::collections::VecDeque<Msg>,
    ) -> Option<Parts> {
        let first = frames.pop_front()?;
        if !first.more() {
            return Some(Parts::One(first));
        }
        let mut message = vec![first];
        while message.last().is_some_and(Msg::more) {
            message.push(frames.pop_front()?);
        }
        Some(Parts::Many(message))
    }

    #[cfg(test)]
    pub(crate) fn pop_from(
        pipe: &Pipe,
    ) -> Result<Parts, crate::pipe::PopError> {
        let first = pipe.pop()?;
        if !first.more() {
            return Ok(Parts::One(first));
        }
        let mut frames = vec![first];
        while frames.last().is_some_and(Msg::more) {
            match pipe.pop() {
                Ok(frame) => frames.push(frame),
                // Cannot happen (see above); never hand out half a message.
                Err(err) => return Err(err),
            }
        }
        Ok(Parts::Many(frames))
    }
}

/// What a pipe takes whole: a one-frame [`Msg`] or the [`Parts`] of a
/// message (so the routing strategies serve both without wrapping).
pub(crate) trait Deliverable: Sized {
    /// Queues it on `pipe`, or hands it back.
    fn push_to(self, pipe: &Pipe) -> Result<(), PushError<Self>>;
}

impl Deliverable for Msg {
    #[inline]
    fn push_to(self, pipe: &Pipe) -> Result<(), PushError<Self>> {
        pipe.push(self)
    }
}

/// A one-frame message moved into the pipe from where it lies (left
/// untouched when refused): see [`Pipe::push_from`].
impl Deliverable for &mut Msg {
    #[inline]
    fn push_to(self, pipe: &Pipe) -> Result<(), PushError<Self>> {
        pipe.push_from(self)
    }
}

impl Deliverable for Parts {
    #[inline]
    fn push_to(self, pipe: &Pipe) -> Result<(), PushError<Self>> {
        Parts::push_to(self, pipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::PopError;

    fn texts(parts: Parts) -> Vec<String> {
        parts
            .into_vec()
            .iter()
            .map(|m| m.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn more_flags_follow_the_frames() {
        let parts = Parts::from_vec(vec!["a".into(), "b".into(), "c".into()]);
        let Parts::Many(frames) = &parts else {
            panic!()
        };
        let flags: Vec<bool> = frames.iter().map(Msg::more).collect();
        assert_eq!(flags, vec![true, true, false]);
        let parts = parts.prepend("id".into());
        let (first, rest) = parts.split_first();
        assert_eq!(first.to_str().unwrap(), "id");
        assert!(!first.more());
        assert_eq!(texts(rest.unwrap()), vec!["a", "b", "c"]);
    }

    #[test]
    fn whole_messages_through_a_pipe() {
        let pipe = Pipe::new(Some(1), None);
        let many = Parts::from_vec(vec!["x".into(), "y".into()]);
        assert!(many.push_to(&pipe).is_ok());
        // Full after one whole message, however many frames it has.
        let refused = Parts::One("z".into()).push_to(&pipe);
        assert!(matches!(refused, Err(PushError::Full(_))));
        let got = Parts::pop_from(&pipe).unwrap();
        assert_eq!(texts(got), vec!["x", "y"]);
        assert!(Parts::One("z".into()).push_to(&pipe).is_ok());
        assert_eq!(texts(Parts::pop_from(&pipe).unwrap()), vec!["z"]);
        assert_eq!(Parts::pop_from(&pipe).unwrap_err(), PopError::Empty);
    }
}
