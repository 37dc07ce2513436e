//! Deterministic CURVE vectors (spec §2.4, computed with libsodium on libzmq's test keys) and
//! the MESSAGE channel.

use bytes::{Bytes, BytesMut};

use super::crypto::{beforenm, short_nonce, BoxKey, TAG_LEN};
use super::*;

/// Decodes a hex string (whitespace ignored).
pub(crate) fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => panic!("not hex: {b}"),
        })
        .collect();
    digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
}

pub(crate) fn key(text: &str) -> [u8; KEY_LEN] {
    unhex(text).try_into().unwrap()
}

pub(crate) const SERVER_SECRET: &str =
    "8e0bdd697628b91d8f245587ee95c5b04d48963f79259877b49cd9063aead3b7";
pub(crate) const SERVER_PUBLIC: &str =
    "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652";
pub(crate) const CLIENT_SECRET: &str =
    "7bb864b489afa3671fbe69101f94b38972f24816dfb01b51656b3fec8dfd0888";
pub(crate) const CLIENT_PUBLIC: &str =
    "bb88471d65e2659b30c55a5321cebb5aab2b70a398645c26dca2b2fcb43fc518";
/// Box[64×00](c' → S), nonce `CurveZMQHELLO---` ‖ 1, with the client pair as C'/c'.
pub(crate) const HELLO_BOX: &str =
    "3fc780d97ca169864dd85deee9599a695b6a48ab29f486181e07d0ce626ea1d2
     f7413adb9692fbe1327a7ea60c93d4d355ab4f765756b3787193af9155f64666
     68fa6cabb8f0123fb4a112499c31de7a";
/// beforenm(S, c').
const BEFORENM: &str =
    "0e8790cb0dc8703af2533cc8594eecfbf62ca560a66ebee1259cc0a30435c6f3";
/// MESSAGE box, nonce `CurveZMQMESSAGEC` ‖ 3, plaintext `00 'hello'`.
pub(crate) const HELLO_MESSAGE_BOX: &str =
    "013a355db8cd0a67ce2782cb058d0ea6a4117ce5c449";
/// MESSAGE box, nonce `CurveZMQMESSAGEC` ‖ 4, plaintext `02 04 'PING' 00 0f`.
pub(crate) const PING_MESSAGE_BOX: &str =
    "be84afef250aeb34a53b934bf65424677e01faf259a708e3";

