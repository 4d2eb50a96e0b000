//! RTP (RFC 3550) without I/O: packets, receiver statistics, RFC 4733 telephone-events.

pub mod dtmf;
pub mod packet;
pub mod stats;
