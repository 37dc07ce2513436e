//! Sans-I/O ZMTP 3.1 (placeholder, being written).
#![forbid(unsafe_code)]
