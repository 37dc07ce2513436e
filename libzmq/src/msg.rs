//! Messages and routing ids.

use crate::group::{Group, GroupSlice};
use crate::peer_info::PeerInfo;

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use std::{
    fmt,
    str::{self, Utf8Error},
    sync::Arc,
};

/// A identifier used by a `Server` socket to route messages to a
/// specific peer.
///
/// Each peer connection (not each peer) of a `Server` gets a nonzero
/// routing id when it attaches. A message received by the `Server` carries
/// the routing id of the connection it came from, which can then be used to
/// route a reply to that connection. Routing ids are temporary: a peer that
/// reconnects gets a new one.
///
/// A routing id of zero means "no routing id".
///
/// # Example
/// ```
/// use libzmq::{Msg, RoutingId};
///
/// let mut msg = Msg::new();
/// assert_eq!(msg.routing_id(), None);
///
/// let id = RoutingId(420);
/// msg.set_routing_id(id);
/// assert_eq!(msg.routing_id(), Some(id));
///
/// // The routing id converts to and from `u32`.
/// assert_eq!(u32::from(id), 420);
/// assert_eq!(RoutingId::from(420), id);
///
/// // Setting the routing id to zero clears it.
/// msg.set_routing_id(RoutingId(0));
/// assert_eq!(msg.routing_id(), None);
/// ```
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[repr(transparent)]
pub struct RoutingId(pub u32);

impl From<u32> for RoutingId {
    fn from(id: u32) -> Self {
        RoutingId(id)
    }
}

impl From<RoutingId> for u32 {
    fn from(id: RoutingId) -> u32 {
        id.0
    }
}

/// Bodies up to this size live inside the message: no allocation, and a
/// received one does not keep the read buffer it came from alive.
pub(crate) const INLINE_MAX: usize = 40;

/// The storage of a message's bytes.
#[derive(Clone)]
enum Body {
    /// Small bytes stored in place (`len` ≤ [`INLINE_MAX`]).
    Inline { len: u8, bytes: [u8; INLINE_MAX] },
    /// Immutable, reference counted bytes (received messages, or messages
    /// built from a `Vec`, `String` or `Box<[u8]>` without copying).
    Shared(Bytes),
    /// Uniquely owned, mutable bytes.
    Owned(BytesMut),
}

/// A message: an owned byte buffer with two optional properties, a
/// routing id and a group.
///
/// Building a message from a `Vec<u8>`, `String` or `Box<[u8]>` does not
/// copy the data; building one from a `&[u8]` or `&str` does.
/// Cloning a message is cheap when its data is shared, and two messages
/// are equal when their bytes, routing ids and groups are equal.
///
/// # Example
/// ```
/// use libzmq::Msg;
///
/// let msg: Msg = "blzit".into();
/// assert_eq!(msg.to_str()?, "blzit");
/// assert_eq!(msg.as_bytes(), b"blzit");
/// assert_eq!(msg.len(), 5);
///
/// let copy = msg.clone();
/// assert_eq!(copy, msg);
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
pub struct Msg {
    body: Body,
    routing_id: u32,
    group: Option<Group>,
    /// A command travelling through a pipe instead of data (never user-visible).
    command: Option<PipeCommand>,
    /// More frames of the same message follow (inside pipes only: the
    /// multipart calls set and clear it).
    more: bool,
    /// Who sent a received message: set by the socket on its own thread
    /// when the message is received, from the peer's shared description
    /// (one pointer: `Msg` grows by 8 bytes).
    peer: Option<Arc<PeerInfo>>,
}

