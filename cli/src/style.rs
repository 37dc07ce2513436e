//! Colour, only where a person reads it: a terminal, and no `NO_COLOR`.

use std::io::IsTerminal;

/// A text style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Bold red: the `error:` prefix.
    Error,
    /// Bold: table headers.
    Header,
    /// Bold yellow: the `warning:` prefix.
    Warning,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Error => "\x1b[1;31m",
            Style::Header => "\x1b[1m",
            Style::Warning => "\x1b[1;33m",
        }
    }
}

/// Whether output to a stream that `is_terminal` may be coloured.
pub fn colour_on(is_terminal: bool) -> bool {
    is_terminal
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Whether stderr may be coloured.
pub fn stderr_colour() -> bool {
    colour_on(std::io::stderr().is_terminal())
}

/// Whether stdout may be coloured.
pub fn stdout_colour() -> bool {
    colour_on(std::io::stdout().is_terminal())
}

/// `text` in `style` if `colour`, else as it is.
///
/// ```
/// # use libzmq_cli::style::{paint, Style};
/// assert_eq!(paint("error:", Style::Error, false), "error:");
/// assert_eq!(paint("error:", Style::Error, true), "\x1b[1;31merror:\x1b[0m");
/// ```
pub fn paint(text: &str, style: Style, colour: bool) -> String {
    if colour {
        format!("{}{text}\x1b[0m", style.code())
    } else {
        text.to_owned()
    }
}
