//! Seeds a local store for the console benchmark (bench/console/run.sh): `N` applications
//! scored against the catalog as the intake scores them, `M` matches (all but a tenth closed)
//! with a sheet each, some inquiries, and one staff session whose cookie the script sends.
//!
//!   cargo run --release -p handler --example console_seed -- DATA_DIR CATALOG N M ADDRESS

use std::time::Duration;

use handler::scoring::{completeness, match_mentors};
use handler::store::{
    Match, MatchStatus, NewRecord, NewSheet, RecordKind, SqliteStore, StaffSession, Store,
};
use handler::Matcher;
use mikke_catalog::Catalog;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The cookie the benchmark sends: `mikke_staff=<this>`.
const SECRET: &str = "console-benchmark-session-secret";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, catalog, n, m, address] = &args[..] else {
        eprintln!("usage: console_seed DATA_DIR CATALOG N M ADDRESS");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let m: usize = m.parse().expect("M");
    let matcher = Matcher::new(Catalog::from_file(catalog.as_ref()).expect("catalog")).unwrap();
    let store = Store::from(SqliteStore::open(dir.as_ref()).expect("store"));
    let now = OffsetDateTime::now_utc();
    let year = now + time::Duration::days(365);
    let t = &matcher.catalog().taxonomy;
    let keys = |v: &mikke_catalog::Vocab| v.keys().cloned().collect::<Vec<_>>();
    let (ages, industries, sizes, topics) = (
        keys(&t.age_bands),
        keys(&t.industries),
        keys(&t.company_sizes),
        keys(&t.topics),
    );
    let plans: Vec<String> = t.plans.keys().cloned().collect();
    let mentors: Vec<String> = matcher
        .catalog()
        .mentors
        .iter()
        .map(|x| x.slug.clone())
        .collect();
    let full = std::collections::HashSet::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
        let mut puts = Vec::new();
        for &i in chunk {
            let mut app = handler::sample::application();
            app.name = format!("架空 {i}");
            app.email = format!("bench{i}@example.jp");
            app.age_band = ages[i % ages.len()].clone();
            app.industry = industries[i % industries.len()].clone();
            app.company_size = sizes[i % sizes.len()].clone();
            app.topics = vec![
                topics[i % topics.len()].clone(),
                topics[(i / 3) % topics.len()].clone(),
            ];
            app.situations = vec![];
            app.preferences = vec![];
            app.job_function = None;
            app.plan = plans[i % plans.len()].clone();
            app.company_code = (i % 4 == 0).then(|| format!("CORP{}", i % 7));
            let matched = match_mentors(&matcher, &app, &full);
            let complete = completeness(&app, &matcher.catalog().matching);
            let rec = NewRecord {
                kind: RecordKind::Application,
                id: format!("20261206-a{i:07}"),
                created_at: now - time::Duration::minutes((n - i) as i64),
                status: "received".into(),
                idempotency_key: format!("seed-{i}"),
                expires_at: year,
                body: json!({ "application": app, "match": matched, "completeness": complete }),
                mail: vec![],
            };
            let store = store.clone();
            puts.push(tokio::spawn(async move {
                store.put_once(rec, Duration::from_secs(60)).await.unwrap()
            }));
        }
        for p in puts {
            p.await.unwrap();
        }
    }
    for j in 0..m.min(n) {
        let app_id = format!("20261206-a{j:07}");
        let the_match = Match {
            id: format!("m-20261206-{j:07}"),
            application_id: app_id,
            mentor_slug: mentors[j % mentors.len()].clone(),
            mentor_name: "メンター".into(),
            links_epoch: 0,
            plan: "single".into(),
            sessions: 1,
            status: MatchStatus::Active,
            created_at: now,
            expires_at: year,
        };
        store.create_match(&the_match, u32::MAX, &[]).await.unwrap();
        let sheet = NewSheet {
            match_id: the_match.id.clone(),
            session: 1,
            submission_id: format!("s{j}"),
            created_at: now,
            expires_at: year,
            priority: (j * 37 % 100) as u32,
            content: json!({ "sheet": { "satisfaction": 1 + j % 5, "want_staff_contact": j % 6 == 0 },
                "followup": { "reasons": [{ "label": "満足度が低い" }] } }),
            mail: vec![],
        };
        store.put_sheet(&sheet).await.unwrap();
        if j % 10 != 0 {
            store.close_match(&the_match.id, &[]).await.unwrap();
        }
    }
    for k in 0..300 {
        let kind = ["consultation", "briefing", "corporate"][k % 3];
        let rec = NewRecord {
            kind: RecordKind::Inquiry,
            id: format!("20261206-q{k:05}"),
            created_at: now,
            status: "received".into(),
            idempotency_key: format!("seed-q{k}"),
            expires_at: year,
            body: json!({ "kind": kind, "name": "架空", "email": format!("q{k}@example.jp") }),
            mail: vec![],
        };
        store.put_once(rec, Duration::from_secs(60)).await.unwrap();
    }
    let hash: String = Sha256::digest(SECRET.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    store
        .put_session(&StaffSession {
            id_hash: hash,
            address: address.to_lowercase(),
            csrf: "bench".into(),
            created_at: now,
            expires_at: now + time::Duration::hours(12),
        })
        .await
        .unwrap();
    println!("mikke_staff={SECRET}");
}