impl Clone for Msg {
    /// Shares a received or shared body (no copy of its bytes), copies an
    /// owned or small one.
    #[inline]
    fn clone(&self) -> Self {
        if matches!(self.body, Body::Inline { .. })
            && self.group.is_none()
            && self.peer.is_none()
        {
            // SAFETY: with a small body stored in place, no group and no
            // peer, no field of `self` owns anything (no pointer, no
            // reference count): the bits of `self` are a valid `Msg` equal
            // to it and independent of it, which is what the field-wise
            // clone below makes. Copied as one block: the field-wise copy
            // writes the body in narrow pieces that the next move of the
            // message reads back wide, which stalls store forwarding (a
            // PUB copying a 32 B message to 100 SUBs spent ~40 % of its
            // time there).
            return unsafe { std::ptr::read(self) };
        }
        Msg {
            body: self.body.clone(),
            routing_id: self.routing_id,
            group: self.group.clone(),
            command: self.command,
            more: self.more,
            peer: self.peer.clone(),
        }
    }
}

/// A command that travels through a pipe like a message: a Dish's group
/// subscriptions going up to a Radio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PipeCommand {
    /// Subscribe the peer to the message's group.
    Join,
    /// Unsubscribe the peer from the message's group.
    Leave,
    /// A SUB's subscription to the topic prefix in the message's body.
    Subscribe,
    /// A SUB's cancellation of the prefix in the message's body.
    Cancel,
}

