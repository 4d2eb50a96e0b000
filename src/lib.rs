//! Handset: a native desktop softphone with a built-in SIP account manager.
//!
//! Layering (one way): `ui`/CLI → `phone` → (`net`, `media`, `account`) → `engine`.
//! `fuzz` (fuzz targets over every layer's input parsers) and `crash` (the panic report) sit
//! beside `ui` at the top.
//! `fsio` (file primitives), `clock` (UTC calendar), `text` (user-facing messages) and `redact`
//! (secrets out of crash reports and traces) serve every layer.

pub mod account;
pub mod clock;
pub mod crash;
pub mod engine;
pub mod fsio;
pub mod fuzz;
pub mod logging;
pub mod media;
pub mod net;
pub mod phone;
pub mod redact;
pub mod text;
pub mod ui;
