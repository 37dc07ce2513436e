//! How data frames make messages, per socket type (spec §1.11, §3.1).
//!
//! * [`Framing::Multipart`] (classic types: PAIR, PUB/SUB, REQ/REP, DEALER/ROUTER,
//!   PUSH/PULL, XPUB/XSUB, STREAM): every data frame is reported with its MORE flag as
//!   [`Event::Frame`]; assembling messages is the socket's job.
//! * [`Framing::Single`] (CLIENT, SERVER, GATHER, PEER, CHANNEL): one frame per message,
//!   reported as [`Event::Message`] without a group. Every frame of a multipart message is
//!   discarded and the connection is kept, like libzmq.
//! * [`Framing::Group`] (DISH): a RADIO sends two frames per message, the group (with MORE,
//!   at most 255 bytes) then the body (without MORE); reported as [`Event::Message`] with the
//!   group cut at its first NUL byte (libzmq stores groups as C strings). Anything else is a
//!   protocol error ([`ProtocolError::MalformedMessage`]), like libzmq. Commands (PING, PONG,
//!   ...) may arrive between the two frames; they do not disturb the assembly.
//! * [`Framing::Discard`] (RADIO, SCATTER: send-only): data frames are dropped, like libzmq.
//!
//! On the sending side only RADIO differs: [`Session::encode_message`] writes the group frame
//! before the body.
//!
//! [`Session::encode_message`]: crate::Session::encode_message

use bytes::Bytes;

use crate::command::MAX_GROUP_LEN;
use crate::error::ProtocolError;
use crate::event::Event;
use crate::socket_type::SocketType;

/// How received data frames are turned into events; see the module docs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Every data frame as [`Event::Frame`] with its MORE flag.
    Multipart,
    /// Single-frame messages as [`Event::Message`]; multipart messages dropped whole.
    Single,
    /// Group frame then body frame, as [`Event::Message`] with `group: Some(..)`.
    Group,
    /// Data frames are dropped (send-only socket types).
    Discard,
}

impl Framing {
    /// The framing a socket type uses.
    pub fn of(socket_type: SocketType) -> Framing {
        match socket_type {
            SocketType::Client
            | SocketType::Server
            | SocketType::Gather
            | SocketType::Peer
            | SocketType::Channel => Framing::Single,
            SocketType::Dish => Framing::Group,
            SocketType::Radio | SocketType::Scatter => Framing::Discard,
            SocketType::Pair
            | SocketType::Pub
            | SocketType::Sub
            | SocketType::Req
            | SocketType::Rep
            | SocketType::Dealer
            | SocketType::Router
            | SocketType::Pull
            | SocketType::Push
            | SocketType::XPub
            | SocketType::XSub
            | SocketType::Stream => Framing::Multipart,
        }
    }
}

/// A group as libzmq stores it: a C string, so everything from the first NUL byte on is
/// dropped.
pub(crate) fn cut_at_nul(group: Bytes) -> Bytes {
    match group.iter().position(|&b| b == 0) {
        Some(end) => group.slice(..end),
        None => group,
    }
}

/// Receive-side state of one connection's framing.
#[derive(Clone, Debug)]
pub(crate) struct Assembler {
    framing: Framing,
    /// Single: dropping the frames of a multipart message.
    discarding: bool,
    /// Group: the group frame of the message being received.
    group: Option<Bytes>,
}

impl Assembler {
    pub(crate) fn new(framing: Framing) -> Assembler {
        Assembler {
            framing,
            discarding: false,
            group: None,
        }
    }

    /// Whether a data frame with this MORE flag would be reported as it is, alone
    /// ([`Event::Message`] without a group, or [`Event::Frame`]), with no state to update.
    pub(crate) fn passes(&self, more: bool) -> bool {
        match self.framing {
            Framing::Multipart => true,
            Framing::Single => !self.discarding && !more,
            Framing::Discard | Framing::Group => false,
        }
    }