impl Msg {
    /// Creates an empty message.
    ///
    /// # Example
    /// ```
    /// use libzmq::Msg;
    ///
    /// let msg = Msg::new();
    /// assert!(msg.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_body(Body::Inline {
            len: 0,
            bytes: [0; INLINE_MAX],
        })
    }

    /// Creates a message of `size` bytes, all initialized to zero.
    ///
    /// # Example
    /// ```
    /// use libzmq::Msg;
    ///
    /// let msg = Msg::with_size(420);
    /// assert_eq!(msg.len(), 420);
    /// assert!(msg.as_bytes().iter().all(|&b| b == 0));
    /// ```
    pub fn with_size(size: usize) -> Self {
        if size <= INLINE_MAX {
            // In place, like every small body: no allocation.
            return Self::with_body(Body::Inline {
                len: size as u8,
                bytes: [0; INLINE_MAX],
            });
        }
        // Allocated, then zeroed by writing (as `zmq_msg_init_size` +
        // `memset` would), not `calloc`ed: pages `calloc` leaves to the
        // kernel's zero page are mapped read-only; a message sent without
        // ever being written is then only read (by the `writev`), and when
        // the allocator hands that memory out again each page costs a
        // copy-on-write fault with a TLB shootdown across the process's
        // CPUs — 3× the time of a 1 MiB send.
        let mut body = BytesMut::with_capacity(size);
        body.resize(size, 0);
        Self::with_body(Body::Owned(body))
    }

    /// Returns the message content size in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Returns `true` if the message content has a size of zero.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the message content as a `&str` if it is valid UTF-8.
    ///
    /// # Example
    /// ```
    /// use libzmq::Msg;
    ///
    /// let text = "blzit";
    /// let msg = Msg::from(text);
    /// assert_eq!(msg.to_str()?, text);
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn to_str(&self) -> Result<&str, Utf8Error> {
        str::from_utf8(self.as_bytes())
    }

    /// Returns the message content as a byte slice.
    ///
    /// # Example
    /// ```
    /// use libzmq::Msg;
    ///
    /// let bytes: &[u8] = b"blzit";
    /// let msg = Msg::from(bytes);
    /// assert_eq!(msg.as_bytes(), bytes);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        match &self.body {
            Body::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Body::Shared(bytes) => bytes,
            Body::Owned(bytes) => bytes,
        }
    }

    /// Returns the message content as a mutable byte slice.
    ///
    /// If the content is shared with other messages (for instance a clone),
    /// it is copied first, so other messages never see the change.
    ///
    /// # Example
    /// ```
    /// use libzmq::Msg;
    ///
    /// let mut msg = Msg::from("hello");
    /// let copy = msg.clone();
    /// msg.as_bytes_mut()[0] = b'j';
    /// assert_eq!(msg.to_str()?, "jello");
    /// assert_eq!(copy.to_str()?, "hello");
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        if let Body::Shared(bytes) = &mut self.body {
            let bytes = std::mem::take(bytes);
            // Zero-copy when this message holds the only reference,
            // copies otherwise.
            self.body = Body::Owned(BytesMut::from(bytes));
        }
        match &mut self.body {
            Body::Inline { len, bytes } => &mut bytes[..usize::from(*len)],
            Body::Owned(bytes) => bytes,
            // Not reachable: the body was converted to owned above.
            Body::Shared(_) => &mut [],
        }
    }

    /// Returns the routing id of the message, if any.
    ///
    /// A message received by a `Server` carries the routing id of the peer
    /// that sent it.
    pub fn routing_id(&self) -> Option<RoutingId> {
        match self.routing_id {
            0 => None,
            id => Some(RoutingId(id)),
        }
    }

    /// Sets the routing id of the message.
    ///
    /// A `Server` uses it to route the message to a specific peer.
    /// Setting `RoutingId(0)` clears the routing id, so that
    /// [`routing_id`](#method.routing_id) returns `None` (zero is never a
    /// valid routing id).
    pub fn set_routing_id(&mut self, routing_id: RoutingId) {
        self.routing_id = routing_id.0;
    }

    /// Returns the group of the message, or `None` if no group was set.
    ///
    /// A message received by a `Dish` carries the group it was published
    /// to.
    ///
    /// # Example
    /// ```
    /// use libzmq::{Group, Msg};
    ///
    /// let a: Group = "A".parse()?;
    ///
    /// let mut msg = Msg::new();
    /// assert!(msg.group().is_none());
    /// msg.set_group(&a);
    ///
    /// assert_eq!(msg.group().unwrap(), a);
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn group(&self) -> Option<&GroupSlice> {
        self.group.as_deref()
    }

    /// Sets the group of the message.
    ///
    /// A `Radio` publishes the message to this group. This cannot fail,
    /// since a [`Group`] is always valid.
    pub fn set_group<G>(&mut self, group: G)
    where
        G: AsRef<GroupSlice>,
    {
        self.group = Some(group.as_ref().to_owned());
    }

    /// Who sent this message: the description of the peer connection it
    /// came from. `None` for a message that was not received, or that came
    /// from a UDP peer or an inproc peer without a routing id (inproc has
    /// no handshake: an inproc peer's description only holds the routing
    /// id it announced). Sending the message drops it.
    ///
    /// # Example
    /// ```
    /// use libzmq::{prelude::*, *};
    ///
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// let server = ServerBuilder::new().bind(addr).build()?;
    /// let client = ClientBuilder::new()
    ///     .connect(server.last_endpoint()?)
    ///     .build()?;
    /// client.send("hi")?;
    /// let msg = server.recv_msg()?;
    /// assert_eq!(msg.peer_socket_type(), Some("CLIENT"));
    /// assert_eq!(msg.property("Socket-Type"), Some(&b"CLIENT"[..]));
    /// assert_eq!(msg.user_id(), None); // NULL authenticates nobody
    /// assert!(Msg::from("local").peer_info().is_none());
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn peer_info(&self) -> Option<&PeerInfo> {
        self.peer.as_deref()
    }

    /// The sender's IP address as text (C libzmq's `Peer-Address`).
    pub fn peer_address(&self) -> Option<&str> {
        self.peer_info()?.peer_address()
    }

    /// The sender's authenticated identity (C libzmq's `User-Id`): the
    /// PLAIN user name or the CURVE public key in Z85.
    pub fn user_id(&self) -> Option<&str> {
        self.peer_info()?.user_id()
    }

    /// The sender's socket type (`"CLIENT"`, ...).
    pub fn peer_socket_type(&self) -> Option<&str> {
        self.peer_info()?.socket_type()
    }

    /// A property of the sender, as C libzmq's `zmq_msg_gets`:
    /// `"Peer-Address"`, `"User-Id"`, `"Socket-Type"` or any property of
    /// the peer's `READY` (names ignore ASCII case). See
    /// [`PeerInfo::property`].
    pub fn property(&self, name: &str) -> Option<&[u8]> {
        self.peer_info()?.property(name)
    }

    /// Stamps the message with the peer it came from.
    pub(crate) fn set_peer(&mut self, peer: Option<&Arc<PeerInfo>>) {
        self.peer = peer.cloned();
    }

    fn with_body(body: Body) -> Self {
        Self {
            body,
            routing_id: 0,
            group: None,
            command: None,
            more: false,
            peer: None,
        }
    }

    /// Stores `slice` in place when it is small.
    fn inline(slice: &[u8]) -> Option<Body> {
        let len = u8::try_from(slice.len()).ok()?;
        let mut bytes = [0u8; INLINE_MAX];
        bytes.get_mut(..slice.len())?.copy_from_slice(slice);
        Some(Body::Inline { len, bytes })
    }

    /// Builds a message from shared bytes, without copying.
    pub(crate) fn from_bytes(bytes: Bytes) -> Self {
        Self::with_body(Body::Shared(bytes))
    }

    /// Builds a message from received bytes: small ones are copied in
    /// place (the read buffer is then free to be reused), larger ones are
    /// shared without a copy.
    pub(crate) fn received(bytes: Bytes) -> Self {
        Self::with_body(Self::inline(&bytes).unwrap_or(Body::Shared(bytes)))
    }

    /// Consumes the message and returns its bytes (copied only when inline).
    pub(crate) fn into_bytes(self) -> Bytes {
        match self.body {
            Body::Inline { len, bytes } => {
                Bytes::copy_from_slice(&bytes[..usize::from(len)])
            }
            Body::Shared(bytes) => bytes,
            Body::Owned(bytes) => bytes.freeze(),
        }
    }

    /// The raw routing id, 0 when unset.
    pub(crate) fn routing_id_raw(&self) -> u32 {
        self.routing_id
    }

    /// Sets the raw routing id, 0 to clear.
    pub(crate) fn set_routing_id_raw(&mut self, routing_id: u32) {
        self.routing_id = routing_id;
    }

    /// Makes the body shared, so that clones are cheap (Radio fan-out).
    #[inline]
    pub(crate) fn share(&mut self) {
        if let Body::Owned(bytes) = &mut self.body {
            self.body = Body::Shared(std::mem::take(bytes).freeze());
        }
    }

    /// A JOIN or LEAVE of `group`, to go through a pipe.
    pub(crate) fn command(command: PipeCommand, group: Group) -> Self {
        let mut msg = Self::new();
        msg.group = Some(group);
        msg.command = Some(command);
        msg
    }

    /// A SUBSCRIBE or CANCEL of the topic `prefix`, to go through a pipe.
    pub(crate) fn subscription(command: PipeCommand, prefix: &[u8]) -> Self {
        let mut msg = Self::from(prefix);
        msg.command = Some(command);
        msg
    }

    /// Whether more frames of the same message follow (in a pipe).
    pub(crate) fn more(&self) -> bool {
        self.more
    }

    /// Marks the frame as followed by more frames of its message, or not.
    pub(crate) fn set_more(&mut self, more: bool) {
        self.more = more;
    }

    /// The command this message carries, if it is one.
    pub(crate) fn as_command(&self) -> Option<PipeCommand> {
        self.command
    }

    /// Takes the group out of the message, leaving it without a group.
    pub(crate) fn take_group(&mut self) -> Option<Group> {
        self.group.take()
    }

    /// Sets or clears the group without copying it.
    pub(crate) fn set_group_raw(&mut self, group: Option<Group>) {
        self.group = group;
    }
}

