//! Recorded streams in the shapes the fuzz targets (`fuzz/fuzz_targets/`)
//! take:
//!
//! * `greeting`: the 64 greeting bytes a peer sent;
//! * `frame`: what follows the greeting, as the target's structured input
//!   (`Input { limit: None, pieces: [Raw(stream)], splits: [] }` in the
//!   `arbitrary` 1.x byte format, see [`frame_input`]);
//! * `command`: mode byte 0, then one command frame's body;
//! * `metadata`: mode byte 0, then a property list (READY, INITIATE);
//! * `session_null`, `session_plain`, `session_curve`: a program of the
//!   session harness (`fuzz/src/session.rs`) that gives our session under
//!   test the role and socket type of the recorded receiver and feeds it the
//!   peer's recorded bytes (op 5, at most 255 bytes an op), and nothing else.
//!
//! Only libzmq's side of each conversation is used: our own encoder's output
//! is what the `seed-*` corpora already hold.

use zmtp::{FrameHeader, Greeting, Metadata, GREETING_LEN};

use super::sessions::{Case, Mech, Pattern, Side};
use super::Recording;

/// Largest stream put into one seed (the frame seed takes two bytes per
/// stream byte).
pub const MAX_STREAM: usize = 6 * 1024;
/// At most this many command seeds with the same command name.
const PER_COMMAND: usize = 4;

/// One seed file: `corpus/<target>/<name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// Fuzz target (directory under `fuzz/corpus/`).
    pub target: &'static str,
    /// File name, `rec-...`.
    pub name: String,
    /// Contents.
    pub data: Vec<u8>,
}

/// A stream cut into its greeting and its complete frames
/// `(command, body)`; an incomplete tail is left out.
pub struct Units<'a> {
    /// The 64 greeting bytes, if the stream has them.
    pub greeting: Option<&'a [u8]>,
    /// Everything after the greeting.
    pub after_greeting: &'a [u8],
    /// The complete frames after the greeting: `(command flag, body)`.
    pub frames: Vec<(bool, &'a [u8])>,
}

/// Cuts a recorded stream into greeting and frames.
pub fn units(stream: &[u8]) -> Units<'_> {
    if stream.len() < GREETING_LEN
        || Greeting::decode(&stream[..GREETING_LEN]).is_err()
    {
        return Units {
            greeting: None,
            after_greeting: &[],
            frames: Vec::new(),
        };
    }
    let (greeting, after_greeting) = stream.split_at(GREETING_LEN);
    let mut frames = Vec::new();
    let mut rest = after_greeting;
    while let Some((header, header_len)) = FrameHeader::parse(rest) {
        let Some(end) = usize::try_from(header.len)
            .ok()
            .and_then(|len| len.checked_add(header_len))
            .filter(|&end| end <= rest.len())
        else {
            break;
        };
        frames.push((header.command, &rest[header_len..end]));
        rest = &rest[end..];
    }
    Units {
        greeting: Some(greeting),
        after_greeting,
        frames,
    }
}

/// A command body's name (`\x05READY...` → `READY`).
pub fn command_name(body: &[u8]) -> Option<&[u8]> {
    let (&len, rest) = body.split_first()?;
    rest.get(..usize::from(len))
}

/// The `frame` target's input for one raw stream: `Limit::None` (a `u32`
/// choosing variant 0 of 3), `pieces` = one `Piece::Raw` (a "more" byte,
/// the `u32` choosing variant 3 of 4, then the bytes, each after a "more"
/// byte, then the end of both lists), `splits` empty (the rest). `arbitrary`
/// picks variant `(u32 * count) >> 32` and reads integers little-endian.
pub fn frame_input(stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * stream.len() + 12);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(1);
    out.extend_from_slice(&0xC000_0000u32.to_le_bytes());
    for &b in stream {
        out.extend_from_slice(&[1, b]);
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// Op 5 of the session harness: feed these bytes (at most 255) as they are.
const OP_BYTES: u8 = 5;

/// Op 9 of the session harness with operand 0: allow the pending
/// authentication request of the session under test.
const OP_ALLOW: [u8; 2] = [9, 0];

/// A session program: `flags` (bit 0: our session is the mechanism server),
/// our socket type's index in the harness's table, then `stream` in op-5
/// pieces; with `allow_at`, an "allow" answer to the session's
/// authentication request once that many bytes were fed (a PLAIN server
/// asks after HELLO, and the INITIATE that follows is only legal after it
/// answered).
pub fn session_program(
    flags: u8,
    socket: u8,
    stream: &[u8],
    allow_at: Option<usize>,
) -> Vec<u8> {
    let at = allow_at.unwrap_or(stream.len()).min(stream.len());
    let mut out = vec![flags, socket];
    for (i, part) in [&stream[..at], &stream[at..]].into_iter().enumerate() {
        if i == 1 && allow_at.is_some() {
            out.extend_from_slice(&OP_ALLOW);
        }
        for chunk in part.chunks(255) {
            out.push(OP_BYTES);
            out.push(chunk.len() as u8);
            out.extend_from_slice(chunk);
        }
    }
    out
}

/// Where the first command frame named `name` ends in `stream`.
fn end_of_command(stream: &[u8], name: &[u8]) -> Option<usize> {
    let u = units(stream);
    let (_, body) = u
        .frames
        .iter()
        .find(|(command, body)| *command && command_name(body) == Some(name))?;
    Some(body.as_ptr() as usize - stream.as_ptr() as usize + body.len())
}

/// The harness's socket-type index (`SOCKET_TYPES` in `fuzz/src/session.rs`)
/// of our session when it receives `stream` in `case`, and whether it is the
/// mechanism server; `None` for the patterns the harness does not have.
fn harness_role(case: &Case, to_server: bool) -> Option<(u8, u8)> {
    // (index of the server-type socket, index of the client-type socket)
    let (server, client) = match case.pattern {
        Pattern::ClientServer => (1, 0),
        Pattern::RadioDish => (2, 3),
        Pattern::DealerRouter | Pattern::PubSub => return None,
    };
    Some(if to_server { (1, server) } else { (0, client) })
}

fn session_target(mech: Mech) -> &'static str {
    match mech {
        Mech::Null => "session_null",
        Mech::Plain => "session_plain",
        Mech::Curve => "session_curve",
    }
}

