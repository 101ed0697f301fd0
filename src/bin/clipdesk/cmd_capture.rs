//! `clipdesk capture serve|pair`: the browser extension's endpoint, run headless, and its pairing.

use clap::Subcommand;
use clipdesk::capture::pairing::{self, Pairing};
use clipdesk::capture::server::{Event, Listener, Options, Server};
use clipdesk::Library;

use crate::output::Out;
use crate::Status;

#[derive(Subcommand)]
pub enum CaptureCmd {
    /// Run the endpoint the browser extension sends pages to (127.0.0.1 only) until stopped
    Serve {
        /// Listen on this port only (default: 47615, else the next free one up to 47619)
        #[arg(long)]
        port: Option<u16>,
    },
    /// Show the pairing code to paste into the extension (or --rotate: a new one)
    Pair {
        /// Make a new token; every paired extension must be paired again
        #[arg(long)]
        rotate: bool,
    },
}

pub fn run(library: Library, cmd: CaptureCmd, out: &Out) -> clipdesk::Result<Status> {
    let path = library.path().to_owned();
    let pairing_file = pairing::path_for(&path);
    match cmd {
        CaptureCmd::Pair { rotate } => {
            let p = if rotate { pairing::rotate(&pairing_file)? } else { pairing::load_or_create(&pairing_file)? };
            print_pairing(out, &p, &pairing_file, rotate);
            Ok(Status::Ok)
        }
        CaptureCmd::Serve { port } => {
            // The endpoint opens its own connection.
            drop(library);
            let json = out.json;
            let on_event: Listener = std::sync::Arc::new(move |event: &Event| print_event(json, event));
            let server = Server::start(Options { port, ..Options::for_library(path) }, Some(on_event))?;
            let p = Pairing { port: Some(server.port()), ..pairing::load_or_create(&pairing_file)? };
            print_pairing(out, &p, &pairing_file, false);
            server.wait();
            Ok(Status::Ok)
        }
    }
}

fn print_pairing(out: &Out, p: &Pairing, file: &std::path::Path, rotated: bool) {
    out.done(
        serde_json::json!({
            "port": p.port.unwrap_or(clipdesk::capture::DEFAULT_PORT),
            "token": p.token,
            "pairing_code": p.code(),
            "origins": p.origins,
            "pairing_file": file,
        }),
        &format!(
            "{}pairing code (paste it into the Clipdesk extension): {}\nendpoint: http://127.0.0.1:{}/ · paired: {}",
            if rotated { "new token; extensions must pair again\n" } else { "" },
            p.code(),
            p.port.unwrap_or(clipdesk::capture::DEFAULT_PORT),
            if p.origins.is_empty() { "none yet".to_owned() } else { p.origins.join(", ") },
        ),
    );
}

/// One line per capture on standard output; refusals and pairings on standard error.
fn print_event(json: bool, event: &Event) {
    let out = Out::new(json);
    match event {
        Event::Clipped { url, response } => {
            if json {
                let mut value = serde_json::to_value(response).unwrap_or_default();
                if let Some(map) = value.as_object_mut() {
                    map.insert("url".into(), url.clone().into());
                }
                out.json_line(&value);
            } else {
                let id = response.id.map_or("-".to_owned(), |id| id.to_string());
                out.line(&format!("{:<9} {id:>6}  {url}", response.status));
                if let Some(e) = &response.error {
                    eprintln!("error[{}]: {}", e.code, e.message);
                }
            }
        }
        Event::Paired { origin } => eprintln!("capture: paired {origin}"),
        Event::Refused { method, path, code } => eprintln!("capture: refused {method} {path}: {code}"),
    }
}
