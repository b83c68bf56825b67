//! End to end on the Lambda path: the handler binary runs under `cargo lambda watch`
//! (PyPI `cargo-lambda`, which emulates the Lambda runtime API and function URLs),
//! with DynamoDB played by moto_server; an application posted over HTTP is stored
//! in the table exactly once, and a retry is answered with the same id.
//!
//! Needs `cargo-lambda` and `moto[server]`: `scripts/install-test-deps.sh`.

mod support;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use handler::sample;
use handler::store::{DynamoStore, RecordKind, Store};
use serde_json::{json, Value};
use support::moto::MotoServer;

/// `cargo lambda watch` and the function it starts, stopped together (own process group).
struct Watch {
    child: Child,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A POST as the site's browser would send it.
fn post(port: u16, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    support::http::request(
        port,
        "POST",
        path,
        &[("Origin", "https://mikke.example.jp")],
        body,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_application_through_cargo_lambda_watch_is_stored_in_dynamodb_once() {
    let which = Command::new("cargo").args(["lambda", "--version"]).output();
    assert!(
        which.is_ok_and(|o| o.status.success()),
        "cargo-lambda (PyPI) is needed: run scripts/install-test-deps.sh"
    );
    let moto = MotoServer::shared();
    let table = "mikke-lambda-watch";
    let dynamo = DynamoStore::new(moto.dynamodb_client(), table.into());
    dynamo.create_table_if_missing().await.unwrap();
    let store = Store::from(dynamo);

    let dir = tempfile::TempDir::new().unwrap();
    let catalog = dir.path().join("catalog.json");
    std::fs::write(
        &catalog,
        serde_json::to_string(&sample::small_catalog()).unwrap(),
    )
    .unwrap();
    let env_file = dir.path().join("lambda.env");
    std::fs::write(
        &env_file,
        format!(
            "MIKKE_TABLE={table}\nMIKKE_DYNAMODB_ENDPOINT={}\nMIKKE_SITE_URL=https://mikke.example.jp\n\
             MIKKE_CATALOG={}\nAWS_ACCESS_KEY_ID=testing\nAWS_SECRET_ACCESS_KEY=testing\n\
             AWS_REGION=ap-northeast-1\nRUST_LOG=info\n\
             MIKKE_SIGNING_KEY=\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\"\n",
            moto.endpoint,
            catalog.display()
        ),
    )
    .unwrap();

    let port = free_port();
    let log = dir.path().join("watch.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let child = Command::new("cargo")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "lambda",
            "watch",
            "--bin",
            "handler",
            "--features",
            "aws",
            "--ignore-changes",
            "-A",
            "127.0.0.1",
        ])
        .args(["-P", &port.to_string(), "--env-file"])
        .arg(&env_file)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .process_group(0)
        .spawn()
        .expect("cargo lambda watch starts");
    let mut watch = Watch { child };

    let mut body = json!({
        "name": "山田 花子", "email": "hanako@example.jp", "age_band": "30s", "industry": "it",
        "company_size": "sme", "topics": ["leadership"], "preferences": ["same_industry", "sme"],
        "plan": "standard", "applicant_type": "individual", "consent": true,
        "submission_id": "lambda-watch-e2e-1",
    });
    let path = "/lambda-url/handler/api/applications";
    // The first request waits for the build and the function's start (cold start).
    // `cargo lambda watch` builds the handler with its own flags, so on a fresh target
    // directory it compiles every dependency again: over ten minutes on two busy cores.
    // A broken build or env file ends the watcher, which is reported at once below.
    let deadline = Instant::now() + Duration::from_secs(1500);
    let (status, answer) = loop {
        match post(port, path, &body.to_string()) {
            Ok((status, answer)) if status != 0 && status < 500 => break (status, answer),
            // cargo lambda watch gave up (bad env file, build error): say why at once.
            other if matches!(watch.child.try_wait(), Ok(Some(_))) => {
                panic!(
                    "cargo lambda watch exited: {other:?}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            }
            other if Instant::now() > deadline => {
                panic!(
                    "no answer from cargo lambda watch: {other:?}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            }
            _ => std::thread::sleep(Duration::from_millis(500)),
        }
    };
    assert_eq!(
        status,
        201,
        "{answer}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let first: Value = serde_json::from_str(&answer).unwrap();
    let id = first["id"].as_str().unwrap().to_string();

    // A retry (say, the browser after a timeout) is the same application.
    body["message"] = json!("再送");
    let (status, answer) = post(port, path, &body.to_string()).unwrap();
    assert_eq!(
        (status, serde_json::from_str::<Value>(&answer).unwrap()),
        (201, first)
    );

    let record = store
        .get(RecordKind::Application, &id)
        .await
        .unwrap()
        .expect("stored in DynamoDB");
    assert_eq!(record.body["match"]["suggestions"][0]["slug"], "aoki");
    let queued = store
        .list_by_status(RecordKind::Application, "received", 10)
        .await
        .unwrap();
    assert_eq!(queued.iter().filter(|r| r.id == id).count(), 1);
    assert_eq!(queued.len(), 1);
    // Personal data stays out of the function's logs.
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !logs.contains("hanako@example.jp") && !logs.contains("山田"),
        "{logs}"
    );
}
