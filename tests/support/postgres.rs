//! A real PostgreSQL 15 (Debian's `postgresql-15`) for tests and benches: a cluster made with
//! `initdb` in a temporary directory, listening on a Unix socket only, trust authentication,
//! stopped and removed when dropped. `initdb` refuses to run as root, so as root (CI) the
//! cluster runs as the `postgres` user through `runuser`; otherwise as the current user.
//! Shared by the integration tests and `bench sync` (std only).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Debian's PostgreSQL 15 binaries (not on PATH).
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Postgres {
    dir: PathBuf,
    as_postgres: bool,
}

/// A new directory for a cluster, owned by the user the cluster runs as.
fn new_dir() -> (PathBuf, bool) {
    let base = std::env::temp_dir().join(format!(
        "clipdesk-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    std::fs::create_dir_all(&base).expect("pg dir");
    let as_postgres = is_root();
    if as_postgres {
        let ok = Command::new("chown").arg("postgres:postgres").arg(&base).status().map(|s| s.success());
        assert_eq!(ok.ok(), Some(true), "chown postgres {}", base.display());
    }
    (base, as_postgres)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl Postgres {
    /// Whether PostgreSQL 15 is installed (`make test` installs it).
    pub fn available() -> bool {
        Path::new(PG_BIN).join("initdb").is_file()
    }

    /// Starts a new cluster with a database `team`, the superuser `admin` and the login roles
    /// given.
    pub fn start(roles: &[&str]) -> Postgres {
        assert!(
            Postgres::available(),
            "PostgreSQL 15 is not installed: `apt-get install postgresql-15` (make test does)"
        );
        let (base, as_postgres) = new_dir();
        let pg = Postgres { dir: base, as_postgres };
        let init =
            pg.run_as_owner("initdb", &["-D", &pg.data(), "-U", "admin", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        // Small and quick. `fsync = off` loses nothing when only the server process dies
        // (`-m immediate`): what it wrote is in the kernel's cache; commits stay synchronous, so
        // a commit the client saw survives the crash.
        std::fs::write(
            Path::new(&pg.data()).join("postgresql.auto.conf"),
            "listen_addresses = ''\nmax_connections = 40\nshared_buffers = 32MB\nfsync = off\n",
        )
        .expect("conf");
        pg.start_server();
        pg.psql("postgres", "admin", "CREATE DATABASE team");
        for role in roles {
            pg.psql("postgres", "admin", &format!("CREATE ROLE {role} LOGIN"));
        }
        pg
    }

    /// A streaming-replication standby of this cluster (a base backup, then the primary's WAL as
    /// it comes), read-only, on a socket directory of its own. Roles and data are the primary's.
    pub fn standby(&self) -> Postgres {
        let (dir, as_postgres) = new_dir();
        let standby = Postgres { dir, as_postgres };
        let out = self.run_as_owner(
            "pg_basebackup",
            &[
                "-D",
                &standby.data(),
                "-h",
                &self.host(),
                "-U",
                "admin",
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        );
        assert!(out.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&out.stderr));
        standby.start_server();
        standby
    }

    /// Holds (`false`) or resumes (`true`) a standby's replay of the primary's changes.
    pub fn set_replay(&self, on: bool) {
        let f = if on { "pg_wal_replay_resume" } else { "pg_wal_replay_pause" };
        self.psql("postgres", "admin", &format!("SELECT {f}()"));
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// The socket directory.
    pub fn host(&self) -> String {
        self.dir.to_string_lossy().into_owned()
    }

    /// A connection URL for a role on the `team` database.
    pub fn url(&self, role: &str) -> String {
        format!("postgres://{role}@/team?host={}", self.host())
    }

    fn run_as_owner(&self, tool: &str, args: &[&str]) -> Output {
        let bin = Path::new(PG_BIN).join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(bin);
            c
        } else {
            Command::new(bin)
        };
        cmd.args(args).stdin(Stdio::null()).output().expect(tool)
    }

    /// Starts (or restarts) the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let opts = format!("-k {}", self.host());
        let out =
            self.run_as_owner("pg_ctl", &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "-t", "60", "start"]);
        assert!(
            out.status.success(),
            "pg_ctl start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the server as a crash would (`-m immediate`: no checkpoint, connections cut).
    pub fn crash(&self) {
        let out = self.run_as_owner("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Runs SQL through `psql` as a role; panics on error. Returns the unaligned output.
    pub fn psql(&self, db: &str, role: &str, sql: &str) -> String {
        let out = Command::new(Path::new(PG_BIN).join("psql"))
            .args(["-h", &self.host(), "-U", role, "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.run_as_owner("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
