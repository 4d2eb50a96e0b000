//! Audio codecs.

pub mod g711;
