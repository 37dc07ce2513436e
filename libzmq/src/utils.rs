//! Free functions: [`version`] and [`proxy`].

use crate::error::{Error, ErrorKind};
use crate::poll::{Events, PollId, Pollable, Poller, Trigger, EMPTY, READABLE};
use crate::socket::core::SocketCore;
use crate::socket::parts::Parts;
use crate::socket::traits::GetRawSocket;
use crate::Period;
use std::sync::Arc;
use zmtp::SocketType;

/// Parses a decimal version component at compile time.
const fn parse_component(text: &str) -> i32 {
    let bytes = text.as_bytes();
    let mut value: i32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let digit = bytes[i];
        assert!(digit.is_ascii_digit(), "version component is not a number");
        value = value * 10 + (digit - b'0') as i32;
        i += 1;
    }
    value
}

const VERSION: (i32, i32, i32) = (
    parse_component(env!("CARGO_PKG_VERSION_MAJOR")),
    parse_component(env!("CARGO_PKG_VERSION_MINOR")),
    parse_component(env!("CARGO_PKG_VERSION_PATCH")),
);

/// The version of this crate, as `(major, minor, patch)`.
///
/// The libzmq 0.2 crate reported the version of the C library it linked
/// (`(4, 3, 2)`). There is no C library here: this crate implements the
/// protocol itself, so it reports its own version. The wire protocol it
/// speaks is ZMTP 3.1, the one of C libzmq 4.3.
///
/// # Example
/// ```
/// let (major, minor, patch) = libzmq::version();
/// let text = format!("{}.{}.{}", major, minor, patch);
/// assert!(env!("CARGO_PKG_VERSION").starts_with(&text));
/// ```
pub fn version() -> (i32, i32, i32) {
    VERSION
}

/// The sockets that can receive messages.
fn can_recv(kind: SocketType) -> bool {
    use SocketType::*;
    matches!(
        kind,
        Client
            | Server
            | Dish
            | Gather
            | Pair
            | Sub
            | XPub
            | XSub
            | Pull
            | Req
            | Rep
            | Dealer
            | Router
    )
}

/// The sockets that can send messages.
fn can_send(kind: SocketType) -> bool {
    use SocketType::*;
    matches!(
        kind,
        Client
            | Server
            | Radio
            | Scatter
            | Pair
            | Pub
            | XPub
            | XSub
            | Push
            | Req
            | Rep
            | Dealer
            | Router
    )
}

const FRONTEND: PollId = PollId(0);
const BACKEND: PollId = PollId(1);

/// How many messages one direction forwards before the proxy polls again,
/// so that a busy direction cannot starve the other.
const BATCH: usize = 256;

