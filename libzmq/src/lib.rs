//! libzmq (placeholder, being written).