/// The seeds one recorded session gives (before de-duplication across
/// sessions: see [`dedup`]).
pub fn seeds(case: &Case, recording: &Recording) -> Vec<Seed> {
    // libzmq's side: what the server sent if libzmq binds, else the client.
    let (stream, to_server) = match case.server {
        Side::Libzmq => (&recording.to_client, false),
        Side::Ours => (&recording.to_server, true),
    };
    let stream = &stream[..stream.len().min(MAX_STREAM)];
    let base = format!("rec-{}-from-lz", case.name());
    let mut out = Vec::new();
    let u = units(stream);
    if let Some(greeting) = u.greeting {
        out.push(Seed {
            target: "greeting",
            name: base.clone(),
            data: greeting.to_vec(),
        });
    }
    if !u.frames.is_empty()
        && (case.mech == Mech::Null || case.server == Side::Libzmq)
    {
        out.push(Seed {
            target: "frame",
            name: base.clone(),
            data: frame_input(u.after_greeting),
        });
    }
    for (i, &(command, body)) in u.frames.iter().enumerate() {
        // CURVE's MESSAGE travels in data frames.
        let Some(name) =
            command_name(body).filter(|n| command || *n == b"MESSAGE")
        else {
            continue;
        };
        let label = String::from_utf8_lossy(name).to_ascii_lowercase();
        out.push(Seed {
            target: "command",
            name: format!("{base}-{i}-{label}"),
            data: [&[0u8][..], body].concat(),
        });
        let props = &body[1 + name.len()..];
        if (name == b"READY" || name == b"INITIATE")
            && Metadata::decode(props).is_ok()
        {
            out.push(Seed {
                target: "metadata",
                name: format!("{base}-{i}-{label}"),
                data: [&[0u8][..], props].concat(),
            });
        }
    }
    if let Some((flags, socket)) = harness_role(case, to_server) {
        let allow_at = match case.mech {
            Mech::Plain if to_server => end_of_command(stream, b"HELLO"),
            _ => None,
        };
        out.push(Seed {
            target: session_target(case.mech),
            name: base,
            data: session_program(flags, socket, stream, allow_at),
        });
    }
    out
}

/// Drops seeds whose contents another seed of the same target already has,
/// and command seeds beyond `PER_COMMAND` (4) of one command name.
pub fn dedup(seeds: Vec<Seed>) -> Vec<Seed> {
    let mut kept: Vec<Seed> = Vec::new();
    let mut per_command: Vec<(Vec<u8>, usize)> = Vec::new();
    for seed in seeds {
        if kept
            .iter()
            .any(|k| k.target == seed.target && k.data == seed.data)
        {
            continue;
        }
        if seed.target == "command" {
            let name =
                command_name(&seed.data[1..]).unwrap_or_default().to_vec();
            match per_command.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) if *count >= PER_COMMAND => continue,
                Some((_, count)) => *count += 1,
                None => per_command.push((name, 1)),
            }
        }
        kept.push(seed);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_cut_greeting_and_frames() {
        let mut stream = Greeting::new("NULL", false).encode().to_vec();
        stream.extend_from_slice(&[0x04, 6, 5, b'R', b'E', b'A', b'D', b'Y']);
        stream.extend_from_slice(&[0x00, 2, b'h', b'i', 0x00, 5, b'x']);
        let u = units(&stream);
        assert_eq!(u.greeting.map(<[u8]>::len), Some(GREETING_LEN));
        assert_eq!(
            u.frames,
            vec![(true, &b"\x05READY"[..]), (false, &b"hi"[..])]
        );
        assert_eq!(units(b"GET / HTTP/1.1\r\n").frames.len(), 0);
    }

    #[test]
    fn session_program_feeds_the_stream_in_pieces() {
        let stream: Vec<u8> = (0..600).map(|i| i as u8).collect();
        let p = session_program(1, 3, &stream, None);
        assert_eq!(&p[..4], &[1, 3, OP_BYTES, 255]);
        assert_eq!(p.len(), 2 + 3 * 2 + 600);
        assert_eq!(&p[2 + 2 + 255..][..2], &[OP_BYTES, 255]);
        assert_eq!(&p[p.len() - 90 - 2..][..2], &[OP_BYTES, 90]);
        let p = session_program(0, 0, &stream[..10], Some(4));
        assert_eq!(
            p,
            [
                &[0, 0, OP_BYTES, 4][..],
                &stream[..4],
                &OP_ALLOW,
                &[OP_BYTES, 6],
                &stream[4..10]
            ]
            .concat()
        );
    }

    #[test]
    fn frame_input_layout() {
        assert_eq!(
            frame_input(b"ab"),
            vec![0, 0, 0, 0, 1, 0, 0, 0, 0xC0, 1, b'a', 1, b'b', 0, 0]
        );
    }
}
