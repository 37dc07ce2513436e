//! The error type of the crate.

use crate::{addr::AddrParseError, group::GroupParseError};

use std::{convert::Infallible, fmt, io};

/// An error returned by a socket, context or configuration operation.
///
/// The error carries an [`ErrorKind`] and, for failed send operations, the
/// message that could not be sent. The message can be retrieved with
/// [`get`](#method.get) or [`take`](#method.take).
///
/// Users cannot build this type: it is only returned by the crate.
///
/// # Example
/// ```
/// use libzmq::{Error, ErrorKind, TcpAddr};
/// use std::convert::TryInto;
///
/// fn parse(addr: &str) -> Result<TcpAddr, Error> {
///     // An `AddrParseError` converts into an `InvalidInput` error.
///     Ok(addr.try_into()?)
/// }
///
/// let err = parse("127.0.0.1").unwrap_err();
/// match err.kind() {
///     ErrorKind::InvalidInput(msg) => assert_eq!(msg, "invalid addr format"),
///     // Since `ErrorKind` is non-exhaustive, a wildcard is needed.
///     _ => unreachable!(),
/// }
/// // Errors that are not returned by a send operation hold no content.
/// assert!(err.get().is_none());
/// ```
pub struct Error<T = ()> {
    kind: ErrorKind,
    content: Option<T>,
}

impl<T> Error<T> {
    /// Creates an error of the given kind without content.
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            content: None,
        }
    }

    /// Creates an error of the given kind that hands back `content`
    /// (typically the message that could not be sent).
    #[allow(dead_code)] // Used by the socket engine.
    pub(crate) fn with_content(kind: ErrorKind, content: T) -> Self {
        Self {
            kind,
            content: Some(content),
        }
    }

    /// Returns the kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Returns a reference to the content held by the error, if any.
    ///
    /// For a failed send, this is the message that could not be sent.
    #[deprecated(since = "0.2.1", note = "please use `get` instead")]
    pub fn content(&self) -> Option<&T> {
        self.content.as_ref()
    }

    /// Takes the content held by the error, if any, leaving `None` in its
    /// place.
    #[deprecated(since = "0.2.1", note = "please use `take` instead")]
    pub fn take_content(&mut self) -> Option<T> {
        self.content.take()
    }

    /// Returns a reference to the content held by the error, if any.
    ///
    /// For a failed send, this is the message that could not be sent.
    pub fn get(&self) -> Option<&T> {
        self.content.as_ref()
    }

    /// Takes the content held by the error, if any, leaving `None` in its
    /// place.
    ///
    /// For a failed send, this is the message that could not be sent.
    pub fn take(&mut self) -> Option<T> {
        self.content.take()
    }

    /// Casts the error into an `Error<I>`, keeping its kind and
    /// **dropping its content**.
    ///
    /// This is a method rather than a `From` implementation because the
    /// content is lost in the process.
    ///
    /// # Example
    /// ```
    /// use libzmq::{Error, ErrorKind, Group};
    ///
    /// fn check(err: Error<String>) -> Result<(), Error> {
    ///     // The content is dropped, the kind is kept.
    ///     Err(err.cast())
    /// }
    ///
    /// let err: Error<String> = Group::new("a\0b").unwrap_err().into();
    /// let err = check(err).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidInput("unable to parse group"));
    /// ```
    pub fn cast<I>(self) -> Error<I> {
        Error {
            kind: self.kind,
            content: None,
        }
    }
}

impl<T> fmt::Debug for Error<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("kind", &self.kind).finish()
    }
}

impl<T> fmt::Display for Error<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl<T> std::error::Error for Error<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl<T> From<GroupParseError> for Error<T> {
    fn from(_: GroupParseError) -> Self {
        Error::new(ErrorKind::InvalidInput("unable to parse group"))
    }
}

impl<T> From<AddrParseError> for Error<T> {
    fn from(err: AddrParseError) -> Self {
        Error::new(ErrorKind::InvalidInput(err.msg()))
    }
}