    /// One received data frame; `Some` when it completes something to report.
    pub(crate) fn on_frame(
        &mut self,
        data: Bytes,
        more: bool,
    ) -> Result<Option<Event>, ProtocolError> {
        match self.framing {
            Framing::Multipart => Ok(Some(Event::Frame { data, more })),
            Framing::Discard => Ok(None),
            Framing::Single => {
                if self.discarding || more {
                    self.discarding = more;
                    return Ok(None);
                }
                Ok(Some(Event::Message { data, group: None }))
            }
            Framing::Group => match self.group.take() {
                None => {
                    if !more {
                        return Err(ProtocolError::MalformedMessage(
                            "RADIO message without a group frame",
                        ));
                    }
                    if data.len() > MAX_GROUP_LEN {
                        return Err(ProtocolError::MalformedMessage(
                            "RADIO group longer than 255 bytes",
                        ));
                    }
                    self.group = Some(cut_at_nul(data));
                    Ok(None)
                }
                Some(group) => {
                    if more {
                        return Err(ProtocolError::MalformedMessage(
                            "RADIO message with more than two frames",
                        ));
                    }
                    Ok(Some(Event::Message {
                        data,
                        group: Some(group),
                    }))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    fn msg(data: &'static [u8], group: Option<&'static [u8]>) -> Option<Event> {
        Some(Event::Message {
            data: b(data),
            group: group.map(b),
        })
    }

    #[test]
    fn framing_per_socket_type() {
        assert_eq!(Framing::of(SocketType::Client), Framing::Single);
        assert_eq!(Framing::of(SocketType::Server), Framing::Single);
        assert_eq!(Framing::of(SocketType::Gather), Framing::Single);
        assert_eq!(Framing::of(SocketType::Dish), Framing::Group);
        assert_eq!(Framing::of(SocketType::Radio), Framing::Discard);
        assert_eq!(Framing::of(SocketType::Scatter), Framing::Discard);
        assert_eq!(Framing::of(SocketType::Dealer), Framing::Multipart);
        assert_eq!(Framing::of(SocketType::Sub), Framing::Multipart);
    }

    #[test]
    fn single_discards_multipart_and_keeps_going() {
        let mut a = Assembler::new(Framing::Single);
        assert_eq!(a.on_frame(b(b"one"), false), Ok(msg(b"one", None)));
        assert_eq!(a.on_frame(b(b"part1"), true), Ok(None));
        assert_eq!(a.on_frame(b(b"part2"), true), Ok(None));
        assert_eq!(a.on_frame(b(b"last"), false), Ok(None));
        assert_eq!(a.on_frame(b(b"single"), false), Ok(msg(b"single", None)));
    }

    #[test]
    fn multipart_passes_frames_through() {
        let mut a = Assembler::new(Framing::Multipart);
        assert_eq!(
            a.on_frame(b(b"a"), true),
            Ok(Some(Event::Frame {
                data: b(b"a"),
                more: true
            }))
        );
        assert_eq!(
            a.on_frame(b(b"b"), false),
            Ok(Some(Event::Frame {
                data: b(b"b"),
                more: false
            }))
        );
    }

    #[test]
    fn discard_drops_everything() {
        let mut a = Assembler::new(Framing::Discard);
        assert_eq!(a.on_frame(b(b"a"), true), Ok(None));
        assert_eq!(a.on_frame(b(b"b"), false), Ok(None));
    }

    #[test]
    fn group_then_body() {
        let mut a = Assembler::new(Framing::Group);
        assert_eq!(a.on_frame(b(b"Movies"), true), Ok(None));
        assert_eq!(
            a.on_frame(b(b"Godfather"), false),
            Ok(msg(b"Godfather", Some(b"Movies")))
        );
        // Empty group, and a group cut at its first NUL.
        assert_eq!(a.on_frame(b(b""), true), Ok(None));
        assert_eq!(a.on_frame(b(b"x"), false), Ok(msg(b"x", Some(b""))));
        assert_eq!(a.on_frame(b(b"TV\0junk"), true), Ok(None));
        assert_eq!(a.on_frame(b(b"y"), false), Ok(msg(b"y", Some(b"TV"))));
        let max = Bytes::from(vec![b'g'; 255]);
        assert_eq!(a.on_frame(max, true), Ok(None));
        assert!(a.on_frame(b(b"z"), false).unwrap().is_some());
    }

    #[test]
    fn group_errors() {
        let err = |what| Err(ProtocolError::MalformedMessage(what));
        let mut a = Assembler::new(Framing::Group);
        assert_eq!(
            a.on_frame(b(b"body"), false),
            err("RADIO message without a group frame")
        );
        let mut a = Assembler::new(Framing::Group);
        assert_eq!(
            a.on_frame(Bytes::from(vec![b'g'; 256]), true),
            err("RADIO group longer than 255 bytes")
        );
        let mut a = Assembler::new(Framing::Group);
        assert_eq!(a.on_frame(b(b"g"), true), Ok(None));
        assert_eq!(
            a.on_frame(b(b"body"), true),
            err("RADIO message with more than two frames")
        );
    }
}
