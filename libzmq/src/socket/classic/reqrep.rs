//! REQ and REP (RFC 28): the envelope and the strict alternation.
//!
//! A REQ puts an empty delimiter frame before each request (and, with
//! `correlate`, a 4-byte request id before that), sends it round-robin,
//! and accepts as the reply only a message from the peer the request went
//! to that starts with the same envelope; anything else is dropped. A REP
//! keeps the envelope of the request it received (every frame up to and
//! including the first empty one) and sends the reply with it to the peer
//! the request came from.

use super::super::core::State;
use super::super::parts::Parts;
use super::super::peers::SendFail;
use crate::error::ErrorKind;
use crate::msg::Msg;

/// A REQ's progress.
#[derive(Debug, Default)]
pub(crate) struct Req {
    /// The peer the last request went to, while its reply is awaited.
    awaiting: Option<u64>,
    /// The id of the last request (`correlate`).
    request_id: u32,
}

/// A REP's progress.
#[derive(Debug, Default)]
pub(crate) struct Rep {
    /// The request being answered: its peer and envelope.
    replying: Option<(u64, Vec<Msg>)>,
}

/// REQ: sends a request, unless one is awaiting its reply (without
/// `relaxed`, libzmq's EFSM).
pub(crate) fn req_send(
    state: &mut State,
    parts: Parts,
) -> Result<(), SendFail<Parts>> {
    let options = &state.classic.options;
    if state.classic.req.awaiting.is_some() && !options.relaxed {
        return Err(SendFail::Fatal(
            ErrorKind::WrongState(
                "a REQ must receive the reply before sending again",
            ),
            parts,
        ));
    }
    let correlate = options.correlate;
    let req = &mut state.classic.req;
    let mut request = parts.prepend(Msg::new());
    let request_id = req.request_id.wrapping_add(1);
    if correlate {
        request = request.prepend(Msg::from(&request_id.to_ne_bytes()[..]));
    }
    match state.peers.send_round_robin(request) {
        Ok(peer) => {
            let req = &mut state.classic.req;
            req.awaiting = Some(peer);
            req.request_id = request_id;
            Ok(())
        }
        Err(fail) => {
            let strip = |request: Parts| {
                let (_, rest) = request.split_first();
                let rest = rest.expect("the request has a body");
                if correlate {
                    rest.split_first().1.expect("the request has a body")
                } else {
                    rest
                }
            };
            Err(match fail {
                SendFail::Again(request) => SendFail::Again(strip(request)),
                SendFail::Fatal(kind, request) => {
                    SendFail::Fatal(kind, strip(request))
                }
            })
        }
    }
}

/// REQ: the reply to the request awaiting one, or `Ok(None)` when it has
/// not come yet. Receiving with no request sent is an error.
pub(crate) fn req_recv(state: &mut State) -> Result<Option<Parts>, ErrorKind> {
    let Some(peer) = state.classic.req.awaiting else {
        return Err(ErrorKind::WrongState(
            "a REQ must send a request before receiving",
        ));
    };
    let correlate = state.classic.options.correlate;
    let request_id = state.classic.req.request_id;
    while let Some((index, parts)) = state.peers.pop_active() {
        if state.peers.id_at(index) != peer {
            continue; // not from the peer asked
        }
        let mut rest = Some(parts);
        if correlate {
            let (id, after) = rest.take().expect("a message").split_first();
            if id.as_bytes() != request_id.to_ne_bytes() {
                continue; // the reply to an older request
            }
            rest = after;
        }
        let Some(parts) = rest else { continue };
        let (delimiter, body) = parts.split_first();
        let (true, Some(body)) = (delimiter.is_empty(), body) else {
            continue; // malformed reply
        };
        state.classic.req.awaiting = None;
        return Ok(Some(body));
    }
    Ok(None)
}

/// REP: the next request's body (its envelope kept for the reply).
/// Receiving again before replying is an error.
pub(crate) fn rep_recv(state: &mut State) -> Result<Option<Parts>, ErrorKind> {
    if state.classic.rep.replying.is_some() {
        return Err(ErrorKind::WrongState(
            "a REP must send the reply before receiving again",
        ));
    }
    while let Some((index, parts)) = state.peers.pop_active() {
        let peer = state.peers.id_at(index);
        let mut frames = parts.into_vec();
        // Up to and including the first empty frame; nothing after it, or
        // no delimiter at all: malformed, dropped.
        let Some(end) = frames.iter().position(Msg::is_empty) else {
            continue;
        };
        if end + 1 == frames.len() {
            continue;
        }
        let body = frames.split_off(end + 1);
        state.classic.rep.replying = Some((peer, frames));
        return Ok(Some(Parts::from_vec(body)));
    }
    Ok(None)
}

/// REP: sends the reply, with the request's envelope, to the peer the
/// request came from. A peer that left or is full loses it, like libzmq.
pub(crate) fn rep_send(
    state: &mut State,
    parts: Parts,
) -> Result<(), SendFail<Parts>> {
    let Some((peer, envelope)) = state.classic.rep.replying.take() else {
        return Err(SendFail::Fatal(
            ErrorKind::WrongState(
                "a REP must receive a request before replying",
            ),
            parts,
        ));
    };
    let mut frames = envelope;
    frames.extend(parts.into_vec());
    if let Some(peer) = state.peers.get(peer) {
        let _ = Parts::from_vec(frames).push_to(&peer.out);
    }
    Ok(())
}
