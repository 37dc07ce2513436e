//! ZMTP commands: `name_len:u8 ‖ name ‖ data` carried in a command frame (spec §1.5).
//!
//! Names are compared case-sensitively, like libzmq.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::ProtocolError;
use crate::frame::{self, MAX_HEADER_LEN};
use crate::metadata::Metadata;

/// `READY` command name.
pub const READY: &[u8] = b"READY";
/// `ERROR` command name.
pub const ERROR: &[u8] = b"ERROR";
/// `PING` command name.
pub const PING: &[u8] = b"PING";
/// `PONG` command name.
pub const PONG: &[u8] = b"PONG";
/// `JOIN` command name.
pub const JOIN: &[u8] = b"JOIN";
/// `LEAVE` command name.
pub const LEAVE: &[u8] = b"LEAVE";
/// `SUBSCRIBE` command name.
pub const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
/// `CANCEL` command name.
pub const CANCEL: &[u8] = b"CANCEL";

/// Longest PING context allowed by RFC 37 (libzmq echoes at most this much in PONG).
pub const MAX_PING_CONTEXT: usize = 16;
/// Longest RADIO/DISH group (`ZMQ_GROUP_MAX_LENGTH`).
pub const MAX_GROUP_LEN: usize = 255;
/// Longest `ERROR` reason.
pub const MAX_ERROR_REASON: usize = 255;

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `READY` with the sender's metadata.
    Ready(Metadata),
    /// `ERROR` with its reason (libzmq sends a 3-digit ZAP status such as `400`).
    Error(Bytes),
    /// `PING`: time-to-live in deciseconds and an opaque context (kept as received, even if
    /// longer than 16 bytes).
    Ping {
        /// Time to live in tenths of a second (0 = none).
        ttl: u16,
        /// Context to echo in the `PONG`.
        context: Bytes,
    },
    /// `PONG` echoing a `PING` context.
    Pong {
        /// The echoed context.
        context: Bytes,
    },
    /// `JOIN` a RADIO/DISH group (0..=255 bytes).
    Join(Bytes),
    /// `LEAVE` a RADIO/DISH group (0..=255 bytes).
    Leave(Bytes),
    /// `SUBSCRIBE` to a PUB/SUB topic (ZMTP 3.1).
    Subscribe(Bytes),
    /// `CANCEL` a PUB/SUB subscription (ZMTP 3.1).
    Cancel(Bytes),
    /// Any other command (including an empty name).
    Unknown {
        /// The command name.
        name: Bytes,
        /// Everything after the name.
        data: Bytes,
    },
}

/// Splits a command body into `(name, data)` without interpreting it.
pub fn split_name(body: &[u8]) -> Result<(&[u8], &[u8]), ProtocolError> {
    let (&name_len, rest) = body
        .split_first()
        .ok_or(ProtocolError::MalformedCommand("empty command frame"))?;
    let name_len = usize::from(name_len);
    if name_len > rest.len() {
        return Err(ProtocolError::MalformedCommand(
            "command name longer than the frame",
        ));
    }
    Ok(rest.split_at(name_len))
}

impl Command {
    /// Parses a command body (`name_len ‖ name ‖ data`). Data fields are zero-copy slices of
    /// `body`.
    pub fn parse(body: &Bytes) -> Result<Command, ProtocolError> {
        let (name, data) = split_name(body)?;
        let data_start = 1 + name.len();
        let data_bytes = body.slice(data_start..);
        Ok(match name {
            READY => Command::Ready(Metadata::decode_bytes(&data_bytes)?),
            ERROR => {
                let (&reason_len, reason) = data.split_first().ok_or(
                    ProtocolError::MalformedCommand("ERROR without a reason"),
                )?;
                let reason_len = usize::from(reason_len);
                if reason_len > reason.len() {
                    return Err(ProtocolError::MalformedCommand(
                        "ERROR reason longer than the frame",
                    ));
                }
                // Bytes after the reason are ignored, like libzmq.
                let start = data_start + 1;
                Command::Error(body.slice(start..start + reason_len))
            }
            PING => {
                let ttl: [u8; 2] =
                    data.get(..2).and_then(|t| t.try_into().ok()).ok_or(
                        ProtocolError::MalformedCommand("PING without a TTL"),
                    )?;
                Command::Ping {
                    ttl: u16::from_be_bytes(ttl),
                    context: body.slice(data_start + 2..),
                }
            }
            PONG => Command::Pong {
                context: data_bytes,
            },
            JOIN => Command::Join(group(
                data_bytes,
                "JOIN group longer than 255 bytes",
            )?),
            LEAVE => Command::Leave(group(
                data_bytes,
                "LEAVE group longer than 255 bytes",
            )?),
            SUBSCRIBE => Command::Subscribe(data_bytes),
            CANCEL => Command::Cancel(data_bytes),
            _ => Command::Unknown {
                name: body.slice(1..data_start),
                data: data_bytes,
            },
        })
    }

