//! ZAP status codes.

use libc::c_long;

use std::{convert::TryFrom, fmt, mem};

/// The status code of an authentication reply (ZAP, ZeroMQ RFC 27).
///
/// ```
/// use libzmq::auth::StatusCode;
/// use std::convert::TryFrom;
///
/// assert_eq!(StatusCode::Denied.to_string(), "400");
/// assert_eq!(StatusCode::try_from(200).unwrap(), StatusCode::Allowed);
/// assert!(StatusCode::try_from(201).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// The peer is allowed (200).
    Allowed = 200,
    /// A temporary error prevented the authentication (300).
    TemporaryError = 300,
    /// The peer is denied (400).
    Denied = 400,
    /// An internal error prevented the authentication (500).
    InternalError = 500,
}

impl StatusCode {
    /// The numeric code.
    pub(crate) fn code(self) -> u16 {
        match self {
            StatusCode::Allowed => 200,
            StatusCode::TemporaryError => 300,
            StatusCode::Denied => 400,
            StatusCode::InternalError => 500,
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// The error of a failed conversion into a [`StatusCode`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("unable to parse status code")]
pub struct StatusCodeParseError(());

impl TryFrom<c_long> for StatusCode {
    type Error = StatusCodeParseError;

    fn try_from(code: c_long) -> Result<Self, StatusCodeParseError> {
        match code {
            200 => Ok(StatusCode::Allowed),
            300 => Ok(StatusCode::TemporaryError),
            400 => Ok(StatusCode::Denied),
            500 => Ok(StatusCode::InternalError),
            _ => Err(StatusCodeParseError(())),
        }
    }
}

impl TryFrom<&[u8]> for StatusCode {
    type Error = StatusCodeParseError;

    /// Reads a native-endian `c_long` (as the original binding did) or, as
    /// ZAP replies carry it, the code in 3 ASCII digits (`b"400"`).
    fn try_from(bytes: &[u8]) -> Result<Self, StatusCodeParseError> {
        const LONG: usize = mem::size_of::<c_long>();
        if let Ok(raw) = <[u8; LONG]>::try_from(bytes) {
            return StatusCode::try_from(c_long::from_ne_bytes(raw));
        }
        match bytes {
            b"200" => Ok(StatusCode::Allowed),
            b"300" => Ok(StatusCode::TemporaryError),
            b"400" => Ok(StatusCode::Denied),
            b"500" => Ok(StatusCode::InternalError),
            _ => Err(StatusCodeParseError(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [StatusCode; 4] = [
        StatusCode::Allowed,
        StatusCode::TemporaryError,
        StatusCode::Denied,
        StatusCode::InternalError,
    ];

    #[test]
    fn display_is_the_number() {
        let shown: Vec<String> = ALL.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["200", "300", "400", "500"]);
        for status in ALL {
            assert_eq!(status as i32, i32::from(status.code()));
        }
    }

    #[test]
    fn from_c_long() {
        for status in ALL {
            assert_eq!(StatusCode::try_from(status as c_long), Ok(status));
        }
        for code in [0, 100, 199, 201, 404, -200] {
            assert!(StatusCode::try_from(code as c_long).is_err());
        }
        assert_eq!(
            StatusCode::try_from(0 as c_long).unwrap_err().to_string(),
            "unable to parse status code"
        );
    }

    #[test]
    fn from_bytes() {
        for status in ALL {
            let raw = (status as c_long).to_ne_bytes();
            assert_eq!(StatusCode::try_from(&raw[..]), Ok(status));
            let text = status.to_string();
            assert_eq!(StatusCode::try_from(text.as_bytes()), Ok(status));
        }
        assert!(StatusCode::try_from(&b""[..]).is_err());
        assert!(StatusCode::try_from(&b"404"[..]).is_err());
        assert!(
            StatusCode::try_from(&(201 as c_long).to_ne_bytes()[..]).is_err()
        );
    }
}
