//! Several processes on one SQLite store, as staff use it: the local server serves while the
//! `staff` binary assigns, and the server's diary API sees the match at once (no restart, no
//! cache); a sheet posted to the server shows in `staff sheets` straight away. Both send
//! mail from the one outbox to a real SMTP server: every mail arrives exactly once, and the
//! introductions `staff assign` causes carry the links the server then accepts.

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

fn env<'a>(cmd: &'a mut Command, dir: &Path, port: u16, smtp: &str) -> &'a mut Command {
    cmd.env_clear()
        .env("MIKKE_MAIL_BUNDLE", dir.join("mail.json"))
        .env("MIKKE_SMTP_URL", smtp)
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

fn staff(dir: &Path, port: u16, smtp: &str, args: &[&str]) -> Output {
    env(
        &mut Command::new(env!("CARGO_BIN_EXE_staff")),
        dir,
        port,
        smtp,
    )
    .args(args)
    .output()
    .expect("staff runs")
}

#[test]
fn staff_assigns_while_the_server_serves_and_each_sees_the_others_writes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = handler::sample::small_catalog();
    std::fs::write(
        dir.path().join("catalog.json"),
        serde_json::to_string(&catalog).unwrap(),
    )
    .unwrap();
    support::mail::write_bundle(dir.path(), &catalog);
    let catcher = support::mail::Catcher::start(&dir.path().join("caught"), None);
    let smtp = catcher.url();
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
            &smtp,
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
    let queue = staff(dir.path(), port, &smtp, &["queue"]);
    assert!(
        String::from_utf8_lossy(&queue.stdout).contains(&id),
        "{queue:?}"
    );
    let assigned = staff(dir.path(), port, &smtp, &["assign", &id, "aoki"]);
    assert!(
        assigned.status.success(),
        "{}",
        String::from_utf8_lossy(&assigned.stderr)
    );
    let out = String::from_utf8_lossy(&assigned.stdout).into_owned();
    assert!(out.contains("メールを"), "{out}");
    assert!(
        !out.contains("#t="),
        "no link printed without --links: {out}"
    );
    // The introductions, sent by `staff` itself, carry the links.
    let mails = catcher.wait_for(4, Duration::from_secs(10));
    let mentee_mail = support::mail::to(&mails, "hanako@example.jp");
    let mentee = support::mail::token_in(mentee_mail.last().unwrap()).to_string();
    let mentor_mail = support::mail::to(&mails, "aoki@mentors.example.jp");
    let mentor = support::mail::token_in(mentor_mail[0]).to_string();
    let (mentee, mentor) = (mentee.as_str(), mentor.as_str());

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
    let flagged = staff(dir.path(), port, &smtp, &["sheets", "--flagged"]);
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
    // Two senders, one outbox: receipt, staff notice, two introductions, the sheet's notice,
    // each once.
    let mails = catcher.wait_for(5, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(1500)); // a duplicate would arrive by now
    let mut ids: Vec<String> = catcher
        .messages()
        .iter()
        .map(|m| m.header("Message-ID").unwrap().to_string())
        .collect();
    assert_eq!(
        ids.len(),
        5,
        "{:?}",
        mails.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "each mail once");
}
