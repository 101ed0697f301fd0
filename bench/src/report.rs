//! Writing a bench's table into its section of `docs/benchmarks.md` (or `docs/reliability.md`).

use std::fs;
use std::path::Path;

/// Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in `doc`,
/// appending the section if the file does not have it yet.
pub fn write_section(doc: &str, name: &str, body: &str) -> std::io::Result<()> {
    let path = Path::new(doc);
    let doc = fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let start = format!("<!-- bench:{name} -->");
    let end = format!("<!-- /bench:{name} -->");
    let block = format!("{start}\n{}\n{end}", body.trim_end());
    let new = match (doc.find(&start), doc.find(&end)) {
        (Some(s), Some(e)) if e > s => format!("{}{}{}", &doc[..s], block, &doc[e + end.len()..]),
        _ => format!("{}\n{}\n", doc.trim_end(), block),
    };
    fs::write(path, new)
}
