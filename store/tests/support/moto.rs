//! A real DynamoDB API for tests: `moto_server` (PyPI `moto[server]`) on 127.0.0.1, on a free
//! port, started by the test and killed when the last user drops it.
//!
//! moto is run through a tiny launcher with werkzeug in single-threaded mode rather than the
//! stock `moto_server` command: moto's `TransactWriteItems` is not isolated (it checks and
//! writes item by item and "rolls back" by restoring a deep copy of the table taken at its
//! start). Against the threaded server, 20 racing conditional transactions on one key were
//! seen to both succeed twice, or to leave a cancelled transaction's record behind. Real
//! DynamoDB transactions are serializable; serving one request at a time models that.
//!
//! No moto → the test fails, telling you to run `scripts/install-test-deps.sh`.
#![allow(dead_code)] // each test binary uses part of the harness

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// `moto_server` single-threaded; it also exits when the test process dies without dropping
/// it (killed, aborted), so no server outlives its tests.
const LAUNCHER: &str = "\
import os, sys, threading, time
parent = os.getppid()
def watch_parent():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch_parent, daemon=True).start()
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
run_simple(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app), threaded=False)
";
const INSTALL_HINT: &str =
    "moto (PyPI `moto[server]`) is needed for the DynamoDB tests: run scripts/install-test-deps.sh";

/// A running moto server.
pub struct MotoServer {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    log: PathBuf,
}

static SHARED: Mutex<Weak<MotoServer>> = Mutex::new(Weak::new());

impl MotoServer {
    /// One server shared by the tests running at the same time (each should use its own
    /// table); it stops when the last of them drops its handle.
    pub fn shared() -> Arc<MotoServer> {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(server) = shared.upgrade() {
            return server;
        }
        let server = Arc::new(MotoServer::start());
        *shared = Arc::downgrade(&server);
        server
    }

    /// Starts a server of one's own.
    pub fn start() -> MotoServer {
        let python = find_python().unwrap_or_else(|| panic!("{INSTALL_HINT}"));
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log =
                std::env::temp_dir().join(format!("mikke-moto-{}-{port}.log", std::process::id()));
            let stderr = std::fs::File::create(&log).expect("moto log file in the temp dir");
            let child = Command::new(&python)
                .args(["-c", LAUNCHER, "127.0.0.1", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", python.display()));
            let mut server = MotoServer {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                log,
            };
            match server.wait_ready(port) {
                Ok(()) => return server,
                Err(e) => last_error = e, // most likely the port was taken meanwhile: retry
            }
        }
        panic!("moto_server did not start: {last_error}");
    }

    fn wait_ready(&mut self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                return Err(format!("it exited ({status}):\n{log}"));
            }
            if answers_http(port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("no HTTP answer within 60 s".into())
    }

    /// A DynamoDB client for this server: region ap-northeast-1, dummy static credentials.
    pub fn dynamodb_client(&self) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("ap-northeast-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .endpoint_url(&self.endpoint)
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A Python that can import moto and werkzeug: `$MOTO_PYTHON`, `python3`, or the interpreter
/// named in the `moto_server` script's `#!` line.
fn find_python() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("MOTO_PYTHON") {
        candidates.push(p.into());
    }
    candidates.push("python3".into());
    if let Some(script) = which("moto_server") {
        let text = std::fs::read_to_string(&script).unwrap_or_default();
        if let Some(interp) = text.lines().next().and_then(|l| l.strip_prefix("#!")) {
            if interp.contains("python") && !interp.contains(' ') {
                candidates.push(interp.trim().into());
            }
        }
    }
    candidates.into_iter().find(|python| {
        Command::new(python)
            .args([
                "-c",
                "import moto.moto_server.werkzeug_app, werkzeug.serving",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}