impl<T> From<Infallible> for Error<T> {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

impl<T> From<Error<T>> for io::Error {
    fn from(err: Error<T>) -> io::Error {
        use io::ErrorKind as Io;
        match err.kind() {
            ErrorKind::WouldBlock => io::Error::from(Io::WouldBlock),
            ErrorKind::HostUnreachable => {
                io::Error::new(Io::BrokenPipe, "host unreachable")
            }
            ErrorKind::InvalidCtx => io::Error::other("context terminated"),
            ErrorKind::Interrupted => io::Error::from(Io::Interrupted),
            ErrorKind::AddrInUse => io::Error::from(Io::AddrInUse),
            ErrorKind::AddrNotAvailable => {
                io::Error::from(Io::AddrNotAvailable)
            }
            ErrorKind::NotFound(msg) => io::Error::new(Io::NotFound, msg),
            ErrorKind::SocketLimit => io::Error::other("socket limit reached"),
            ErrorKind::InvalidInput(msg) => {
                io::Error::new(Io::InvalidInput, msg)
            }
            ErrorKind::WrongState(msg) => io::Error::other(msg),
            kind @ ErrorKind::Multipart => io::Error::other(kind.to_string()),
        }
    }
}

/// Used to give context to an [`Error`].
///
/// # Note
/// This error type is non-exhaustive and could have additional variants
/// added in future. Therefore, when matching against variants of
/// non-exhaustive enums, an extra wildcard arm must be added to account
/// for any future variants.
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Non-blocking mode was requested and the message cannot be sent or
    /// received without blocking, or a blocking operation reached its
    /// timeout.
    #[error("operation would block")]
    WouldBlock,
    /// The host is not reachable: the message has no routing id, or the
    /// routing id is unknown or belongs to a disconnected peer.
    #[error("host unreachable")]
    HostUnreachable,
    /// The context was shut down or terminated while the operation was
    /// ongoing, or before it started.
    #[error("context invalidated")]
    InvalidCtx,
    /// The operation was interrupted by the delivery of a signal.
    #[error("interrupted by signal")]
    Interrupted,
    /// The address is already in use.
    #[error("addr in use")]
    AddrInUse,
    /// A nonexistent interface was requested or the requested address was
    /// not local.
    #[error("addr not available")]
    AddrNotAvailable,
    /// The requested resource could not be found.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The limit on the number of open sockets was reached.
    #[error("open socket limit was reached")]
    SocketLimit,
    /// The user did not follow the API's contract.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The operation is not allowed in the socket's current state, such as
    /// a REQ sending a second request before the reply (libzmq's `EFSM`).
    #[error("wrong state: {0}")]
    WrongState(&'static str),
    /// The next message has several frames: `recv_msg` cannot return it
    /// whole, so it stays queued for `recv_multipart`.
    #[error(
        "the next message has several frames: receive it with recv_multipart"
    )]
    Multipart,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn kind_display() {
        let cases: &[(ErrorKind, &str)] = &[
            (ErrorKind::WouldBlock, "operation would block"),
            (ErrorKind::HostUnreachable, "host unreachable"),
            (ErrorKind::InvalidCtx, "context invalidated"),
            (ErrorKind::Interrupted, "interrupted by signal"),
            (ErrorKind::AddrInUse, "addr in use"),
            (ErrorKind::AddrNotAvailable, "addr not available"),
            (ErrorKind::NotFound("thing"), "not found: thing"),
            (ErrorKind::SocketLimit, "open socket limit was reached"),
            (ErrorKind::InvalidInput("bad"), "invalid input: bad"),
            (ErrorKind::WrongState("REQ"), "wrong state: REQ"),
            (
                ErrorKind::Multipart,
                "the next message has several frames: receive it with recv_multipart",
            ),
        ];
        for (kind, expected) in cases {
            assert_eq!(kind.to_string(), *expected);
            let err: Error = Error::new(*kind);
            assert_eq!(err.to_string(), *expected);
            assert_eq!(
                format!("{:?}", err),
                format!("Error {{ kind: {:?} }}", kind)
            );
            assert!(err.source().is_none());
        }
    }

    #[test]
    fn debug_hides_content() {
        let err = Error::with_content(ErrorKind::WouldBlock, "secret");
        assert_eq!(format!("{:?}", err), "Error { kind: WouldBlock }");
    }

    #[test]
    #[allow(deprecated)]
    fn content_accessors() {
        let mut err = Error::with_content(ErrorKind::WouldBlock, 42);
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert_eq!(err.get(), Some(&42));
        assert_eq!(err.content(), Some(&42));
        assert_eq!(err.take(), Some(42));
        assert_eq!(err.take(), None);
        assert_eq!(err.get(), None);
        assert_eq!(err.take_content(), None);

        let mut err = Error::with_content(ErrorKind::Interrupted, "x");
        assert_eq!(err.take_content(), Some("x"));

        let err: Error<u8> = Error::new(ErrorKind::SocketLimit);
        assert_eq!(err.get(), None);
    }

    #[test]
    fn cast_drops_content() {
        let err =
            Error::with_content(ErrorKind::HostUnreachable, String::from("x"));
        let err: Error<u32> = err.cast();
        assert_eq!(err.kind(), ErrorKind::HostUnreachable);
        assert!(err.get().is_none());
        let err: Error = err.cast();
        assert_eq!(err.kind(), ErrorKind::HostUnreachable);
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
        check::<Error<crate::Msg>>();
        check::<ErrorKind>();
    }

    #[test]
    fn from_conversions() {
        let err: Error = crate::Group::new("a\0b").unwrap_err().into();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidInput("unable to parse group")
        );

        let addr_err = "".parse::<crate::TcpAddr>().unwrap_err();
        let msg = addr_err.msg();
        let err: Error<crate::Msg> = addr_err.into();
        assert_eq!(err.kind(), ErrorKind::InvalidInput(msg));

        fn infallible() -> Result<(), Error> {
            let x: Result<u8, Infallible> = Ok(1);
            x?;
            Ok(())
        }
        infallible().unwrap();
    }

    #[test]
    fn into_io_error() {
        use io::ErrorKind as Io;
        let cases: &[(ErrorKind, Io, Option<&str>)] = &[
            (ErrorKind::WouldBlock, Io::WouldBlock, None),
            (
                ErrorKind::HostUnreachable,
                Io::BrokenPipe,
                Some("host unreachable"),
            ),
            (ErrorKind::InvalidCtx, Io::Other, Some("context terminated")),
            (ErrorKind::Interrupted, Io::Interrupted, None),
            (ErrorKind::AddrInUse, Io::AddrInUse, None),
            (ErrorKind::AddrNotAvailable, Io::AddrNotAvailable, None),
            (ErrorKind::NotFound("nope"), Io::NotFound, Some("nope")),
            (
                ErrorKind::SocketLimit,
                Io::Other,
                Some("socket limit reached"),
            ),
            (
                ErrorKind::InvalidInput("bad"),
                Io::InvalidInput,
                Some("bad"),
            ),
        ];
        for (kind, io_kind, msg) in cases {
            let err = Error::with_content(*kind, ());
            let io_err: io::Error = err.into();
            assert_eq!(io_err.kind(), *io_kind);
            if let Some(msg) = msg {
                assert_eq!(io_err.to_string(), *msg);
            }
        }
    }
}
