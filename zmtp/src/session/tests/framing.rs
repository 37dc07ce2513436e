//! Message framing per socket type inside the session: RADIO/DISH group frames, single-part
//! types, multipart pass-through.

use super::*;

fn ready_pair(a: SocketType, b: SocketType) -> (Session, Session) {
    let mut a = Session::new(config(a), Instant::now());
    let mut b = Session::new(config(b), Instant::now());
    let (ea, eb) = pump(&mut a, &mut b, usize::MAX);
    assert_eq!((ea, eb), (vec![Event::Ready], vec![Event::Ready]));
    (a, b)
}

fn message(data: &'static [u8], group: Option<&'static [u8]>) -> Event {
    Event::Message {
        data: Bytes::from_static(data),
        group: group.map(Bytes::from_static),
    }
}

#[test]
fn radio_sends_group_then_body() {
    let (mut radio, mut dish) = ready_pair(SocketType::Radio, SocketType::Dish);
    let mut wire = BytesMut::new();
    radio.encode_message(b"Godfather", Some(b"Movies"), &mut wire);
    // Captured from libzmq (spec §1.11).
    assert_eq!(&wire[..], b"\x01\x06Movies\x00\x09Godfather");
    assert_eq!(
        feed(&mut dish, &wire).unwrap(),
        vec![message(b"Godfather", Some(b"Movies"))]
    );
    // No group = the empty group.
    let mut wire = BytesMut::new();
    radio.encode_message(b"emptygroup", None, &mut wire);
    assert_eq!(&wire[..], b"\x01\x00\x00\x0aemptygroup");
    assert_eq!(
        feed(&mut dish, &wire).unwrap(),
        vec![message(b"emptygroup", Some(b""))]
    );
    // Long bodies use a long frame; the group stays short (truncated at 255).
    let mut wire = BytesMut::new();
    radio.encode_message(&[b'b'; 300], Some(&[b'g'; 300]), &mut wire);
    assert_eq!(&wire[..2], &[0x01, 0xff]);
    assert_eq!(wire[257], 0x02);
    let events = feed(&mut dish, &wire).unwrap();
    let [Event::Message {
        data,
        group: Some(group),
    }] = &events[..]
    else {
        panic!("{events:?}")
    };
    assert_eq!((data.len(), group.len()), (300, 255));
}

#[test]
fn dish_accepts_commands_between_group_and_body() {
    let (_, mut dish) = ready_pair(SocketType::Radio, SocketType::Dish);
    let mut wire = b"\x01\x02TV".to_vec();
    wire.extend_from_slice(b"\x04\x07\x04PING\x00\x00\x04\x05\x04PONG");
    wire.extend_from_slice(b"\x00\x07Friends");
    assert_eq!(
        feed(&mut dish, &wire).unwrap(),
        vec![
            Event::Ping { ttl_deciseconds: 0 },
            Event::Pong,
            message(b"Friends", Some(b"TV"))
        ]
    );
}

#[test]
fn dish_rejects_bad_framing() {
    let bad: [(&[u8], &str); 3] = [
        (b"\x00\x04body", "RADIO message without a group frame"),
        (
            b"\x01\x01g\x01\x04body",
            "RADIO message with more than two frames",
        ),
        (
            &[&[0x03u8, 0, 0, 0, 0, 0, 0, 1, 0][..], &[b'g'; 256]].concat(),
            "RADIO group longer than 255 bytes",
        ),
    ];
    for (wire, what) in bad {
        let (_, mut dish) = ready_pair(SocketType::Radio, SocketType::Dish);
        assert_eq!(
            feed(&mut dish, wire),
            Err(ProtocolError::MalformedMessage(what)),
            "{what}"
        );
    }
}

#[test]
fn group_cut_at_first_nul() {
    let (_, mut dish) = ready_pair(SocketType::Radio, SocketType::Dish);
    assert_eq!(
        feed(&mut dish, b"\x01\x04A\0BC\x00\x01x").unwrap(),
        vec![message(b"x", Some(b"A"))]
    );
}

#[test]
fn single_part_types_ignore_groups_and_drop_multipart() {
    let (mut client, mut server) =
        ready_pair(SocketType::Client, SocketType::Server);
    let mut wire = BytesMut::new();
    client.encode_message(b"hello", Some(b"ignored"), &mut wire);
    assert_eq!(&wire[..], b"\x00\x05hello");
    client.encode_frame(b"p1", true, &mut wire);
    client.encode_frame(b"p2", true, &mut wire);
    client.encode_frame(b"p3", false, &mut wire);
    client.encode_message(b"single", None, &mut wire);
    assert_eq!(
        feed(&mut server, &wire).unwrap(),
        vec![message(b"hello", None), message(b"single", None)]
    );
    assert_eq!(server.framing(), Framing::Single);
}

