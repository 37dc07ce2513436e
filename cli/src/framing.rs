//! How messages are written on stdin and stdout: one line each (text or
//! hexadecimal), or length-prefixed records for any bytes.

use crate::error::{CliError, Result};
use clap::Args;
use std::io::{self, BufRead, ErrorKind, Read, Write};

/// The largest record accepted on stdin: the library's default maximum
/// message size (256 MiB).
pub const MAX_RECORD: usize = 256 << 20;

/// The bit of a record's length that says "more parts of this message
/// follow" (lengths are below 2^31).
pub const MORE: u32 = 1 << 31;

/// The framing options of `send`, `recv`, `req` and `serve`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct FramingArgs {
    /// Length-prefixed records instead of lines: each part is a 4-byte
    /// big-endian length followed by that many bytes (any bytes, newlines
    /// included); the length's top bit says that more parts of the same
    /// message follow.
    #[arg(long, conflicts_with = "hex", help_heading = "Framing")]
    pub records: bool,

    /// Hexadecimal lines: messages (arguments and stdin) are read as hex
    /// and written as lowercase hex, one per line, parts separated by a
    /// space.
    #[arg(long, help_heading = "Framing")]
    pub hex: bool,
}

/// One way of framing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One message per line, its bytes as they are (the line ends with
    /// `\n`, which is not part of the message). Read: one part per line;
    /// written: the parts separated by a tab.
    Lines,
    /// One message per line, in hexadecimal, parts separated by spaces.
    Hex,
    /// Per part, a 4-byte big-endian length (top bit: more parts follow),
    /// then the bytes.
    Records,
}

impl FramingArgs {
    /// The framing these options select.
    pub fn framing(self) -> Framing {
        if self.records {
            Framing::Records
        } else if self.hex {
            Framing::Hex
        } else {
            Framing::Lines
        }
    }
}

impl Framing {
    /// The parts of a message given as command-line arguments `arg`, each
    /// read as [`argument`](Self::argument) does.
    ///
    /// ```
    /// # use libzmq_cli::framing::Framing;
    /// let parts = Framing::Hex.arguments("PART", &["00ff".into(), "".into()]);
    /// assert_eq!(parts.unwrap(), vec![vec![0x00, 0xff], vec![]]);
    /// ```
    pub fn arguments(
        self,
        arg: &str,
        texts: &[String],
    ) -> Result<Vec<Vec<u8>>> {
        texts.iter().map(|text| self.argument(arg, text)).collect()
    }

    /// A message given as a command-line argument: hex-decoded with
    /// `--hex`, as it is otherwise.
    pub fn argument(self, arg: &str, text: &str) -> Result<Vec<u8>> {
        match self {
            Framing::Hex => decode_hex(text).map_err(|why| {
                CliError::usage(arg, format!("`{text}`: {why}"))
            }),
            Framing::Lines | Framing::Records => Ok(text.as_bytes().to_vec()),
        }
    }
}

/// Reads messages from a byte stream in a [`Framing`].
///
/// ```
/// # use libzmq_cli::framing::{Framing, MessageReader};
/// let mut input = MessageReader::new(&b"hello\nworld\n"[..], Framing::Lines);
/// assert_eq!(input.next_message()?, Some(vec![b"hello".to_vec()]));
/// assert_eq!(input.next_message()?, Some(vec![b"world".to_vec()]));
/// assert_eq!(input.next_message()?, None);
/// # Ok::<(), libzmq_cli::error::CliError>(())
/// ```
#[derive(Debug)]
pub struct MessageReader<R> {
    input: R,
    framing: Framing,
    /// The number of the message being read, for error messages.
    index: u64,
}

impl<R: BufRead> MessageReader<R> {
    /// Reads from `input`.
    pub fn new(input: R, framing: Framing) -> Self {
        Self {
            input,
            framing,
            index: 0,
        }
    }

    /// The parts of the next message, or `None` at the end of the input.
    pub fn next_message(&mut self) -> Result<Option<Vec<Vec<u8>>>> {
        self.index += 1;
        match self.framing {
            Framing::Lines => Ok(self.line()?.map(|line| vec![line])),
            Framing::Hex => match self.line()? {
                Some(line) => self.hex_parts(&line).map(Some),
                None => Ok(None),
            },
            Framing::Records => {
                let mut parts = Vec::new();
                while let Some((part, more)) = self.record(parts.is_empty())? {
                    parts.push(part);
                    if !more {
                        return Ok(Some(parts));
                    }
                }
                Ok(None)
            }
        }
    }