    /// The command name.
    pub fn name(&self) -> &[u8] {
        match self {
            Command::Ready(_) => READY,
            Command::Error(_) => ERROR,
            Command::Ping { .. } => PING,
            Command::Pong { .. } => PONG,
            Command::Join(_) => JOIN,
            Command::Leave(_) => LEAVE,
            Command::Subscribe(_) => SUBSCRIBE,
            Command::Cancel(_) => CANCEL,
            Command::Unknown { name, .. } => truncated(name, 255),
        }
    }

    /// Length of the body [`encode_body`](Command::encode_body) produces.
    pub fn body_len(&self) -> usize {
        let data = match self {
            Command::Ready(md) => md.encoded_len(),
            Command::Error(reason) => {
                1 + truncated(reason, MAX_ERROR_REASON).len()
            }
            Command::Ping { context, .. } => {
                2 + truncated(context, MAX_PING_CONTEXT).len()
            }
            Command::Pong { context } => {
                truncated(context, MAX_PING_CONTEXT).len()
            }
            Command::Join(g) | Command::Leave(g) => {
                truncated(g, MAX_GROUP_LEN).len()
            }
            Command::Subscribe(t) | Command::Cancel(t) => t.len(),
            Command::Unknown { data, .. } => data.len(),
        };
        data.saturating_add(1 + self.name().len())
    }

    /// Appends the command body (without frame header) to `out`.
    ///
    /// Fields that cannot be longer on the wire are truncated: an `ERROR` reason, a
    /// `JOIN`/`LEAVE` group and an unknown name to 255 bytes, a `PING`/`PONG` context to 16
    /// bytes (libzmq echoes only the first 16 bytes of a longer context).
    pub fn encode_body(&self, out: &mut BytesMut) {
        out.reserve(self.body_len());
        let name = self.name();
        // `name()` is at most 255 bytes.
        out.put_u8(u8::try_from(name.len()).unwrap_or(u8::MAX));
        out.put_slice(name);
        match self {
            Command::Ready(md) => md.encode(out),
            Command::Error(reason) => {
                let reason = truncated(reason, MAX_ERROR_REASON);
                out.put_u8(u8::try_from(reason.len()).unwrap_or(u8::MAX));
                out.put_slice(reason);
            }
            Command::Ping { ttl, context } => {
                out.put_u16(*ttl);
                out.put_slice(truncated(context, MAX_PING_CONTEXT));
            }
            Command::Pong { context } => {
                out.put_slice(truncated(context, MAX_PING_CONTEXT))
            }
            Command::Join(g) | Command::Leave(g) => {
                out.put_slice(truncated(g, MAX_GROUP_LEN))
            }
            Command::Subscribe(t) | Command::Cancel(t) => out.put_slice(t),
            Command::Unknown { data, .. } => out.put_slice(data),
        }
    }

    /// Appends the whole command frame (flags `0x04` or `0x06`, size, body) to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        let len = self.body_len();
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = frame::encode_header(false, true, len, &mut header);
        out.reserve(n.saturating_add(len));
        out.put_slice(&header[..n]);
        self.encode_body(out);
    }
}

fn group(data: Bytes, too_long: &'static str) -> Result<Bytes, ProtocolError> {
    if data.len() > MAX_GROUP_LEN {
        return Err(ProtocolError::MalformedCommand(too_long));
    }
    Ok(data)
}

