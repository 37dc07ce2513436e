//! interop (placeholder)