    /// The parts of a hex line: hex words separated by white space (an
    /// empty line is one empty part).
    fn hex_parts(&self, line: &[u8]) -> Result<Vec<Vec<u8>>> {
        let text = String::from_utf8_lossy(line);
        let mut parts = text
            .split_whitespace()
            .map(decode_hex)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|why| {
                CliError::runtime(format!(
                    "stdin, message {}: {why}",
                    self.index
                ))
            })?;
        if parts.is_empty() {
            parts.push(Vec::new());
        }
        Ok(parts)
    }

    fn line(&mut self) -> Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let read = self
            .input
            .read_until(b'\n', &mut line)
            .map_err(|err| self.read_error(err))?;
        if read == 0 {
            return Ok(None);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(Some(line))
    }

    /// One record and its "more" bit; `None` at the end of the input,
    /// which is only allowed at the `first` part of a message.
    fn record(&mut self, first: bool) -> Result<Option<(Vec<u8>, bool)>> {
        let mut header = [0u8; 4];
        let got = read_full(&mut self.input, &mut header)
            .map_err(|err| self.read_error(err))?;
        match got {
            0 if first => return Ok(None),
            0 => {
                return Err(CliError::runtime(format!(
                    "stdin, record {}: the input ends before the last part of the message",
                    self.index
                )))
            }
            4 => (),
            _ => {
                return Err(CliError::runtime(format!(
                    "stdin, record {}: the input ends inside its 4-byte length",
                    self.index
                )))
            }
        }
        let word = u32::from_be_bytes(header);
        let more = word & MORE != 0;
        let len = (word & !MORE) as usize;
        if len > MAX_RECORD {
            return Err(CliError::runtime(format!(
                "stdin, record {}: length {len} is above the maximum of {MAX_RECORD} bytes",
                self.index
            )));
        }
        let mut body = vec![0u8; len];
        let got = read_full(&mut self.input, &mut body)
            .map_err(|err| self.read_error(err))?;
        if got < len {
            return Err(CliError::runtime(format!(
                "stdin, record {}: the input ends after {got} of its {len} bytes",
                self.index
            )));
        }
        Ok(Some((body, more)))
    }

    fn read_error(&self, err: io::Error) -> CliError {
        CliError::runtime(format!(
            "reading stdin, message {}: {err}",
            self.index
        ))
    }
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == ErrorKind::Interrupted => (),
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// Writes messages to a byte stream in a [`Framing`], flushing each one so
/// that the next program in a pipe sees it at once.
///
/// ```
/// # use libzmq_cli::framing::{Framing, MessageWriter};
/// let mut out = Vec::new();
/// let mut writer = MessageWriter::new(&mut out, Framing::Hex);
/// assert!(writer.write_message(&[&b"\x00\xff"[..], &b"\x01"[..]])?);
/// drop(writer);
/// assert_eq!(out, b"00ff 01\n");
/// # Ok::<(), libzmq_cli::error::CliError>(())
/// ```
#[derive(Debug)]
pub struct MessageWriter<W> {
    output: W,
    framing: Framing,
}

impl<W: Write> MessageWriter<W> {
    /// Writes to `output`.
    pub fn new(output: W, framing: Framing) -> Self {
        Self { output, framing }
    }

