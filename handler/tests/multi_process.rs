//! Several processes on one SQLite store, as staff use it: the local server serves while the
//! `staff` binary assigns, and the server's diary API sees the match at once (no restart, no
//! cache); a sheet posted to the server shows in `staff sheets` straight away.

mod support;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const KEY: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env<'a>(cmd: &'a mut Command, dir: &Path, port: u16) -> &'a mut Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MIKKE_DATA_DIR", dir.join("data"))
        .env("MIKKE_CATALOG", dir.join("catalog.json"))
        .env("MIKKE_SITE_URL", format!("http://127.0.0.1:{port}"))
        .env("MIKKE_PORT", port.to_string())
        .env("MIKKE_SIGNING_KEY", KEY)
        .env("RUST_LOG", "warn")
}

/// A request as the site's page would send it, with the diary token when given.
fn request(port: u16, method: &str, path: &str, auth: Option<&str>, body: &str) -> (u16, String) {
    let origin = format!("http://127.0.0.1:{port}");
    let bearer = auth.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Origin", origin.as_str())];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b.as_str()));
    }
    support::http::request(port, method, path, &headers, body).expect("server answers")
}

fn staff(dir: &Path, port: u16, args: &[&str]) -> Output {
    env(&mut Command::new(env!("CARGO_BIN_EXE_staff")), dir, port)
        .args(args)
        .output()
        .expect("staff runs")
}

fn token_after<'a>(out: &'a str, label: &str) -> &'a str {
    let rest = &out[out
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {out}"))..];
    let start = rest.find("#t=").unwrap() + 3;
    rest[start..].split_whitespace().next().unwrap()
}

#[test]
fn staff_assigns_while_the_server_serves_and_each_sees_the_others_writes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = serde_json::to_string(&handler::sample::small_catalog()).unwrap();
    std::fs::write(dir.path().join("catalog.json"), catalog).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server(
        env(
            &mut Command::new(env!("CARGO_BIN_EXE_handler")),
            dir.path(),
            port,
        )
        .stdin(Stdio::null())
        .spawn()
        .expect("handler starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(server.0.try_wait().unwrap().is_none(), "handler exited");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "handler did not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut application = serde_json::to_value(handler::sample::application()).unwrap();
    application["submission_id"] = json!("multi-process-0001");
    let (status, body) = request(
        port,
        "POST",
        "/api/applications",
        None,
        &application.to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // staff, a second process, reads what the server just wrote and assigns it.
    let queue = staff(dir.path(), port, &["queue"]);
    assert!(
        String::from_utf8_lossy(&queue.stdout).contains(&id),
        "{queue:?}"
    );
    let assigned = staff(dir.path(), port, &["assign", &id, "aoki"]);
    assert!(
        assigned.status.success(),
        "{}",
        String::from_utf8_lossy(&assigned.stderr)
    );
    let out = String::from_utf8_lossy(&assigned.stdout).into_owned();
    let mentee = token_after(&out, "メンティー");
    let mentor = token_after(&out, "メンター用");

    // The server sees the match at once.
    let (status, body) = request(port, "GET", "/api/diary", Some(mentee), "");
    assert_eq!(status, 200, "{body}");
    let diary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(diary["role"], "mentee");
    assert_eq!(diary["next_session"], 1);

    // And staff see the sheet the server stored.
    let sheet = json!({"session": 1, "reflections": "自分の強みに気づきました。次は上司と話します。",
        "satisfaction": 1, "want_staff_contact": true, "submission_id": "multi-sheet-0001"});
    let (status, body) = request(
        port,
        "POST",
        "/api/sheets",
        Some(mentee),
        &sheet.to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let flagged = staff(dir.path(), port, &["sheets", "--flagged"]);
    let flagged = String::from_utf8_lossy(&flagged.stdout).into_owned();
    assert!(
        flagged
            .lines()
            .any(|l| l.contains("\t1\t") || l.contains("満足度")),
        "{flagged}"
    );
    let (status, body) = request(port, "GET", "/api/diary", Some(mentor), "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["sheets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
