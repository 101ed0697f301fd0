//! Child processes that never outlive a test or a bench run: each in its own process group,
//! killed with everything it started, and the ports they listen on. Shared by the end-to-end
//! tests, the capture tests (Chromium) and `bench app`.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process, and every process it started, killed when dropped whatever happens.
/// (tauri-driver starts WebKitWebDriver, which starts the app; the app starts WebKit's web and
/// network processes: killing the first alone left the others running.)
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.0.id())]).stderr(Stdio::null()).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A command in its own process group, so [`Reaped`] can end its whole tree.
pub fn own_group(mut c: Command) -> Command {
    c.process_group(0);
    c
}

/// Starts an X server on a free display (Xvfb picks it and prints its number on the descriptor
/// we give it); returns it and the `DISPLAY` value.
pub fn start_xvfb() -> std::io::Result<(Reaped, String)> {
    let mut xvfb = own_group(Command::new("Xvfb"))
        .args(["-displayfd", "1", "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    let stdout = xvfb.stdout.take().ok_or_else(|| std::io::Error::other("no Xvfb stdout"))?;
    let xvfb = Reaped(xvfb);
    BufReader::new(stdout).read_line(&mut line)?;
    Ok((xvfb, format!(":{}", line.trim())))
}

/// A TCP port free on 127.0.0.1 now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Waits until something listens on `port` on 127.0.0.1 (a driver just started), at most 30 s.
pub fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what} did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