#[test]
fn send_only_types_drop_data() {
    let (mut gather, mut scatter) =
        ready_pair(SocketType::Gather, SocketType::Scatter);
    let mut wire = BytesMut::new();
    gather.encode_message(b"nobody reads this", None, &mut wire);
    assert_eq!(feed(&mut scatter, &wire).unwrap(), vec![]);
    let mut wire = BytesMut::new();
    scatter.encode_message(b"work", None, &mut wire);
    assert_eq!(
        feed(&mut gather, &wire).unwrap(),
        vec![message(b"work", None)]
    );
}

#[test]
fn multipart_types_get_every_frame() {
    let (mut dealer, mut router) =
        ready_pair(SocketType::Dealer, SocketType::Router);
    let mut wire = BytesMut::new();
    dealer.encode_frame(b"", true, &mut wire);
    dealer.encode_frame(b"body", false, &mut wire);
    dealer.encode_message(b"one", None, &mut wire);
    let frame = |data: &'static [u8], more| Event::Frame {
        data: Bytes::from_static(data),
        more,
    };
    assert_eq!(
        feed(&mut router, &wire).unwrap(),
        vec![
            frame(b"", true),
            frame(b"body", false),
            frame(b"one", false)
        ]
    );
}

#[test]
fn join_and_leave_groups_cut_at_first_nul() {
    let (mut radio, _) = ready_pair(SocketType::Radio, SocketType::Dish);
    assert_eq!(
        feed(&mut radio, b"\x04\x08\x04JOINA\0B\x04\x09\x05LEAVEA\0B").unwrap(),
        vec![
            Event::Join(Bytes::from_static(b"A")),
            Event::Leave(Bytes::from_static(b"A"))
        ]
    );
}

/// `decode_small` before each `decode_at` gives the very events `decode_at` alone gives,
/// whatever the framing, the frame sizes, commands in between and how the input is cut.
#[test]
fn small_frames_in_place_match_the_events() {
    let pairs = [
        (SocketType::Client, SocketType::Server), // single-frame messages
        (SocketType::Dealer, SocketType::Router), // multipart
        (SocketType::Radio, SocketType::Dish),    // group frames
        (SocketType::Push, SocketType::Pull),
    ];
    for (sender_type, receiver_type) in pairs {
        let (mut sender, mut plain) = ready_pair(sender_type, receiver_type);
        let (_, mut fast) = ready_pair(sender_type, receiver_type);
        let mut wire = BytesMut::new();
        let big = [7u8; 300];
        let frames: Vec<(&[u8], bool)> = if receiver_type == SocketType::Dish {
            // Group frame, then the body.
            [&b"hello"[..], b"", &big, &big[..40], &big[..41]]
                .into_iter()
                .flat_map(|body| [(&b"group"[..], true), (body, false)])
                .collect()
        } else {
            vec![
                (b"hello", false),
                (b"", false),
                (&big, false),
                (b"part one", true), // dropped whole by single-frame types
                (b"part two", false),
                (&big[..40], false),
                (&big[..41], false),
            ]
        };
        for (body, more) in frames {
            sender.encode_frame(body, more, &mut wire);
            if body.is_empty() {
                // A PING between data frames.
                wire.extend_from_slice(&command_frame(b"\x04PING\x00\x00"));
            }
        }
        let expected = feed(&mut plain, &wire).unwrap();
        for chunk in [1, 3, 7, 64, wire.len()] {
            let (_, mut fast_session) = ready_pair(sender_type, receiver_type);
            std::mem::swap(&mut fast, &mut fast_session);
            let mut input = BytesMut::new();
            let mut got = Vec::new();
            let mut in_place = 0;
            for piece in wire.chunks(chunk) {
                input.extend_from_slice(piece);
                loop {
                    if let Some((data, more)) =
                        fast.decode_small(&mut input, 40, |body, more| {
                            (Bytes::copy_from_slice(body), more)
                        })
                    {
                        in_place += 1;
                        got.push(if receiver_type == SocketType::Server {
                            Event::Message { data, group: None }
                        } else {
                            Event::Frame { data, more }
                        });
                        continue;
                    }
                    match fast.decode(&mut input).unwrap() {
                        Some(event) => got.push(event),
                        None => break,
                    }
                }
            }
            let expected: Vec<_> = expected
                .iter()
                .filter(|e| !matches!(e, Event::Ping { .. }))
                .cloned()
                .collect();
            got.retain(|e| !matches!(e, Event::Ping { .. }));
            assert_eq!(got, expected, "{receiver_type:?}, chunks of {chunk}");
            // Group framing always takes the ordinary path; the others take
            // the small frames in place.
            assert_eq!(
                in_place > 0,
                receiver_type != SocketType::Dish,
                "{receiver_type:?}"
            );
        }
    }
}
