//! The network runtime: tokio sockets for UDP, TCP, TLS and WebSocket, RFC 3263 server
//! location, and the driver task that runs the sans-IO engine.

pub mod cloud;
pub mod dns;
pub mod driver;
pub mod framing;
pub mod ftp;
pub mod http;
pub mod oauth;
pub mod reply;
pub mod sftp;
pub mod smtp;
pub mod tls;
pub mod trace;
pub mod transport;
