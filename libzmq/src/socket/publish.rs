//! PUB, SUB, XPUB and XSUB (RFC 29, publish-subscribe).

use super::classic_socket;
use super::multipart::{RecvMultipart, SendMultipart};
use super::traits::{GetRawSocket, RecvMsg, SendMsg};
use crate::error::Error;
use crate::msg::Msg;
use zmtp::SocketType;

classic_socket!(
    /// The publisher: each message goes to every connected [`Sub`] (or
    /// [`XSub`]) with a subscription that is a prefix of the message's
    /// first frame. It never blocks: a subscriber whose queue is full (at
    /// the send high water mark) misses the message, and with no matching
    /// subscriber the message is dropped. Subscriptions are matched by a
    /// prefix trie, so thousands of subscribers cost a walk over the
    /// message's first bytes, not a scan.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let publisher = PubBuilder::new().bind(&addr).build()?;
    /// let subscriber = SubBuilder::new()
    ///     .connect(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    /// subscriber.subscribe("weather/")?;
    ///
    /// // The subscription travels to the publisher: publish until it counts.
    /// let got = loop {
    ///     publisher.send_multipart(["weather/paris", "21°C"])?;
    ///     publisher.send("sports/rugby")?;
    ///     if let Ok(parts) = subscriber.try_recv_multipart() {
    ///         break parts;
    ///     }
    ///     std::thread::yield_now();
    /// };
    /// assert_eq!(got[0].to_str()?, "weather/paris");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Pub, PubConfig, PubBuilder, SocketType::Pub,
    groups: [send, heartbeat],
    traits: [SendMsg, SendMultipart]
);

classic_socket!(
    /// The subscriber: it receives the messages of its [`Pub`]s (or
    /// [`XPub`]s) whose first frame starts with one of its subscriptions.
    /// With no subscription it receives nothing; the empty prefix matches
    /// everything. Subscriptions are counted (two `subscribe("A")` need two
    /// `unsubscribe("A")`) and sent again to a publisher after a
    /// reconnection. It cannot send.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let sub = Sub::new()?;
    /// sub.subscribe("")?; // everything
    /// sub.subscribe(b"\x01binary prefix")?;
    /// sub.unsubscribe("")?;
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Sub, SubConfig, SubBuilder, SocketType::Sub,
    groups: [recv, heartbeat],
    traits: [RecvMsg, RecvMultipart]
);