/// Forwards messages between two sockets, in both directions, until their
/// ctx is shut down.
///
/// Both sockets are taken by value: the proxy owns them while it runs and
/// drops them when it returns. Every message received on one socket is sent
/// as is on the other, with its properties: a message that a Dish received
/// keeps its [`group`](crate::Msg::group) when a Radio sends it on, and a message
/// that a Server received keeps its [`routing_id`](crate::Msg::routing_id).
///
/// A direction is active only if its source can receive and its destination
/// can send. So the proxy is mostly useful for one-way pairs, such as
/// Dish → Radio (to extend a radio-dish network) or Gather → Scatter (to
/// extend a pipeline); a socket that cannot receive is never polled for
/// input. The proxy blocks on its sockets (it never busy-loops) and wakes up
/// when one of them has a message.
///
/// # Sending
/// Each message is sent with a blocking send, so the destination's
/// [`send_timeout`](crate::prelude::SendMsg::send_timeout) applies: with the
/// default (infinite) timeout, a destination at its high water mark stops
/// the proxy until it has room, which pushes back on the source.
///
/// A message that cannot be sent is **dropped** and logged (as a warning,
/// with the `log` crate); the proxy goes on. This happens when:
/// * the send timed out (`WouldBlock`), e.g. a mute destination with a
///   finite `send_timeout`;
/// * a Server cannot route it (`HostUnreachable`): the message has no
///   routing id, or its peer is gone. This is the case of a reply that
///   crosses a Client → Server proxy backwards;
/// * a Radio refuses it (`InvalidInput`): a message without a group.
///
/// # Returned Errors
/// The proxy only returns with an error:
/// * [`InvalidCtx`](ErrorKind::InvalidCtx): the ctx of one of the sockets
///   was shut down or dropped. This is the normal way to stop a proxy.
///
/// An interrupted wait is retried.
///
/// # Example
/// A proxy that extends a radio-dish network: the Dish of the proxy receives
/// what the first Radio transmits, and the proxy's Radio transmits it again,
/// group included.
/// ```
/// use libzmq::{prelude::*, *};
/// use std::thread;
///
/// let group: Group = "some group".try_into()?;
///
/// let radio_addr: InprocAddr = "frontend".try_into()?;
/// let radio = RadioBuilder::new().bind(&radio_addr).build()?;
///
/// // The proxy's frontend receives what `radio` transmits to the group...
/// let frontend = DishBuilder::new()
///     .connect(&radio_addr)
///     .join(&group)
///     .build()?;
///
/// // ...and its backend transmits it again.
/// let dish_addr: InprocAddr = "backend".try_into()?;
/// let backend = RadioBuilder::new().bind(&dish_addr).build()?;
///
/// let dish = DishBuilder::new()
///     .connect(&dish_addr)
///     .join(&group)
///     .build()?;
///
/// let proxy_thread = thread::spawn(move || proxy(frontend, backend));
///
/// radio.transmit("", &group)?;
///
/// let msg = dish.recv_msg()?;
/// assert!(msg.is_empty());
/// assert_eq!(msg.group().unwrap(), group);
///
/// // Shutting the ctx down stops the proxy.
/// Ctx::global().shutdown();
/// let err = proxy_thread.join().unwrap().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidCtx);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn proxy<F, B>(frontend: F, backend: B) -> Result<(), Error>
where
    F: GetRawSocket,
    B: GetRawSocket,
{
    let front = &frontend.raw_socket().core;
    let back = &backend.raw_socket().core;
    let same = Arc::ptr_eq(front, back);

    let input = |from: &SocketCore, to: &SocketCore| -> Trigger {
        if can_recv(from.kind) && can_send(to.kind) {
            READABLE
        } else {
            EMPTY
        }
    };

    // Every socket is registered, even one that is not polled for input: a
    // shutdown of its ctx must still wake the proxy up.
    let mut poller = Poller::new();
    poller.add(
        Pollable::Socket(frontend.raw_socket()),
        FRONTEND,
        input(front, back),
    )?;
    if !same {
        poller.add(
            Pollable::Socket(backend.raw_socket()),
            BACKEND,
            input(back, front),
        )?;
    }

    let mut events = Events::new();
    loop {
        match poller.poll(&mut events, Period::Infinite) {
            Ok(()) => (),
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
        for event in &events {
            if !event.is_readable() {
                continue;
            }
            if event.id() == FRONTEND {
                forward(front, back)?;
            } else {
                forward(back, front)?;
            }
        }
    }
}

/// Forwards up to [`BATCH`] messages that `from` has ready to `to`.
fn forward(from: &SocketCore, to: &SocketCore) -> Result<(), Error> {
    for _ in 0..BATCH {
        let msg = match from.recv_parts(false) {
            Ok(msg) => msg,
            Err(err) => {
                return match err.kind() {
                    ErrorKind::WouldBlock | ErrorKind::Interrupted => Ok(()),
                    _ => Err(err),
                }
            }
        };
        send(to, msg)?;
    }
    Ok(())
}

/// Sends `msg` (whole) on `to`; a message that cannot be sent is dropped
/// and logged. Fails only if the ctx is gone.
fn send(to: &SocketCore, msg: Parts) -> Result<(), Error> {
    let mut msg = msg;
    loop {
        let mut err = match to.send_parts(msg, true) {
            Ok(()) => return Ok(()),
            Err(err) => err,
        };
        match err.kind() {
            ErrorKind::InvalidCtx => return Err(err.cast()),
            ErrorKind::Interrupted => match err.take() {
                Some(back) => msg = back,
                None => return Ok(()),
            },
            kind => {
                log::warn!(
                    "proxy: dropped a message that the {:?} socket could not send: {}",
                    to.kind,
                    kind
                );
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::{
        Client, ClientBuilder, Ctx, DishBuilder, GatherBuilder, Group,
        InprocAddr, Radio, RadioBuilder, ScatterBuilder, Server, ServerBuilder,
    };
    use std::thread;
    use std::time::Duration;

    #[test]
    fn version_is_the_crate_version() {
        let (major, minor, patch) = version();
        assert_eq!(
            format!("{major}.{minor}.{patch}"),
            env!("CARGO_PKG_VERSION").split(['-', '+']).next().unwrap()
        );
        assert_eq!(parse_component("0"), 0);
        assert_eq!(parse_component("42"), 42);
    }

    #[test]
    fn gather_to_scatter_and_shutdown() {
        let ctx = Ctx::new();
        let h = ctx.handle();
        let upstream = InprocAddr::new_unique();
        let downstream = InprocAddr::new_unique();
        let source = ScatterBuilder::new().bind(&upstream).with_ctx(h).unwrap();
        let frontend =
            GatherBuilder::new().connect(&upstream).with_ctx(h).unwrap();
        let backend =
            ScatterBuilder::new().bind(&downstream).with_ctx(h).unwrap();
        let sink = GatherBuilder::new()
            .connect(&downstream)
            .recv_timeout(Duration::from_secs(5))
            .with_ctx(h)
            .unwrap();
        let proxy_thread = thread::spawn(move || proxy(frontend, backend));
        for i in 0..1000u32 {
            source.send(i.to_string()).unwrap();
        }
        for i in 0..1000u32 {
            assert_eq!(
                sink.recv_msg().unwrap().to_str().unwrap(),
                i.to_string()
            );
        }
        ctx.shutdown();
        let err = proxy_thread.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    }

    /// A Client → proxy(Server, Client) → Server chain: requests go through,
    /// and a reply that crosses the proxy backwards has no routing id, so it
    /// is dropped (logged) instead of stopping the proxy.
    #[test]
    fn unroutable_messages_are_dropped() {
        let ctx = Ctx::new();
        let h = ctx.handle();
        let front_addr = InprocAddr::new_unique();
        let back_addr = InprocAddr::new_unique();
        let frontend =
            ServerBuilder::new().bind(&front_addr).with_ctx(h).unwrap();
        let client = ClientBuilder::new()
            .connect(&front_addr)
            .recv_timeout(Duration::from_millis(100))
            .with_ctx(h)
            .unwrap();
        let server = ServerBuilder::new()
            .bind(&back_addr)
            .recv_timeout(Duration::from_secs(5))
            .with_ctx(h)
            .unwrap();
        let backend = ClientBuilder::new()
            .connect(&back_addr)
            .with_ctx(h)
            .unwrap();
        let proxy_thread =
            thread::spawn(move || proxy::<Server, Client>(frontend, backend));

        client.send("one").unwrap();
        let request = server.recv_msg().unwrap();
        assert_eq!(request.to_str().unwrap(), "one");
        // The reply reaches the proxy's Client, whose Server cannot route it.
        server
            .route("reply", request.routing_id().unwrap())
            .unwrap();
        assert_eq!(
            client.recv_msg().unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        // The proxy still runs.
        client.send("two").unwrap();
        assert_eq!(server.recv_msg().unwrap().to_str().unwrap(), "two");

        ctx.shutdown();
        let err = proxy_thread.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    }

    /// Two send-only sockets: nothing to forward, but the proxy still wakes
    /// up on shutdown.
    #[test]
    fn send_only_pair_waits_for_shutdown() {
        let ctx = Ctx::new();
        let a = Radio::with_ctx(ctx.handle()).unwrap();
        let b = Radio::with_ctx(ctx.handle()).unwrap();
        let proxy_thread = thread::spawn(move || proxy(a, b));
        thread::sleep(Duration::from_millis(50));
        assert!(!proxy_thread.is_finished());
        ctx.shutdown();
        let err = proxy_thread.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    }

    /// The same socket as frontend and backend: a Server proxied onto itself
    /// sends each message back to its sender.
    #[test]
    fn same_socket_both_ways_echoes() {
        let ctx = Ctx::new();
        let h = ctx.handle();
        let addr = InprocAddr::new_unique();
        let server = ServerBuilder::new().bind(&addr).with_ctx(h).unwrap();
        let client = ClientBuilder::new()
            .connect(&addr)
            .recv_timeout(Duration::from_secs(5))
            .with_ctx(h)
            .unwrap();
        let proxy_thread = thread::spawn(move || proxy(server.clone(), server));
        client.send("echo").unwrap();
        assert_eq!(client.recv_msg().unwrap().to_str().unwrap(), "echo");
        ctx.shutdown();
        let err = proxy_thread.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    }

    #[test]
    fn radio_dish_keeps_the_group() {
        let ctx = Ctx::new();
        let h = ctx.handle();
        let a: Group = "a".try_into().unwrap();
        let b: Group = "b".try_into().unwrap();
        let up = InprocAddr::new_unique();
        let down = InprocAddr::new_unique();
        let radio = RadioBuilder::new().bind(&up).with_ctx(h).unwrap();
        let frontend = DishBuilder::new()
            .connect(&up)
            .join([&a, &b])
            .with_ctx(h)
            .unwrap();
        let backend = RadioBuilder::new().bind(&down).with_ctx(h).unwrap();
        let dish = DishBuilder::new()
            .connect(&down)
            .join(&b)
            .recv_timeout(Duration::from_secs(5))
            .with_ctx(h)
            .unwrap();
        let proxy_thread = thread::spawn(move || proxy(frontend, backend));
        radio.transmit("for a", &a).unwrap();
        radio.transmit("for b", &b).unwrap();
        let msg = dish.recv_msg().unwrap();
        assert_eq!(msg.to_str().unwrap(), "for b");
        assert_eq!(msg.group().unwrap(), "b");
        ctx.shutdown();
        let err = proxy_thread.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCtx);
    }
}
