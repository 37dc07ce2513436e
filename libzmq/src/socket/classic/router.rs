//! ROUTER: every peer has a routing id frame — the `Identity` it announced
//! in its READY, or one generated (`0x00` + 4 bytes) — that comes first in
//! each message received from it and picks the peer for each message sent.

use super::super::core::State;
use super::super::parts::Parts;
use super::super::peers::SendFail;
use crate::error::ErrorKind;
use crate::pipe::PushError;

/// The next message, with its peer's routing id in front.
pub(crate) fn recv(state: &mut State) -> Option<Parts> {
    let (index, parts) = state.peers.pop_active()?;
    let identity = state.peers.identity_at(index);
    Some(parts.prepend(crate::Msg::from_bytes(identity)))
}

/// Sends the message after the first frame to the peer that frame names.
/// Unknown peers and full pipes drop it silently, unless `mandatory`:
/// `HostUnreachable` then, or a wait for room.
pub(crate) fn send(
    state: &mut State,
    parts: Parts,
) -> Result<(), SendFail<Parts>> {
    let mandatory = state.classic.options.mandatory;
    let Some(peer) = state.peers.by_identity(parts.first().as_bytes()) else {
        return if mandatory {
            Err(SendFail::Fatal(ErrorKind::HostUnreachable, parts))
        } else {
            Ok(())
        };
    };
    if mandatory && !peer.out.is_reader_closed() && !peer.out.is_writable() {
        return Err(SendFail::Again(parts));
    }
    let out = peer.out.clone();
    let (identity, rest) = parts.split_first();
    // A message of only a routing id carries nothing: dropped, like libzmq.
    let Some(rest) = rest else { return Ok(()) };
    match rest.push_to(&out) {
        Ok(()) | Err(PushError::Full(_)) => Ok(()),
        Err(PushError::Closed(rest)) => {
            state.peers.prune();
            if mandatory {
                Err(SendFail::Fatal(
                    ErrorKind::HostUnreachable,
                    rest.prepend(identity),
                ))
            } else {
                Ok(())
            }
        }
    }
}
