//! The NULL mechanism (RFC 23, spec §2.2): both sides send `READY` right after the greeting,
//! unless this side authenticates the peer (ZAP), in which case its `READY` waits for the
//! engine's answer and a denial sends `ERROR` instead.
//!
//! A peer `READY` that arrives while the authentication request is outstanding is kept
//! undecoded and only parsed once the peer is allowed: a denied peer never gets its metadata
//! parsed.

use bytes::Bytes;

use super::{
    accept_metadata, peer_error, ready_or_error, Handshake, Mechanism,
    MAX_ERROR_BODY,
};
use crate::command::{self, Command};
use crate::error::{escape, ProtocolError};
use crate::frame::Frame;

/// Authentication progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Auth {
    /// This side does not authenticate the peer.
    NotRequired,
    /// Waiting for the engine's answer.
    Pending,
    /// The engine allowed the peer.
    Allowed,
    /// The engine denied the peer.
    Denied,
}

/// NULL handshake state.
#[derive(Debug)]
pub(crate) struct NullMechanism {
    auth: Auth,
    authenticate: bool,
    ready_sent: bool,
    ready_received: bool,
    /// The peer's metadata, received before the authentication reply.
    pending_metadata: Option<Bytes>,
}

impl NullMechanism {
    pub(crate) fn new(authenticate: bool) -> NullMechanism {
        NullMechanism {
            auth: Auth::NotRequired,
            authenticate,
            ready_sent: false,
            ready_received: false,
            pending_metadata: None,
        }
    }

    fn send_ready(&mut self, hs: &mut Handshake<'_>) {
        hs.send_ready();
        self.ready_sent = true;
    }
}

impl Mechanism for NullMechanism {
    fn start(&mut self, hs: &mut Handshake<'_>) -> Result<(), ProtocolError> {
        if self.authenticate {
            self.auth = Auth::Pending;
            hs.request_auth("NULL", Vec::new());
        } else {
            self.send_ready(hs);
        }
        Ok(())
    }

    fn handle_frame(
        &mut self,
        frame: Frame,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        // libzmq hands every handshake frame to the mechanism whether or not it has the
        // COMMAND flag, so a READY sent as a data frame is accepted. Anything else that is not
        // flagged as a command is reported as data sent too early.
        if !frame.command
            && !matches!(
                command::split_name(&frame.body),
                Ok((command::READY | command::ERROR, _))
            )
        {
            return Err(ProtocolError::DataBeforeReady);
        }
        let (name, _) = command::split_name(&frame.body)?;
        let data = frame.body.slice(1 + name.len()..);
        match name {
            command::READY if !self.ready_received => {
                if self.auth == Auth::Pending {
                    self.pending_metadata = Some(data);
                } else {
                    accept_metadata(&data, hs)?;
                }
                self.ready_received = true;
                Ok(())
            }
            command::ERROR => Err(peer_error(&data)),
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
    }

    fn auth_reply(
        &mut self,
        result: Result<(), u16>,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        if self.auth != Auth::Pending {
            return Ok(());
        }
        match result {
            Ok(()) => {
                self.auth = Auth::Allowed;
                if let Some(data) = self.pending_metadata.take() {
                    accept_metadata(&data, hs)?;
                }
                self.send_ready(hs);
                Ok(())
            }
            Err(status) => {
                self.auth = Auth::Denied;
                // libzmq: 400/500 → ERROR with the code; 300 (temporary) → no ERROR.
                if !(300..400).contains(&status) {
                    hs.send(&Command::Error(Bytes::from(status.to_string())));
                }
                Err(ProtocolError::AuthFailed { status })
            }
        }
    }

    fn is_ready(&self) -> bool {
        self.ready_sent && self.ready_received
    }

    fn max_frame_size(&self, max_metadata: u64) -> u64 {
        if self.ready_received {
            MAX_ERROR_BODY
        } else {
            ready_or_error(max_metadata)
        }
    }
}
