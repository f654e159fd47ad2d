//! What the collector tests share: a scratch site, the real `pathwise serve` binary on a free
//! port with either store, raw HTTP/1.1 on the wire (one-shot and keep-alive), beacon batches,
//! and a fresh PostgreSQL database per test on the throwaway server `make test-collector`
//! starts (`PATHWISE_TEST_POSTGRES`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The scratch bundle's site.
pub const SITE: &str = "demo.example";

/// The collector's path, and the old one kept as an alias.
pub const RESULTS: &str = "/pathwise/results";
pub const LEGACY_RESULTS: &str = "/collect";

/// A bundle with one rule: control 20 %, two variants of equal weight, a 5 % holdout.
pub const BUNDLE: &str = r#"{
  "schema": 1, "site": "demo.example", "version": 1, "expires_at": "2030-01-01T00:00:00Z",
  "signals": [ {"name": "signed_up", "kind": "event", "ttl_days": 30} ],
  "slots": [ {"id": "hero", "kind": "block"} ],
  "rules": [ {"id": "hero-test", "slot": "hero", "objective": "activation", "goals": ["signed_up"],
    "control": 20, "variants": [ {"id": "bold", "weight": 1}, {"id": "calm", "weight": 1} ] } ],
  "holdout": 5
}"#;

/// The environment variable naming the throwaway PostgreSQL server (a URL of its maintenance
/// database), set by `make test-collector`.
pub const POSTGRES_ENV: &str = "PATHWISE_TEST_POSTGRES";

/// Where a collector keeps its batches in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the scratch folder.
    Sqlite,
    /// A fresh database on the throwaway PostgreSQL server.
    Postgres,
}

/// Generates one `#[test]` per store for a test body `fn(Backend)`: the SQLite one runs with
/// `cargo test`, the PostgreSQL one with `make test-collector` (which starts the server and
/// passes `--ignored`).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::collector_support::Backend::Sqlite);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                #[ignore = "needs PostgreSQL: run by `make test-collector`"]
                fn $name() {
                    super::$name($crate::collector_support::Backend::Postgres);
                }
            )*
        }
    };
}

/// A scratch folder with a tiny site, a pkg folder, a bundle, a secret outside the root, and a
/// store of its own.
pub struct Scratch {
    pub dir: PathBuf,
    /// The `--store` every server started from this scratch uses.
    pub store: String,
}

impl Scratch {
    pub fn new(name: &str, backend: Backend) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let dir = std::env::temp_dir().join(format!("pathwise-collector-{unique}"));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |rel: &str, text: &str| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "www/index.html",
            "<!doctype html><meta name=\"pw-site\" content=\"{{pathwise:site}}\">\
             <p id=\"key\">{{pathwise:public_key}}</p>\
             <script type=\"application/vnd.pathwise+json\">{{pathwise:envelope}}</script>",
        );
        write("www/app.js", "export const app = 1;\n");
        write("www/mod.mjs", "export {};\n");
        write("www/style.css", "body{}\n");
        write("www/core.wasm", "\0asm");
        write("www/data.json", "{}");
        write("www/sub/index.html", "<p>sub page</p>");
        write("www/.env", "HIDDEN=1");
        write("www/bundle.json", BUNDLE);
        write("pkg/pathwise.js", "export default 42;\n");
        write("secret.txt", "TOP-SECRET-OUTSIDE-ROOT");
        let store = match backend {
            Backend::Sqlite => format!("sqlite:{}", dir.join("state/events.sqlite").display()),
            Backend::Postgres => fresh_postgres_database(&unique),
        };
        Scratch { dir, store }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// `pathwise serve` on this scratch's site and store, with `extra` arguments.
    pub fn start_with_args(&self, extra: &[&str]) -> Server {
        Server::spawn(self, &self.path("www/bundle.json"), extra)
    }

    pub fn start(&self) -> Server {
        self.start_with_args(&[])
    }

    /// `pathwise export` of this scratch's store; returns the output of a successful run.
    pub fn export(&self, args: &[&str]) -> Vec<u8> {
        let output = Command::new(env!("CARGO_BIN_EXE_pathwise"))
            .arg("export")
            .args(["--store", &self.store])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "export {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running `pathwise serve`; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub stderr: PathBuf,
}

