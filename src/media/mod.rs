//! Media: audio files now; codecs, RTP media and audio devices in later layers.

pub mod audio_file;
pub mod codec;
pub mod dtls;
pub mod ice;
pub mod plc;
pub mod rtp_session;
