//! The one error type of the tool: a sentence for the user and the exit
//! status it maps to.

use std::fmt;
use std::process::ExitCode;

/// What went wrong, as far as the exit status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Something failed while running (exit status 1).
    Runtime,
    /// An argument is invalid (exit status 2, as clap's own usage errors).
    Usage,
    /// Nothing happened within the timeout (exit status 3).
    Timeout,
}

impl Failure {
    /// The process exit status of this failure.
    ///
    /// ```
    /// # use libzmq_cli::error::Failure;
    /// assert_eq!(Failure::Timeout.status(), 3);
    /// ```
    pub fn status(self) -> u8 {
        match self {
            Failure::Runtime => 1,
            Failure::Usage => 2,
            Failure::Timeout => 3,
        }
    }
}

/// An error reported to the user: one line, no backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    failure: Failure,
    message: String,
}

impl CliError {
    /// A failure while running.
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Runtime,
            message: message.into(),
        }
    }

    /// An invalid value of the argument `arg` (e.g. `--curve-server-key`).
    ///
    /// ```
    /// # use libzmq_cli::error::CliError;
    /// let err = CliError::usage("--count", "must be a number");
    /// assert_eq!(err.to_string(), "invalid value for --count: must be a number");
    /// ```
    pub fn usage(arg: &str, message: impl fmt::Display) -> Self {
        Self {
            failure: Failure::Usage,
            message: format!("invalid value for {arg}: {message}"),
        }
    }

    /// A combination of arguments that cannot work, explained.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Usage,
            message: message.into(),
        }
    }

    /// Nothing happened within the timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Timeout,
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn failure(&self) -> Failure {
        self.failure
    }

    /// The process exit code of this error.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.failure.status())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The result of the tool's operations.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// Adds what was being done to a library or I/O error.
pub trait Context<T> {
    /// Turns the error into a [`CliError`] that starts with `what()`, e.g.
    /// "binding tcp://127.0.0.1:5555: addr in use". A libzmq `WouldBlock`
    /// (a timeout) becomes a [`Failure::Timeout`], "…: timed out".
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, C> Context<T> for std::result::Result<T, libzmq::Error<C>> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|err| match err.kind() {
            libzmq::ErrorKind::WouldBlock => {
                CliError::timeout(format!("{}: timed out", what().into()))
            }
            kind => CliError::runtime(format!("{}: {kind}", what().into())),
        })
    }
}

impl<T> Context<T> for std::result::Result<T, std::io::Error> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|err| {
            CliError::runtime(format!("{}: {err}", what().into()))
        })
    }
}
