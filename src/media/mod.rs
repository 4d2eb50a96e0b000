//! Media: audio files, codecs, RTP streams and audio devices.

pub mod audio_file;
pub mod codec;
pub mod device;
pub mod dtls;
pub mod echo_reference;
pub mod ice;
pub mod plc;
pub mod prompts;
pub mod recorder;
pub mod rtp_session;
pub mod sounds;
pub mod voice;
