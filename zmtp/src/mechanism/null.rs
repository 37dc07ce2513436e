//! The NULL mechanism (RFC 23, spec §2.2): both sides send `READY` right after the greeting,
//! unless this side authenticates the peer (ZAP), in which case its `READY` waits for the
//! engine's answer and a denial sends `ERROR` instead.
//!
//! A peer `READY` that arrives while the authentication request is outstanding is kept
//! undecoded and only parsed once the peer is allowed: a denied peer never gets its metadata
//! parsed.

use bytes::Bytes;

use super::{
    accept_metadata, handshake_command, ready_or_error, Handshake, Mechanism,
    MAX_ERROR_BODY,
};
use crate::command;
use crate::error::{escape, ProtocolError};
use crate::frame::Frame;

/// NULL handshake state.
#[derive(Debug)]
pub(crate) struct NullMechanism {
    authenticate: bool,
    /// An authentication request is outstanding.
    auth_pending: bool,
    ready_sent: bool,
    ready_received: bool,
    /// The peer's metadata, received before the authentication reply.
    pending_metadata: Option<Bytes>,
}

impl NullMechanism {
    pub(crate) fn new(authenticate: bool) -> NullMechanism {
        NullMechanism {
            authenticate,
            auth_pending: false,
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
            self.auth_pending = true;
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
        let (name, data) = handshake_command(&frame, &[command::READY])?;
        match name {
            command::READY if !self.ready_received => {
                if self.auth_pending {
                    self.pending_metadata = Some(data);
                } else {
                    accept_metadata(&data, hs)?;
                }
                self.ready_received = true;
                Ok(())
            }
            _ => Err(ProtocolError::UnexpectedCommand(escape(name))),
        }
    }

    fn awaiting_auth(&self) -> bool {
        self.auth_pending
    }

    fn auth_allowed(
        &mut self,
        hs: &mut Handshake<'_>,
    ) -> Result<(), ProtocolError> {
        self.auth_pending = false;
        if let Some(data) = self.pending_metadata.take() {
            accept_metadata(&data, hs)?;
        }
        self.send_ready(hs);
        Ok(())
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