    /// Writes one message, given as its parts. Returns `false` if the
    /// reader went away (a closed pipe, as with `zmq recv | head -1`): the
    /// caller stops quietly.
    pub fn write_message<P: AsRef<[u8]>>(
        &mut self,
        parts: &[P],
    ) -> Result<bool> {
        match self.try_write(parts) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == ErrorKind::BrokenPipe => Ok(false),
            Err(err) => {
                Err(CliError::runtime(format!("writing to stdout: {err}")))
            }
        }
    }

    fn try_write<P: AsRef<[u8]>>(&mut self, parts: &[P]) -> io::Result<()> {
        for (i, part) in parts.iter().enumerate() {
            let body = part.as_ref();
            let last = i + 1 == parts.len();
            match self.framing {
                Framing::Lines => {
                    self.output.write_all(body)?;
                    self.output.write_all(if last { b"\n" } else { b"\t" })?;
                }
                Framing::Hex => {
                    self.output.write_all(encode_hex(body).as_bytes())?;
                    self.output.write_all(if last { b"\n" } else { b" " })?;
                }
                Framing::Records => {
                    let len = u32::try_from(body.len())
                        .ok()
                        .filter(|len| len & MORE == 0)
                        .ok_or_else(|| {
                            io::Error::new(
                                ErrorKind::InvalidData,
                                "a part of 2 GiB or more has no record",
                            )
                        })?;
                    let word = if last { len } else { len | MORE };
                    self.output.write_all(&word.to_be_bytes())?;
                    self.output.write_all(body)?;
                }
            }
        }
        self.output.flush()
    }
}

/// Lowercase hexadecimal of `bytes`.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    text
}

/// The bytes of a hexadecimal string (either case, no separators).
///
/// ```
/// # use libzmq_cli::framing::decode_hex;
/// assert_eq!(decode_hex("00fF10"), Ok(vec![0, 255, 16]));
/// assert!(decode_hex("abc").is_err());
/// assert!(decode_hex("zz").is_err());
/// ```
pub fn decode_hex(text: &str) -> std::result::Result<Vec<u8>, String> {
    if text.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", text.len()));
    }
    let digit = |pos: usize, c: u8| {
        (c as char).to_digit(16).map(|d| d as u8).ok_or_else(|| {
            format!("`{}` at offset {pos} is not a hex digit", c as char)
        })
    };
    text.as_bytes()
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            Ok(digit(2 * i, pair[0])? << 4 | digit(2 * i + 1, pair[1])?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], framing: Framing) -> Result<Vec<Vec<Vec<u8>>>> {
        let mut reader = MessageReader::new(input, framing);
        let mut all = Vec::new();
        while let Some(msg) = reader.next_message()? {
            all.push(msg);
        }
        Ok(all)
    }

    #[test]
    fn lines_keep_empty_messages_and_a_last_line_without_newline() {
        let all = read_all(b"a\n\nb", Framing::Lines).unwrap();
        assert_eq!(
            all,
            vec![vec![b"a".to_vec()], vec![vec![]], vec![b"b".to_vec()]]
        );
    }

    #[test]
    fn records_round_trip_any_bytes() {
        let messages = vec![
            vec![b"line\nbreak".to_vec()],
            vec![vec![], b"two parts".to_vec()],
            vec![vec![0, 1, 2, 255]],
        ];
        let mut out = Vec::new();
        let mut writer = MessageWriter::new(&mut out, Framing::Records);
        for msg in &messages {
            assert!(writer.write_message(msg).unwrap());
        }
        assert_eq!(read_all(&out, Framing::Records).unwrap(), messages);
    }

    #[test]
    fn truncated_records_are_errors() {
        let err = read_all(&[0, 0, 0, 5, b'a'], Framing::Records).unwrap_err();
        assert!(err.to_string().contains("after 1 of its 5 bytes"), "{err}");
        let err = read_all(&[0, 0], Framing::Records).unwrap_err();
        assert!(
            err.to_string().contains("inside its 4-byte length"),
            "{err}"
        );
        let err =
            read_all(&[0xff, 0xff, 0xff, 0xff], Framing::Records).unwrap_err();
        assert!(err.to_string().contains("above the maximum"), "{err}");
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_hex(&encode_hex(&bytes)).unwrap(), bytes);
        let parts = read_all(b"00 ff01\n\n", Framing::Hex).unwrap();
        assert_eq!(parts, vec![vec![vec![0], vec![255, 1]], vec![vec![]]]);
        let err = read_all(b"00\nxy\n", Framing::Hex).unwrap_err();
        assert!(err.to_string().starts_with("stdin, message 2:"), "{err}");
    }

    #[test]
    fn a_closed_pipe_is_not_an_error() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut writer = MessageWriter::new(Closed, Framing::Lines);
        assert!(!writer.write_message(&[b"x"]).unwrap());
    }
}
