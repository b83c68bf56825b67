//! Mail in the handler's tests: the private bundle (the project's real templates, contacts for
//! the catalog under test) and a real SMTP server — `scripts/mail-catcher.py` (aiosmtpd) on a
//! free loopback port — whose kept messages the tests read back.
#![allow(dead_code)] // each test binary uses part of the harness

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mikke_catalog::mail::MailBundle;
use mikke_catalog::Catalog;
use mikke_mail::read::{read, ReadMail};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The project's own bundle (templates, settings, briefing join details), with every mentor
/// of `catalog` at `<slug>@mentors.example.jp` and the sample staff.
pub fn bundle_for(catalog: &Catalog) -> MailBundle {
    let content = generator::content::load(&repo_root()).expect("sample content is valid");
    let mut bundle = generator::private::mail_bundle(&content).expect("the sample sends mail");
    bundle.contacts.mentors = catalog
        .mentors
        .iter()
        .map(|m| (m.slug.clone(), format!("{}@mentors.example.jp", m.slug)))
        .collect();
    bundle
}

/// Writes [`bundle_for`] into `dir/mail.json` and returns its path (`MIKKE_MAIL_BUNDLE`).
pub fn write_bundle(dir: &Path, catalog: &Catalog) -> PathBuf {
    let path = dir.join("mail.json");
    std::fs::write(&path, serde_json::to_vec(&bundle_for(catalog)).unwrap()).unwrap();
    path
}

/// The mail catcher, stopped when dropped.
pub struct Catcher {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    reject_domain: Option<String>,
}

impl Catcher {
    /// Starts a catcher keeping mail in `dir`; `reject_domain`: recipients there get 550.
    pub fn start(dir: &Path, reject_domain: Option<&str>) -> Catcher {
        let mut c = Catcher {
            child: None,
            port: 0,
            dir: dir.to_path_buf(),
            reject_domain: reject_domain.map(str::to_string),
        };
        c.spawn();
        c
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("python3");
        cmd.arg(repo_root().join("scripts/mail-catcher.py"))
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(domain) = &self.reject_domain {
            cmd.arg("--reject-domain").arg(domain);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 runs (scripts/install-test-deps.sh installs aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the mail catcher did not start ({line:?}): run scripts/install-test-deps.sh"
                )
            });
        self.port = port;
        self.child = Some(child);
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (the port stays this catcher's for [`Catcher::restart`]).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Every message kept so far, oldest first.
    pub fn messages(&self) -> Vec<ReadMail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .iter()
            .map(|f| read(&std::fs::read(f).unwrap()).expect("a mail this project wrote"))
            .collect()
    }

    /// Waits (up to `within`) until at least `n` messages are kept.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<ReadMail> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || start.elapsed() > within {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Catcher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The mails addressed to `address`.
pub fn to<'a>(mails: &'a [ReadMail], address: &str) -> Vec<&'a ReadMail> {
    mails
        .iter()
        .filter(|m| m.header("To").is_some_and(|t| t.contains(address)))
        .collect()
}

/// The diary token in a mail's body (`…/diary/#t=<token>`).
pub fn token_in(mail: &ReadMail) -> &str {
    let start = mail
        .body
        .find("/diary/#t=")
        .unwrap_or_else(|| panic!("no diary link in {}", mail.body))
        + "/diary/#t=".len();
    mail.body[start..].split_whitespace().next().unwrap()
}