impl Default for Msg {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for Msg {
    /// Two messages are equal when their bytes, routing ids and groups are
    /// equal.
    fn eq(&self, other: &Self) -> bool {
        self.routing_id == other.routing_id
            && self.group == other.group
            && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Msg {}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_bytes(), f)
    }
}

impl From<Box<[u8]>> for Msg {
    /// Converts without copying.
    fn from(boxed: Box<[u8]>) -> Self {
        Self::from_bytes(Bytes::from(boxed))
    }
}

impl From<Vec<u8>> for Msg {
    /// Converts without copying.
    fn from(vec: Vec<u8>) -> Self {
        Self::from_bytes(Bytes::from(vec))
    }
}

impl From<String> for Msg {
    /// Converts without copying.
    fn from(text: String) -> Self {
        Self::from_bytes(Bytes::from(text))
    }
}

impl<'a> From<&'a [u8]> for Msg {
    /// Copies the bytes.
    fn from(slice: &'a [u8]) -> Self {
        let body = Self::inline(slice)
            .unwrap_or_else(|| Body::Shared(Bytes::copy_from_slice(slice)));
        Self::with_body(body)
    }
}

impl<'a> From<&'a str> for Msg {
    /// Copies the text.
    fn from(text: &'a str) -> Self {
        Self::from(text.as_bytes())
    }
}

