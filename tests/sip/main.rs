//! SIP interop tests against real peers on loopback: a Kamailio registrar/proxy, baresip and
//! Linphone phones, each on free ports in its own temp dir (see `peers`, `linphone`), and the
//! real `handset` binary (its account password in the Secret Service of
//! `packaging/run-tests.sh`), and the audio devices on its private PulseAudio (`devices`).

mod announcements;
mod audio;
mod cloud;
mod controller;
mod delivery;
mod desktop;
mod devices;
mod faults;
mod flood;
mod handset;
mod harness;
mod ice;
mod interop;
mod linphone;
mod mail;
mod media;
mod peers;
mod pesq;
mod quality;
mod rtp_relay;
mod secrets;
mod transfer;
mod voicemail;