classic_socket!(
    /// A [`Pub`] that also tells its application about subscriptions:
    /// receiving on it gives `0x01 prefix` when a prefix gets its first
    /// subscriber and `0x00 prefix` when it loses its last one (every
    /// subscription with `set_verbose`, every unsubscription too with
    /// `set_verboser`), and any other message a subscriber sent. Used for
    /// proxies and last-value caches.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let xpub = XPubBuilder::new()
    ///     .bind(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    /// let sub = SubBuilder::new().connect(&addr).build()?;
    /// sub.subscribe("news")?;
    ///
    /// assert_eq!(xpub.recv_msg()?.as_bytes(), b"\x01news");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    XPub, XPubConfig, XPubBuilder, SocketType::XPub,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);

classic_socket!(
    /// A [`Sub`] whose subscriptions are messages: sending `0x01 prefix`
    /// subscribes, `0x00 prefix` unsubscribes (both forwarded to every
    /// publisher), any other message is sent to every publisher. Used for
    /// proxies.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let xpub = XPubBuilder::new()
    ///     .bind(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    /// let xsub = XSubBuilder::new().connect(&addr).build()?;
    /// xsub.send(b"\x01topic".as_slice())?;
    ///
    /// assert_eq!(xpub.recv_msg()?.as_bytes(), b"\x01topic");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    XSub, XSubConfig, XSubBuilder, SocketType::XSub,
    groups: [send, recv, heartbeat],
    traits: [SendMsg, RecvMsg, SendMultipart, RecvMultipart]
);

macro_rules! subscriptions {
    ($name:ident) => {
        impl $name {
            /// Subscribes to the messages whose first frame starts with
            /// `prefix` (the empty prefix: every message), and tells every
            /// publisher, now and after each reconnection.
            pub fn subscribe<P: AsRef<[u8]>>(
                &self,
                prefix: P,
            ) -> Result<(), Error> {
                self.raw_socket().core.subscribe(prefix.as_ref())
            }

            /// Removes one subscription to `prefix`; the publishers are told
            /// when none is left. A prefix not subscribed is ignored.
            pub fn unsubscribe<P: AsRef<[u8]>>(
                &self,
                prefix: P,
            ) -> Result<(), Error> {
                self.raw_socket().core.unsubscribe(prefix.as_ref())
            }
        }
    };
}
subscriptions!(Sub);
subscriptions!(XSub);

impl XPub {
    /// Reports every subscription to the application, not only the first
    /// one to each prefix (libzmq's `ZMQ_XPUB_VERBOSE`).
    pub fn set_verbose(&self, verbose: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .classic_options(|o| o.verbose = verbose)
    }

    /// Reports every unsubscription too (`ZMQ_XPUB_VERBOSER`); implies
    /// `set_verbose(true)`.
    pub fn set_verboser(&self, verboser: bool) -> Result<(), Error> {
        self.raw_socket().core.classic_options(|o| {
            o.verboser = verboser;
            o.verbose |= verboser;
        })
    }

    /// With `true`, a matching subscriber at its high water mark makes
    /// `send` wait (up to the send timeout, then `WouldBlock`) instead of
    /// missing the message (`ZMQ_XPUB_NODROP`).
    pub fn set_no_drop(&self, no_drop: bool) -> Result<(), Error> {
        self.raw_socket()
            .core
            .classic_options(|o| o.no_drop = no_drop)
    }

    /// Whether `send` waits for full subscribers (see
    /// [`set_no_drop`](XPub::set_no_drop)).
    pub fn no_drop(&self) -> Result<bool, Error> {
        self.raw_socket().core.classic_options(|o| o.no_drop)
    }

    /// A message sent to each new subscriber as soon as it connects
    /// (`ZMQ_XPUB_WELCOME_MSG`); `None` for none.
    pub fn set_welcome_msg<M: Into<Msg>>(
        &self,
        welcome: Option<M>,
    ) -> Result<(), Error> {
        let welcome = welcome.map(Into::into);
        self.raw_socket()
            .core
            .classic_options(|o| o.welcome = welcome)
    }
}

super::conflate_option!(Pub, Sub);

macro_rules! subscription_config {
    ($config:ident, $builder:ident) => {
        impl $config {
            /// The prefixes subscribed to when the socket is built.
            pub fn subscriptions(&self) -> Option<&[String]> {
                self.inner.classic.subscribe.as_deref()
            }

            /// Sets the prefixes subscribed to when the socket is built.
            pub fn set_subscriptions(&mut self, prefixes: Option<Vec<String>>) {
                self.inner.classic.subscribe = prefixes;
            }
        }

        impl $builder {
            /// Subscribes the socket to `prefix` when it is built (before it
            /// connects or binds).
            ///
            /// ```
            /// use libzmq::{prelude::*, *};
            ///
            #[doc = concat!("let socket = ", stringify!($builder), "::new().subscribe(\"news/\").build()?;")]
            /// # Ok::<(), anyhow::Error>(())
            /// ```
            pub fn subscribe<P: Into<String>>(&mut self, prefix: P) -> &mut Self {
                let prefixes = self.inner.inner.classic.subscribe.get_or_insert_with(Vec::new);
                prefixes.push(prefix.into());
                self
            }
        }
    };
}
subscription_config!(SubConfig, SubBuilder);
subscription_config!(XSubConfig, XSubBuilder);