impl Server {
    pub fn spawn(scratch: &Scratch, bundle: &Path, extra: &[&str]) -> Server {
        let stderr = scratch.path(&format!(
            "stderr-{}.txt",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let log = std::fs::File::create(&stderr).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pathwise"))
            .arg("serve")
            .args(["--port", "0", "--host", "127.0.0.1"])
            .arg("--root")
            .arg(scratch.path("www"))
            .arg("--bundle")
            .arg(bundle)
            .arg("--pkg")
            .arg(scratch.path("pkg"))
            .args(["--store", &scratch.store])
            .arg("--keys")
            .arg(scratch.path("state/keys"))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let prefix = "Pathwise demo: http://127.0.0.1:";
        assert!(
            line.starts_with(prefix),
            "unexpected first line {line:?}; stderr: {}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
        let port = line[prefix.len()..]
            .trim()
            .trim_end_matches('/')
            .parse()
            .unwrap();
        Server {
            child,
            port,
            stderr,
        }
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Reply {
        self.request(
            "POST",
            path,
            &[("Content-Type", "text/plain;charset=UTF-8")],
            body,
        )
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        raw_request(self.port, &request_bytes(method, path, headers, body, true)).unwrap()
    }

    pub fn report(&self) -> Value {
        let reply = self.get("/report.json");
        assert_eq!(reply.status, 200, "{}", reply.text());
        serde_json::from_slice(&reply.body).unwrap()
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends a signal (`TERM`, `KILL`) to the server process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its status, or `None` if still running.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The bytes of a request; `close` adds `Connection: close`.
pub fn request_bytes(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    if close {
        raw.push_str("Connection: close\r\n");
    }
    for (n, v) in headers {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    let mut bytes = raw.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Writes raw request bytes on a new connection, reads until the server closes, parses the
/// response.
pub fn raw_request(port: u16, bytes: &[u8]) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.write_all(bytes)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    parse_reply(&response)
}

/// Parses a response's bytes.
pub fn parse_reply(response: &[u8]) -> std::io::Result<Reply> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no response head"))?;
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: response[split + 4..].to_vec(),
    })
}

/// An HTTP/1.1 keep-alive connection that sends one request at a time and reads its response
/// by its `Content-Length` (the collector's answers always carry one, or are 204).
pub struct KeepAlive {
    stream: BufReader<TcpStream>,
}

impl KeepAlive {
    pub fn connect(address: SocketAddr, timeout: Duration) -> std::io::Result<KeepAlive> {
        let stream = TcpStream::connect_timeout(&address, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(KeepAlive {
            stream: BufReader::new(stream),
        })
    }

    /// Sends a POST and returns the status; an error if the connection broke or closed.
    pub fn post(&mut self, path: &str, body: &[u8]) -> std::io::Result<u16> {
        let request = request_bytes("POST", path, &[("Content-Type", "text/plain")], body, false);
        self.stream.get_mut().write_all(&request)?;
        let mut status_line = String::new();
        if self.stream.read_line(&mut status_line)? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let mut length = 0usize;
        let mut close = false;
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("connection closed in the head"));
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "connection" => close = value.trim().eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body)?;
        if close {
            return Err(std::io::Error::other(format!(
                "the server closed the connection after {status}"
            )));
        }
        Ok(status)
    }
}

/// A connection to `server` from the loopback address `source` (any of 127.0.0.0/8 is this
/// machine), so a test can play several client addresses.
pub fn connect_from(source: std::net::Ipv4Addr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((source, 0)))?;
        socket.connect(server).await
    })?;
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    Ok(stream)
}

/// Reads a whole response from a stream the server closes after answering.
pub fn read_reply(stream: &mut TcpStream) -> std::io::Result<Reply> {
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    parse_reply(&response)
}

/// Percentile `p` (0–100) of durations, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn batch_id(n: usize) -> String {
    format!("{:032x}", 0xabc0_0000_0000_u128 + n as u128)
}

pub fn exposure(rule: &str, variant: &str, control: bool) -> String {
    format!(
        r#"{{"type":"exposure","rule":"{rule}","variant":"{variant}","slot":"hero","control":{control},"minute":29454720}}"#
    )
}

pub fn conversion(rule: &str, variant: &str, control: bool) -> String {
    format!(
        r#"{{"type":"conversion","rule":"{rule}","variant":"{variant}","slot":"hero","control":{control},"goal":"signed_up","minute":29454721}}"#
    )
}

pub fn batch(site: &str, id: &str, events: &[String]) -> String {
    format!(
        r#"{{"schema":1,"site":"{site}","bundle":7,"batch":"{id}","events":[{}]}}"#,
        events.join(",")
    )
}

/// The rows of an NDJSON export.
pub fn ndjson_rows(bytes: &[u8]) -> Vec<Value> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

/// The report's arm of a rule.
pub fn arm<'a>(report: &'a Value, rule: &str, arm: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule} in {report:#}"))["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["arm"] == arm)
        .unwrap_or_else(|| panic!("no arm {arm} of {rule}"))
}

/// Runs SQL statements on a PostgreSQL database.
pub fn postgres_execute(url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let driver = tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
        drop(client);
        let _ = driver.await;
    });
}

/// Creates a database on the throwaway PostgreSQL server and returns its URL.
pub fn fresh_postgres_database(label: &str) -> String {
    let base = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_ENV} is not set: the PostgreSQL tests run under `make test-collector`, \
             which starts a throwaway server"
        )
    });
    let name: String = format!("pw_{label}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    postgres_execute(&base, &format!("CREATE DATABASE {name}"));
    with_database(&base, &name)
}

/// `base` (a `postgres://` or `postgresql://` URL) with its database replaced by `name`.
pub fn with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail
        .split_once('?')
        .map_or(String::new(), |(_, q)| format!("?{q}"));
    format!("{scheme}://{authority}/{name}{query}")
}
