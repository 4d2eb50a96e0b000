//! RTP (RFC 3550) without I/O: packets, receiver statistics, RTCP reports, the jitter buffer,
//! RFC 4733 telephone-events.

pub mod dtmf;
pub mod jitter;
pub mod packet;
pub mod rtcp;
pub mod stats;