fn truncated(bytes: &[u8], max: usize) -> &[u8] {
    bytes.get(..max).unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(cmd: &Command) -> Vec<u8> {
        let mut out = BytesMut::new();
        cmd.encode(&mut out);
        assert_eq!(
            out.len(),
            cmd.body_len() + if cmd.body_len() > 255 { 9 } else { 2 }
        );
        out.to_vec()
    }

    fn parse(bytes: &[u8]) -> Result<Command, ProtocolError> {
        Command::parse(&Bytes::copy_from_slice(bytes))
    }

    fn ready(socket_type: &str) -> Command {
        let mut md = Metadata::new();
        md.insert("Socket-Type", socket_type.to_owned()).unwrap();
        Command::Ready(md)
    }

    #[test]
    fn ready_golden_bytes() {
        let server: &[u8] = &[
            0x04, 0x1c, 0x05, 0x52, 0x45, 0x41, 0x44, 0x59, 0x0b, 0x53, 0x6f,
            0x63, 0x6b, 0x65, 0x74, 0x2d, 0x54, 0x79, 0x70, 0x65, 0x00, 0x00,
            0x00, 0x06, 0x53, 0x45, 0x52, 0x56, 0x45, 0x52,
        ];
        assert_eq!(frame(&ready("SERVER")), server);
        assert_eq!(parse(&server[2..]).unwrap(), ready("SERVER"));
        for (name, size) in [
            ("CLIENT", 0x1c),
            ("RADIO", 0x1b),
            ("DISH", 0x1a),
            ("GATHER", 0x1c),
            ("SCATTER", 0x1d),
        ] {
            let mut expected = vec![0x04, size, 0x05];
            expected.extend_from_slice(b"READY\x0bSocket-Type\x00\x00\x00");
            expected.push(name.len() as u8);
            expected.extend_from_slice(name.as_bytes());
            assert_eq!(frame(&ready(name)), expected, "{name}");
        }
    }

    #[test]
    fn ping_pong_golden_bytes() {
        let ping = Command::Ping {
            ttl: 15,
            context: Bytes::new(),
        };
        assert_eq!(
            frame(&ping),
            [0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x0f]
        );
        assert_eq!(
            parse(&[0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x0f]).unwrap(),
            ping
        );
        let pong = Command::Pong {
            context: Bytes::new(),
        };
        assert_eq!(frame(&pong), [0x04, 0x05, 0x04, 0x50, 0x4f, 0x4e, 0x47]);
        assert_eq!(parse(b"\x04PONG").unwrap(), pong);
        // Context echo: "LOL".
        assert_eq!(
            parse(b"\x04PING\x00\x00LOL").unwrap(),
            Command::Ping {
                ttl: 0,
                context: Bytes::from_static(b"LOL")
            }
        );
        let pong = Command::Pong {
            context: Bytes::from_static(b"LOL"),
        };
        assert_eq!(frame(&pong), b"\x04\x08\x04PONGLOL");
        // Longer contexts are kept on parse and truncated to 16 on encode.
        let long = [b'x'; 58];
        let mut body = b"\x04PING\x00\x01".to_vec();
        body.extend_from_slice(&long);
        let Command::Ping { ttl, context } = parse(&body).unwrap() else {
            panic!("not a ping")
        };
        assert_eq!(ttl, 1);
        assert_eq!(context.len(), 58);
        let pong = frame(&Command::Pong { context });
        assert_eq!(&pong[..3], &[0x04, 0x15, 0x04]);
        assert_eq!(&pong[7..], &long[..16]);
    }

    #[test]
    fn join_leave_golden_bytes() {
        let join = Command::Join(Bytes::from_static(b"Movies"));
        assert_eq!(frame(&join), b"\x04\x0b\x04JOINMovies");
        assert_eq!(parse(b"\x04JOINMovies").unwrap(), join);
        let leave = Command::Leave(Bytes::from_static(b"Movies"));
        assert_eq!(frame(&leave), b"\x04\x0c\x05LEAVEMovies");
        assert_eq!(parse(b"\x05LEAVEMovies").unwrap(), leave);
        assert_eq!(
            parse(b"\x04JOIN").unwrap(),
            Command::Join(Bytes::new()),
            "empty group"
        );
        let mut max = b"\x04JOIN".to_vec();
        max.extend_from_slice(&[b'g'; 255]);
        assert!(
            matches!(parse(&max).unwrap(), Command::Join(g) if g.len() == 255)
        );
        // Encoding a too-long group truncates instead of producing something libzmq aborts on.
        let long = Command::Join(Bytes::from(vec![b'g'; 300]));
        assert_eq!(long.body_len(), 5 + 255);
    }

    #[test]
    fn error_golden_bytes() {
        let err = Command::Error(Bytes::from_static(b"400"));
        let bytes = [
            0x04, 0x0a, 0x05, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x03, 0x34, 0x30,
            0x30,
        ];
        assert_eq!(frame(&err), bytes);
        assert_eq!(parse(&bytes[2..]).unwrap(), err);
        // Trailing bytes after the reason are ignored, empty reason is fine.
        assert_eq!(parse(b"\x05ERROR\x03400xyz").unwrap(), err);
        assert_eq!(
            parse(b"\x05ERROR\x00").unwrap(),
            Command::Error(Bytes::new())
        );
        let long = Command::Error(Bytes::from(vec![b'e'; 300]));
        assert_eq!(frame(&long).len(), 9 + 6 + 1 + 255);
    }

    #[test]
    fn subscribe_cancel_unknown() {
        let sub = Command::Subscribe(Bytes::from_static(b"topic"));
        assert_eq!(frame(&sub), b"\x04\x0f\x09SUBSCRIBEtopic");
        assert_eq!(parse(b"\x09SUBSCRIBEtopic").unwrap(), sub);
        let cancel = Command::Cancel(Bytes::from_static(b"topic"));
        assert_eq!(frame(&cancel), b"\x04\x0c\x06CANCELtopic");
        assert_eq!(parse(b"\x06CANCELtopic").unwrap(), cancel);
        let unknown = parse(b"\x06FOOBARdata").unwrap();
        assert_eq!(
            unknown,
            Command::Unknown {
                name: Bytes::from_static(b"FOOBAR"),
                data: Bytes::from_static(b"data")
            }
        );
        assert_eq!(frame(&unknown), b"\x04\x0b\x06FOOBARdata");
        // Case-sensitive names.
        assert!(matches!(
            parse(b"\x05ready").unwrap(),
            Command::Unknown { .. }
        ));
        assert!(matches!(
            parse(b"\x04ping").unwrap(),
            Command::Unknown { .. }
        ));
        // Empty name.
        assert_eq!(
            parse(b"\x00").unwrap(),
            Command::Unknown {
                name: Bytes::new(),
                data: Bytes::new()
            }
        );
    }

    #[test]
    fn long_command_frame() {
        let mut md = Metadata::new();
        md.insert("X-Big", vec![b'v'; 300]).unwrap();
        let cmd = Command::Ready(md);
        let bytes = frame(&cmd);
        assert_eq!(bytes[0], 0x06);
        assert_eq!(&bytes[1..9], &(cmd.body_len() as u64).to_be_bytes());
        assert_eq!(parse(&bytes[9..]).unwrap(), cmd);
    }

    #[test]
    fn malformed() {
        let cases: [(&[u8], ProtocolError); 10] = [
            (b"", ProtocolError::MalformedCommand("empty command frame")),
            (
                b"\x05REA",
                ProtocolError::MalformedCommand(
                    "command name longer than the frame",
                ),
            ),
            (
                b"\xffREADY",
                ProtocolError::MalformedCommand(
                    "command name longer than the frame",
                ),
            ),
            (
                b"\x05ERROR",
                ProtocolError::MalformedCommand("ERROR without a reason"),
            ),
            (
                b"\x05ERROR\x0340",
                ProtocolError::MalformedCommand(
                    "ERROR reason longer than the frame",
                ),
            ),
            (
                b"\x04PING",
                ProtocolError::MalformedCommand("PING without a TTL"),
            ),
            (
                b"\x04PING\x01",
                ProtocolError::MalformedCommand("PING without a TTL"),
            ),
            (
                b"\x05READY\x01",
                ProtocolError::MalformedMetadata("truncated property name"),
            ),
            (
                b"\x05READY\x0bSocket-Type\x00\x00\x00\x07SERVER",
                ProtocolError::MalformedMetadata(
                    "property value longer than the remaining data",
                ),
            ),
            (
                b"\x05READY\x0bSocket-Type\x00\x00\x00\x06SERVER\x01",
                ProtocolError::MalformedMetadata("truncated property name"),
            ),
        ];
        for (bytes, err) in cases {
            assert_eq!(parse(bytes), Err(err), "{bytes:?}");
        }
        let mut join = b"\x04JOIN".to_vec();
        join.extend_from_slice(&[b'g'; 256]);
        assert_eq!(
            parse(&join),
            Err(ProtocolError::MalformedCommand(
                "JOIN group longer than 255 bytes"
            ))
        );
        let mut leave = b"\x05LEAVE".to_vec();
        leave.extend_from_slice(&[b'g'; 300]);
        assert_eq!(
            parse(&leave),
            Err(ProtocolError::MalformedCommand(
                "LEAVE group longer than 255 bytes"
            ))
        );
    }

    #[test]
    fn split_name_works() {
        assert_eq!(split_name(b"\x04PINGxy"), Ok((&b"PING"[..], &b"xy"[..])));
        assert!(split_name(b"").is_err());
        assert!(split_name(b"\x02a").is_err());
    }
}