#[test]
fn key_derivation() {
    assert_eq!(curve_public_key(&key(SERVER_SECRET)), key(SERVER_PUBLIC));
    assert_eq!(curve_public_key(&key(CLIENT_SECRET)), key(CLIENT_PUBLIC));
    // The Z85 forms of spec §2.4.
    let z85 = |k: &str| crate::z85::encode(&key(k)).unwrap();
    assert_eq!(
        z85(SERVER_SECRET),
        "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
    );
    assert_eq!(
        z85(SERVER_PUBLIC),
        "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    );
    assert_eq!(
        z85(CLIENT_SECRET),
        "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
    );
    assert_eq!(
        z85(CLIENT_PUBLIC),
        "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    );
}

#[test]
fn keypair_is_random_and_consistent() {
    let (public, secret) = curve_keypair();
    assert_eq!(curve_public_key(&secret), public);
    let (public2, secret2) = curve_keypair();
    assert_ne!(secret, secret2);
    assert_ne!(public, public2);
    assert_eq!(crate::z85::encode(&public).unwrap().len(), 40);
}

#[test]
fn hello_box_vector() {
    let c = StaticSecret::from(key(CLIENT_SECRET));
    let hello = BoxKey::new(&key(SERVER_PUBLIC), &c).unwrap();
    let mut boxed = [0u8; TAG_LEN + 64];
    hello.seal_in_place(&short_nonce(b"CurveZMQHELLO---", 1), &mut boxed);
    assert_eq!(boxed.to_vec(), unhex(HELLO_BOX));
    // The server opens it with (C', s).
    let s = StaticSecret::from(key(SERVER_SECRET));
    let open = BoxKey::new(&key(CLIENT_PUBLIC), &s).unwrap();
    let text = open
        .open(&short_nonce(b"CurveZMQHELLO---", 1), &boxed, "x")
        .unwrap();
    assert_eq!(text, [0u8; 64]);
}

#[test]
fn beforenm_vector() {
    let c = StaticSecret::from(key(CLIENT_SECRET));
    let s = StaticSecret::from(key(SERVER_SECRET));
    assert_eq!(*beforenm(&key(SERVER_PUBLIC), &c).unwrap(), key(BEFORENM));
    assert_eq!(*beforenm(&key(CLIENT_PUBLIC), &s).unwrap(), key(BEFORENM));
}

/// A client→server channel between the test keys (server pair as S'), next nonce `next`.
fn channels(next: u64) -> (Channel, Channel) {
    let mut client = Channel::new(true);
    client.set_key(BoxKey::symmetric(&key(BEFORENM)));
    client.next_nonce = Some(next);
    let mut server = Channel::new(false);
    let s = StaticSecret::from(key(SERVER_SECRET));
    server.set_key(BoxKey::new(&key(CLIENT_PUBLIC), &s).unwrap());
    (client, server)
}

/// The MESSAGE frame libzmq sends: data frame, `07 MESSAGE ‖ N ‖ box`.
pub(crate) fn message_frame(nonce: u64, boxed: &[u8]) -> Vec<u8> {
    let mut f = vec![0x00, u8::try_from(16 + boxed.len()).unwrap()];
    f.extend_from_slice(b"\x07MESSAGE");
    f.extend_from_slice(&nonce.to_be_bytes());
    f.extend_from_slice(boxed);
    f
}

fn frame_of(wire: &[u8]) -> FrameMut {
    let mut buf = BytesMut::from(wire);
    crate::frame::FrameDecoder::new(None)
        .decode_mut(&mut buf)
        .unwrap()
        .unwrap()
}

#[test]
fn message_box_vectors() {
    let (mut client, mut server) = channels(3);
    let mut out = BytesMut::new();
    client.encode_message(false, false, b"hello", &mut out);
    assert_eq!(&out[..], message_frame(3, &unhex(HELLO_MESSAGE_BOX)));
    assert_eq!(out.len(), 2 + 38);
    let mut ping = BytesMut::new();
    client.encode_message(false, true, b"\x04PING\x00\x0f", &mut ping);
    assert_eq!(&ping[..], message_frame(4, &unhex(PING_MESSAGE_BOX)));
    assert_eq!(ping.len(), 2 + 40);

    let hello = server.decode_message(frame_of(&out)).unwrap();
    assert_eq!(
        hello,
        Frame {
            more: false,
            command: false,
            body: Bytes::from_static(b"hello")
        }
    );
    let ping = server.decode_message(frame_of(&ping)).unwrap();
    assert!(ping.command && !ping.more);
    assert_eq!(&ping.body[..], b"\x04PING\x00\x0f");
}

#[test]
fn message_flags_and_sizes() {
    let (mut client, mut server) = channels(1);
    for (more, command, len) in [
        (true, false, 0usize),
        (false, false, 222),
        (true, true, 223),
        (false, false, 70_000),
    ] {
        let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut out = BytesMut::new();
        client.encode_message(more, command, &body, &mut out);
        // Outer frame: never COMMAND, never MORE; long iff the MESSAGE body > 255.
        let long = len + 33 > 255;
        assert_eq!(out[0], if long { 0x02 } else { 0x00 });
        assert_eq!(out.len(), len + 33 + if long { 9 } else { 2 });
        let frame = server.decode_message(frame_of(&out)).unwrap();
        assert_eq!((frame.more, frame.command), (more, command));
        assert_eq!(frame.body, body);
    }
}

#[test]
fn message_nonces_strictly_increase() {
    let (mut client, mut server) = channels(5);
    let frames: Vec<BytesMut> = (0..4)
        .map(|i| {
            let mut out = BytesMut::new();
            client.encode_message(false, false, &[i], &mut out);
            out
        })
        .collect();
    // Nonces 5, 6, 7, 8: take 5, skip 6 (gap), 8, then 7 (lower) and 8 (replay) fail.
    assert!(server.decode_message(frame_of(&frames[0])).is_ok());
    assert_eq!(server.peer_nonce, 5);
    assert!(server.decode_message(frame_of(&frames[3])).is_ok());
    assert_eq!(
        server.decode_message(frame_of(&frames[2])),
        Err(ProtocolError::InvalidNonce { nonce: 7, last: 8 })
    );
    assert_eq!(
        server.decode_message(frame_of(&frames[3])),
        Err(ProtocolError::InvalidNonce { nonce: 8, last: 8 })
    );
}

#[test]
fn bad_messages() {
    let (mut client, mut server) = channels(1);
    let mut out = BytesMut::new();
    client.encode_message(false, false, b"hello", &mut out);
    // Tampered box, tampered nonce: the box does not open, and the nonce is not consumed.
    for i in [2 + 8, 2 + 16, 2 + 31, 2 + 32, out.len() - 1] {
        let mut bad = out.to_vec();
        bad[i] ^= 0x80;
        assert!(
            matches!(
                server.decode_message(frame_of(&bad)),
                Err(ProtocolError::Crypto("MESSAGE box did not open"))
            ),
            "{i}"
        );
        assert_eq!(server.peer_nonce, 0);
    }
    // 32 bytes: too short.
    let mut short = vec![0x00, 32];
    short.extend_from_slice(&out[2..34]);
    assert_eq!(
        server.decode_message(frame_of(&short)),
        Err(ProtocolError::MalformedCommand(
            "CURVE MESSAGE shorter than 33 bytes"
        ))
    );
    // Not a MESSAGE: an unencrypted PING, an empty frame, a broken name.
    assert_eq!(
        server.decode_message(frame_of(b"\x04\x07\x04PING\x00\x0f")),
        Err(ProtocolError::UnexpectedCommand("PING".into()))
    );
    assert!(matches!(
        server.decode_message(frame_of(b"\x00\x00")),
        Err(ProtocolError::MalformedCommand(_))
    ));
    assert!(matches!(
        server.decode_message(frame_of(b"\x00\x02\x09M")),
        Err(ProtocolError::MalformedCommand(_))
    ));
    // The outer COMMAND flag is accepted too.
    let mut flagged = out.to_vec();
    flagged[0] = 0x04;
    assert_eq!(
        &server.decode_message(frame_of(&flagged)).unwrap().body[..],
        b"hello"
    );
}

#[test]
fn reserved_inner_flag_bits_are_rejected() {
    let (client, mut server) = channels(1);
    for flags in [0x04u8, 0x80, 0xff] {
        let mut boxed = vec![0u8; TAG_LEN];
        boxed.push(flags);
        boxed.extend_from_slice(b"x");
        client
            .key
            .as_ref()
            .unwrap()
            .seal_in_place(&short_nonce(b"CurveZMQMESSAGEC", 1), &mut boxed);
        assert_eq!(
            server.decode_message(frame_of(&message_frame(1, &boxed))),
            Err(ProtocolError::MalformedCommand(
                "CURVE MESSAGE with reserved flag bits set"
            )),
            "{flags:#x}"
        );
        assert_eq!(server.peer_nonce, 0, "nonce not consumed");
    }
}

#[test]
fn nonce_exhaustion_stops_sending() {
    let (mut client, _) = channels(u64::MAX);
    let mut out = BytesMut::new();
    client.encode_message(false, false, b"last", &mut out);
    assert_eq!(out.len(), 2 + 33 + 4);
    let before = out.len();
    client.encode_message(false, false, b"none", &mut out);
    assert_eq!(out.len(), before);
    assert!(client.take_nonce().is_err());
}

/// A received MESSAGE is decrypted where it was read: the payload is a slice of the read
/// buffer (no copy, no allocation).
#[test]
fn messages_decrypt_in_the_read_buffer() {
    let (mut client, mut server) = channels(1);
    let mut wire = BytesMut::new();
    let payload = vec![0x42u8; 1024];
    client.encode_message(true, false, &payload, &mut wire);
    client.encode_message(false, false, b"second", &mut wire);
    let range = wire.as_ptr_range();
    let mut decoder = crate::frame::FrameDecoder::new(None);
    for (expected, more) in [(&payload[..], true), (&b"second"[..], false)] {
        let frame = decoder.decode_mut(&mut wire).unwrap().unwrap();
        let frame = server.decode_message(frame).unwrap();
        assert_eq!(&frame.body[..], expected);
        assert_eq!(frame.more, more);
        assert!(range.contains(&frame.body.as_ptr()));
    }
}

/// MESSAGE encode and decode rates (the whole per-frame CURVE work of a session), 32 B, 1 KiB and
/// 64 KiB payloads, 7 rounds, medians:
/// `cargo test --release -p libzmq-zmtp message_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn message_speed() {
    use std::time::Instant;
    for (size, count) in [(32usize, 100_000u64), (1024, 20_000), (65_536, 400)]
    {
        let payload = vec![0x5au8; size];
        let (mut encode, mut decode) = (Vec::new(), Vec::new());
        for _round in 0..7 {
            let (mut client, mut server) = channels(1);
            let mut wire =
                BytesMut::with_capacity(count as usize * (size + 64));
            let t = Instant::now();
            for _ in 0..count {
                client.encode_message(false, false, &payload, &mut wire);
            }
            encode.push(count as f64 / t.elapsed().as_secs_f64());
            let mut decoder = crate::frame::FrameDecoder::new(None);
            let t = Instant::now();
            while let Some(frame) = decoder.decode_mut(&mut wire).unwrap() {
                let frame = server.decode_message(frame).unwrap();
                std::hint::black_box(frame);
            }
            decode.push(count as f64 / t.elapsed().as_secs_f64());
        }
        for (name, mut rates) in [("encode", encode), ("decode", decode)] {
            rates.sort_by(f64::total_cmp);
            println!(
                "{size:>6} B MESSAGE {name}: median {:.0} msgs/s (min {:.0}, max {:.0})",
                rates[3], rates[0], rates[6]
            );
        }
    }
}
