//! The NULL mechanism (RFC 23, spec §2.2): both sides send `READY` right after the greeting,
//! unless this side authenticates the peer (ZAP), in which case its `READY` waits for the
//! engine's answer and a denial sends `ERROR` instead.

use bytes::Bytes;

use super::{Handshake, Mechanism};
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
}

impl NullMechanism {
    pub(crate) fn new(authenticate: bool) -> NullMechanism {
        NullMechanism {
            auth: Auth::NotRequired,
            authenticate,
            ready_sent: false,
            ready_received: false,
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
        match Command::parse(&frame.body)? {
            Command::Ready(metadata) if !self.ready_received => {
                hs.accept_peer_metadata(metadata)?;
                self.ready_received = true;
                Ok(())
            }
            Command::Error(reason) => {
                Err(ProtocolError::PeerError(escape(&reason)))
            }
            other => {
                Err(ProtocolError::UnexpectedCommand(escape(other.name())))
            }
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
}
