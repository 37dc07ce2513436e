//! Every command parser (READY, ERROR, PING, PONG, JOIN, LEAVE, SUBSCRIBE, CANCEL, unknown).
//!
//! Two halves, chosen by the first byte:
//! * arbitrary bytes as a command body: `split_name` agrees with `parse`; a parsed command's
//!   `body_len` is the length `encode_body` writes; it re-encodes to the identical bytes
//!   whenever the wire form had nothing the encoder normalises (ERROR: no bytes after the
//!   reason; PING/PONG: context of at most 16 bytes); otherwise it re-encodes to a fixed point
//!   (parse ∘ encode is the identity on the encoded form); `encode` is a command frame around
//!   exactly that body;
//! * a command built from fuzzer data: encode → parse gives it back (within the wire limits).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use zmtp::command::{
    self, split_name, MAX_ERROR_REASON, MAX_GROUP_LEN, MAX_PING_CONTEXT,
};
use zmtp::metadata::MAX_PROPERTIES;
use zmtp::{Command, FrameDecoder, Metadata};

fn encode_body(cmd: &Command) -> BytesMut {
    let mut out = BytesMut::new();
    cmd.encode_body(&mut out);
    assert_eq!(out.len(), cmd.body_len(), "{cmd:?}");
    assert_eq!(cmd.name().len() + 1, 1 + usize::from(out[0]));
    assert_eq!(&out[1..1 + cmd.name().len()], cmd.name());
    // The whole frame: one command frame whose body is exactly the encoded body.
    let mut frame = BytesMut::new();
    cmd.encode(&mut frame);
    let mut dec = FrameDecoder::new(None);
    let f = dec
        .decode(&mut frame)
        .expect("valid frame")
        .expect("complete frame");
    assert!(f.command && !f.more);
    assert!(frame.is_empty());
    assert_eq!(&f.body[..], &out[..]);
    out
}

fn check_wire(body: &[u8]) {
    let body = Bytes::copy_from_slice(body);
    let split = split_name(&body);
    let parsed = Command::parse(&body);
    let Ok(cmd) = parsed else {
        return;
    };
    let (name, data) = split.expect("parse succeeded, so the name splits");
    assert_eq!(cmd.name(), name);
    let encoded = encode_body(&cmd);
    let exact = match &cmd {
        Command::Error(reason) => {
            assert!(reason.len() <= MAX_ERROR_REASON);
            data.len() == 1 + reason.len()
        }
        Command::Ping { context, .. } => {
            assert_eq!(data.len(), 2 + context.len());
            context.len() <= MAX_PING_CONTEXT
        }
        Command::Pong { context } => context.len() <= MAX_PING_CONTEXT,
        Command::Join(g) | Command::Leave(g) => {
            assert!(g.len() <= MAX_GROUP_LEN);
            true
        }
        _ => true,
    };
    if exact {
        assert_eq!(&encoded[..], &body[..], "{cmd:?}");
    } else {
        assert!(encoded.len() < body.len());
    }
    // parse ∘ encode is a fixed point.
    let again = Command::parse(&encoded.clone().freeze())
        .expect("re-encoded command parses");
    assert_eq!(&encode_body(&again)[..], &encoded[..]);
    if exact {
        assert_eq!(again, cmd);
    }
}

#[derive(Arbitrary, Debug)]
enum Built {
    Ready(Vec<(Vec<u8>, Vec<u8>)>),
    Error(Vec<u8>),
    Ping(u16, Vec<u8>),
    Pong(Vec<u8>),
    Join(Vec<u8>),
    Leave(Vec<u8>),
    Subscribe(Vec<u8>),
    Cancel(Vec<u8>),
    Unknown(Vec<u8>, Vec<u8>),
}

const KNOWN: [&[u8]; 8] = [
    command::READY,
    command::ERROR,
    command::PING,
    command::PONG,
    command::JOIN,
    command::LEAVE,
    command::SUBSCRIBE,
    command::CANCEL,
];

fn check_built(built: Built) {
    let cmd = match built {
        Built::Ready(props) => {
            let mut md = Metadata::new();
            for (name, value) in props {
                let count = md.len();
                if md.insert(&name, value).is_err() {
                    assert!(
                        name.is_empty()
                            || name.len() > 255
                            || count == MAX_PROPERTIES
                    );
                }
            }
            Command::Ready(md)
        }
        Built::Error(r) => Command::Error(r.into()),
        Built::Ping(ttl, c) => Command::Ping {
            ttl,
            context: c.into(),
        },
        Built::Pong(c) => Command::Pong { context: c.into() },
        Built::Join(g) => Command::Join(g.into()),
        Built::Leave(g) => Command::Leave(g.into()),
        Built::Subscribe(t) => Command::Subscribe(t.into()),
        Built::Cancel(t) => Command::Cancel(t.into()),
        Built::Unknown(mut name, data) => {
            name.truncate(255);
            Command::Unknown {
                name: name.into(),
                data: data.into(),
            }
        }
    };
    let encoded = encode_body(&cmd).freeze();
    if let Command::Unknown { name, .. } = &cmd {
        // An "unknown" command that carries a known name parses as that command (or fails
        // as one): only the name is kept.
        if KNOWN.contains(&&name[..]) {
            if let Ok(parsed) = Command::parse(&encoded) {
                assert_eq!(parsed.name(), &name[..]);
            }
            return;
        }
    }
    let parsed = Command::parse(&encoded).expect("an encoded command parses");
    let truncate = |b: &Bytes, max: usize| b.slice(..b.len().min(max));
    let expected = match &cmd {
        Command::Error(r) => Command::Error(truncate(r, MAX_ERROR_REASON)),
        Command::Ping { ttl, context } => Command::Ping {
            ttl: *ttl,
            context: truncate(context, MAX_PING_CONTEXT),
        },
        Command::Pong { context } => Command::Pong {
            context: truncate(context, MAX_PING_CONTEXT),
        },
        Command::Join(g) => Command::Join(truncate(g, MAX_GROUP_LEN)),
        Command::Leave(g) => Command::Leave(truncate(g, MAX_GROUP_LEN)),
        other => other.clone(),
    };
    assert_eq!(parsed, expected);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        check_wire(rest);
    } else if let Ok(built) =
        Built::arbitrary_take_rest(Unstructured::new(rest))
    {
        check_built(built);
    }
});