impl<const N: usize> From<[u8; N]> for Msg {
    fn from(array: [u8; N]) -> Self {
        Self::from(array.as_slice())
    }
}

impl<'a, T> From<&'a T> for Msg
where
    T: Into<Msg> + Clone,
{
    /// Clones the value, then converts it.
    fn from(value: &'a T) -> Self {
        value.clone().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, size_of};

    #[test]
    fn small_bodies_live_inline() {
        for len in [0, 1, INLINE_MAX, INLINE_MAX + 1, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut copied = Msg::from(data.as_slice());
            let received = Msg::received(Bytes::from(data.clone()));
            let inline = len <= INLINE_MAX;
            for msg in [&copied, &received] {
                assert_eq!(msg.as_bytes(), data.as_slice());
                assert_eq!(msg.len(), len);
                assert_eq!(matches!(msg.body, Body::Inline { .. }), inline);
            }
            assert_eq!(received.clone().into_bytes(), data.as_slice());
            if len > 0 {
                copied.as_bytes_mut()[0] = 0xff;
                assert_eq!(copied.as_bytes()[0], 0xff);
                assert_eq!(received.as_bytes()[0], 0);
            }
            assert_eq!(copied.clone(), copied);
        }
        assert!(Msg::new().is_empty());
        assert_eq!(Msg::new(), Msg::from(""));
        for len in [0, 1, INLINE_MAX, INLINE_MAX + 1, 1000] {
            let mut sized = Msg::with_size(len);
            assert_eq!(sized.as_bytes(), vec![0u8; len].as_slice());
            assert_eq!(
                matches!(sized.body, Body::Inline { .. }),
                len <= INLINE_MAX
            );
            sized.as_bytes_mut().fill(7);
            assert_eq!(sized.as_bytes(), vec![7u8; len].as_slice());
        }
    }

    #[test]
    fn test_cast_routing_id_slice() {
        assert_eq!(size_of::<RoutingId>(), size_of::<u32>());
        assert_eq!(align_of::<RoutingId>(), align_of::<u32>());
        let id = RoutingId(7);
        assert_eq!(u32::from(id), 7);
        assert_eq!(RoutingId::from(7u32), id);
    }

    #[test]
    fn send_sync_static_and_small() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Msg>();
        // 72 bytes before the peer pointer (`Msg::peer_info`) was added.
        assert!(size_of::<Msg>() <= 80, "{}", size_of::<Msg>());
    }

    #[test]
    fn constructors() {
        assert!(Msg::new().is_empty());
        assert_eq!(Msg::new(), Msg::default());
        let msg = Msg::with_size(420);
        assert_eq!(msg.len(), 420);
        assert!(msg.as_bytes().iter().all(|&b| b == 0));
        assert!(Msg::with_size(0).is_empty());
        assert_eq!(Msg::with_size(0), Msg::new());
    }

    #[test]
    fn from_impls() {
        let expected = Msg::from(&b"hi"[..]);
        assert_eq!(expected.as_bytes(), b"hi");
        assert_eq!(Msg::from("hi"), expected);
        assert_eq!(Msg::from(String::from("hi")), expected);
        assert_eq!(Msg::from(&String::from("hi")), expected);
        assert_eq!(Msg::from(vec![b'h', b'i']), expected);
        assert_eq!(Msg::from(&vec![b'h', b'i']), expected);
        assert_eq!(Msg::from(vec![b'h', b'i'].into_boxed_slice()), expected);
        assert_eq!(Msg::from(*b"hi"), expected);
        assert_eq!(Msg::from(b"hi"), expected);
        assert_eq!(Msg::from(&"hi"), expected);
        assert_eq!(Msg::from(&expected), expected);
        assert_eq!(Msg::from([0u8; 0]), Msg::new());
        assert_eq!(Msg::from([7u8; 100]).len(), 100);
        assert_eq!(Msg::from(Vec::new()), Msg::new());
        assert_eq!(Msg::from(Vec::new().into_boxed_slice()), Msg::new());

        fn takes_into<M: Into<Msg>>(m: M) -> Msg {
            m.into()
        }
        assert_eq!(takes_into("hi"), expected);
        assert_eq!(takes_into(b"hi"), expected);
    }

    #[test]
    fn zero_copy_from_owned_containers() {
        let vec = b"hello world".to_vec();
        let ptr = vec.as_ptr();
        let msg = Msg::from(vec);
        assert_eq!(msg.as_bytes().as_ptr(), ptr);
        let bytes = msg.into_bytes();
        assert_eq!(bytes.as_ptr(), ptr);

        let text = String::from("hello world");
        let ptr = text.as_ptr();
        let mut msg = Msg::from(text);
        assert_eq!(msg.as_bytes().as_ptr(), ptr);
        // Uniquely owned: converting to mutable does not copy.
        assert_eq!(msg.as_bytes_mut().as_ptr(), ptr);

        let boxed: Box<[u8]> = b"abc".to_vec().into_boxed_slice();
        let ptr = boxed.as_ptr();
        assert_eq!(Msg::from(boxed).as_bytes().as_ptr(), ptr);
    }

    #[test]
    fn as_bytes_mut_on_shared_data() {
        let shared = Bytes::from_static(b"static");
        let mut msg = Msg::from_bytes(shared.clone());
        assert_eq!(msg.as_bytes().as_ptr(), shared.as_ptr());
        msg.as_bytes_mut()[0] = b'S';
        assert_eq!(msg.to_str(), Ok("Static"));
        assert_eq!(&shared[..], b"static");

        let mut a = Msg::from("hello");
        let b = a.clone();
        a.as_bytes_mut().copy_from_slice(b"HELLO");
        assert_eq!(a.to_str(), Ok("HELLO"));
        assert_eq!(b.to_str(), Ok("hello"));
        assert_ne!(a, b);

        // Once owned, further mutations happen in place.
        let ptr = a.as_bytes_mut().as_ptr();
        assert_eq!(a.as_bytes_mut().as_ptr(), ptr);

        let mut empty = Msg::new();
        assert!(empty.as_bytes_mut().is_empty());

        let mut sized = Msg::with_size(3);
        sized.as_bytes_mut()[2] = 1;
        assert_eq!(sized.as_bytes(), &[0, 0, 1]);
        assert_eq!(sized.into_bytes(), Bytes::from_static(&[0, 0, 1]));
    }

    #[test]
    fn equality_compares_contents() {
        let mut a = Msg::from("x");
        let mut b = a.clone();
        assert_eq!(a, b);
        assert_eq!(a, Msg::from(vec![b'x']));

        b.set_routing_id(RoutingId(3));
        assert_ne!(a, b);
        a.set_routing_id(RoutingId(3));
        assert_eq!(a, b);

        let g = Group::new("g").unwrap();
        a.set_group(&g);
        assert_ne!(a, b);
        b.set_group(&*g);
        assert_eq!(a, b);
        b.set_group(Group::new("h").unwrap());
        assert_ne!(a, b);

        assert_ne!(Msg::from("x"), Msg::from("y"));
    }

    /// Every kind of message clones into an equal, independent one (a
    /// small body with nothing owned is copied as a block, the rest field
    /// by field).
    #[test]
    fn clones_are_equal_and_independent() {
        let props: [(&[u8], &[u8]); 0] = [];
        let peer =
            Arc::new(PeerInfo::new(None, "NULL", None, props.into_iter()));
        let mut with_peer = Msg::from("small");
        with_peer.set_peer(Some(&peer));
        let mut with_group = Msg::from("small");
        with_group.set_group(Group::new("g").unwrap());
        let mut routed = Msg::from("small");
        routed.set_routing_id(RoutingId(7));
        let mut more = Msg::from(vec![1u8; 100]);
        more.set_more(true);
        let kinds = [
            Msg::from("small"),
            routed,
            with_peer,
            with_group,
            Msg::with_size(INLINE_MAX + 1),
            Msg::from(vec![2u8; 100]),
            more,
        ];
        for original in kinds {
            let mut copy = original.clone();
            assert_eq!(copy, original);
            assert_eq!(copy.more(), original.more());
            assert_eq!(copy.routing_id(), original.routing_id());
            assert_eq!(copy.peer.is_some(), original.peer.is_some());
            copy.as_bytes_mut()[0] ^= 0xFF;
            assert_ne!(copy.as_bytes(), original.as_bytes(), "independent");
            drop(copy);
            assert!(!original.as_bytes().is_empty());
        }
        assert_eq!(Arc::strong_count(&peer), 1, "the copies let go of it");
    }

    #[test]
    fn routing_id() {
        let mut msg = Msg::new();
        assert_eq!(msg.routing_id(), None);
        assert_eq!(msg.routing_id_raw(), 0);
        msg.set_routing_id(RoutingId(u32::MAX));
        assert_eq!(msg.routing_id(), Some(RoutingId(u32::MAX)));
        assert_eq!(msg.routing_id_raw(), u32::MAX);
        // Zero clears, never panics.
        msg.set_routing_id(RoutingId(0));
        assert_eq!(msg.routing_id(), None);
        msg.set_routing_id_raw(5);
        assert_eq!(msg.routing_id(), Some(RoutingId(5)));
        // Clone keeps the properties.
        assert_eq!(msg.clone().routing_id(), Some(RoutingId(5)));
        msg.set_routing_id_raw(0);
        assert_eq!(msg.routing_id(), None);
    }

    #[test]
    fn group() {
        let mut msg = Msg::new();
        assert!(msg.group().is_none());
        let a = Group::new("A").unwrap();
        msg.set_group(&a);
        assert_eq!(msg.group().unwrap(), a);
        assert_eq!(msg.group(), Some(&*a));
        assert_eq!(msg.clone().group().unwrap(), a);

        // Forwarding the group of one message to another.
        let mut other = Msg::new();
        other.set_group(msg.group().unwrap());
        assert_eq!(other.group().unwrap(), a);

        assert_eq!(msg.take_group(), Some(a.clone()));
        assert!(msg.group().is_none());
        assert_eq!(msg.take_group(), None);
        msg.set_group_raw(Some(a.clone()));
        assert_eq!(msg.group().unwrap(), "A");
        msg.set_group_raw(None);
        assert!(msg.group().is_none());
    }

    #[test]
    fn debug_prints_bytes() {
        assert_eq!(format!("{:?}", Msg::from("hi")), "[104, 105]");
        assert_eq!(format!("{:?}", Msg::new()), "[]");
    }

    #[test]
    fn to_str() {
        assert_eq!(Msg::from("blzit").to_str(), Ok("blzit"));
        assert!(Msg::from(vec![0xff]).to_str().is_err());
    }

    #[test]
    fn routing_id_serde() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Wrapper {
            id: RoutingId,
        }
        let w = Wrapper {
            id: RoutingId(1234),
        };
        assert_eq!(serde_json::to_string(&RoutingId(7)).unwrap(), "7");
        assert_eq!(
            serde_json::from_str::<RoutingId>("7").unwrap(),
            RoutingId(7)
        );
        assert_eq!(serde_yaml::to_string(&w).unwrap(), "id: 1234\n");
        assert_eq!(serde_yaml::from_str::<Wrapper>("id: 1234").unwrap(), w);
        assert_eq!(toml::to_string(&w).unwrap(), "id = 1234\n");
        assert_eq!(toml::from_str::<Wrapper>("id = 1234").unwrap(), w);
        assert!(serde_json::from_str::<RoutingId>("-1").is_err());
    }
}
