//! Clipdesk's integration tests: the core and the CLI against real parts — a real SQLite file, a
//! real HTTP server on 127.0.0.1 serving saved pages, the real `clipdesk` binary.

mod support;

mod archive;
mod bounds;
mod capture;
mod classes;
mod cli;
mod concurrency;
mod crash;
mod deliver;
mod digest;
mod evidence;
mod fetch;
mod hostile;
mod imports;
mod migrations;
mod monitor;
mod query_props;
mod search;
mod stories;
mod sweep;
mod sync;
mod tags;
mod tidy;
mod trust;
