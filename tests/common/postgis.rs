//! A private PostgreSQL 15 + PostGIS cluster for one test: its own data
//! directory and port on 127.0.0.1, stopped when dropped.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

fn as_postgres(bin: &Path, tool: &str) -> Command {
    // initdb and postgres refuse to run as root.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

fn pg_bin() -> PathBuf {
    if let Ok(b) = std::env::var("PG_BIN") {
        return PathBuf::from(b);
    }
    let on_path = Command::new("sh")
        .args(["-c", "readlink -f \"$(command -v pg_ctl)\""])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty());
    match on_path {
        Some(p) => PathBuf::from(p)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        None => PathBuf::from("/usr/lib/postgresql/15/bin"),
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgCluster {
    pub fn start() -> Self {
        let bin = pg_bin();
        assert!(
            bin.join("initdb").exists(),
            "PostgreSQL 15 is not installed ({}); scripts/setup.sh installs it",
            bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("wangge-pg")
            .tempdir()
            .expect("a temporary folder");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        // The postgres user must reach the folder; it is ours alone otherwise.
        run(
            {
                let mut c = Command::new("chmod");
                c.arg("755").arg(dir.path());
                c
            },
            "chmod",
        );
        let _ = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&data)
            .status();
        let port = super::http::free_port();
        let mut c = as_postgres(&bin, "initdb");
        c.args(["-D"]).arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]);
        run(c, "initdb");
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={} -c fsync=off -c jit=off -c max_connections=60",
            data.display()
        );
        let mut c = as_postgres(&bin, "pg_ctl");
        c.arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(data.join("log"))
            .args(["-w", "-t", "60", "start"]);
        run(c, "pg_ctl start");
        Self { dir, bin, port }
    }

    /// A new database with PostGIS; its URL.
    pub fn database(&self, name: &str) -> String {
        let mut c = Command::new(self.bin.join("createdb"));
        if !self.bin.join("createdb").exists() {
            c = Command::new("createdb");
        }
        c.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            name,
        ]);
        run(c, "createdb");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl PgCluster {
    /// Restarts the server (`-m fast`: connections are cut, as when an
    /// operator restarts PostgreSQL under load).
    pub fn restart(&self) {
        let mut c = as_postgres(&self.bin, "pg_ctl");
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "fast", "-w", "-t", "60", "-l"])
            // A log file, or the new server keeps pg_ctl's output open.
            .arg(self.dir.path().join("data").join("log"))
            .arg("restart");
        run(c, "pg_ctl restart");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut c = as_postgres(&self.bin, "pg_ctl");
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = c.output();
    }
}
