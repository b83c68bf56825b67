//! `generator serve` end to end: the real binary on a synthetic root; a browser's live-reload
//! stream (read here over a plain socket) gets `reload` after a profile is saved, and the page
//! then shows the edit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::synthetic_root;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("the preview never listened: {e}"),
        }
    }
}

fn get(port: u16, path: &str) -> String {
    let mut s = connect(port);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn saving_a_profile_reloads_the_browser_with_the_edit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = synthetic_root(tmp.path(), 40, 7);
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_generator"))
            .args(["serve", "--port", &port.to_string(), "--root"])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // The first build is done once the home page is served.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !get(port, "/").starts_with("HTTP/1.1 200") {
        assert!(Instant::now() < deadline, "no first build");
        std::thread::sleep(Duration::from_millis(100));
    }

    let mut events = connect(port);
    write!(
        events,
        "GET /__livereload HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut events = BufReader::new(events);
    let mut line = String::new();
    while line.trim() != "" || line.is_empty() {
        line.clear();
        events.read_line(&mut line).unwrap(); // the response head, up to its blank line
    }

    let profile = root.join("content/mentors/m00010.md");
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(&profile, format!("{text}\n保存したばかりの一文です。\n")).unwrap();
    loop {
        line.clear();
        let n = events
            .read_line(&mut line)
            .expect("a reload within a minute");
        assert!(n > 0, "the stream closed");
        if line.trim() == "event: reload" {
            break;
        }
    }
    let page = get(port, "/mentors/m00010/");
    assert!(
        page.contains("保存したばかりの一文です。"),
        "the edit is on the page"
    );
    assert!(
        page.contains("/__livereload"),
        "and the page listens for the next one"
    );
}
