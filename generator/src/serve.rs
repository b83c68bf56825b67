//! `generator serve`: the staff preview. Builds into `<root>/public`, serves it on 127.0.0.1,
//! rebuilds when anything under `content/` or `templates/` changes, and tells open browsers
//! to reload through Server-Sent Events.
//!
//! The reload script is injected into HTML responses by this server only, so built files stay
//! exactly what a static host serves. A failed rebuild prints every problem and leaves the
//! previous output in place (`site::build` swaps the output in only on success), so the
//! browser keeps showing the last good site.

use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::{broadcast, mpsc};
use tower_http::services::{ServeDir, ServeFile};

use crate::preview::Preview;

/// The endpoint browsers listen on for reload events.
pub const LIVERELOAD_PATH: &str = "/__livereload";

/// Injected before `</body>`. EventSource reconnects by itself if the server restarts.
pub const LIVERELOAD_SCRIPT: &str = "<script>/* mikke preview */(()=>{const s=new EventSource(\"/__livereload\");s.addEventListener(\"reload\",()=>location.reload());})();</script>";

/// Editors write bursts of events for one save (a few ms apart); wait this long for quiet
/// before rebuilding. Short: it is part of the time from a save to the reload.
const DEBOUNCE: Duration = Duration::from_millis(40);

/// Largest HTML page the preview will rewrite (the 10,000-mentor directory is ~15 MB).
const MAX_HTML_BYTES: usize = 256 * 1024 * 1024;

pub fn run(root: &Path, port: u16) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(root.to_path_buf(), port))
}

async fn serve(root: PathBuf, port: u16) -> anyhow::Result<()> {
    let out = root.join("public");
    let preview = Arc::new(Mutex::new(Preview::new(&root, &out)));
    let (reload, _) = broadcast::channel(16);
    // A first build that fails still starts the server: staff fix the file and it rebuilds.
    rebuild(preview.clone(), Vec::new(), reload.clone()).await;

    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if is_relevant(&event) {
                let _ = events_tx.send(event.paths);
            }
        }
    })?;
    for dir in ["content", "templates"] {
        let path = root.join(dir);
        if path.is_dir() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    let build_reload = reload.clone();
    tokio::spawn(rebuild_on_change(events_rx, move |changed| {
        rebuild(preview.clone(), changed, build_reload.clone())
    }));

    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .with_context(|| {
            format!("cannot listen on 127.0.0.1:{port} (is another preview running? try --port)")
        })?;
    println!(
        "Serving {} at http://127.0.0.1:{port}/ (Ctrl+C to stop)",
        out.display()
    );
    println!("Watching content/ and templates/ for changes.");
    axum::serve(listener, app(out, reload))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(watcher);
    Ok(())
}

/// Brings the output up to date with `changed` (everything when empty): the quick path when
/// it applies, else a full build; prints the outcome (every problem on failure) and, on
/// success, tells browsers to reload. After the quick path's reload the search index follows.
async fn rebuild(
    preview: Arc<Mutex<Preview>>,
    changed: Vec<PathBuf>,
    reload: broadcast::Sender<()>,
) {
    let started = Instant::now();
    let quick = preview.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut preview = quick.lock().unwrap();
        if !changed.is_empty() {
            match preview.update(&changed) {
                Ok(Some(updated)) => return Ok(Done::Updated(updated)),
                Ok(None) => {}
                Err(problems) => return Err(problems),
            }
        }
        preview.build().map(Done::Built)
    })
    .await;
    let ms = started.elapsed().as_millis();
    match result {
        Ok(Ok(done)) => {
            // No browser listening is fine.
            let _ = reload.send(());
            match done {
                Done::Built(report) => println!(
                    "Built {} mentors, {} pages ({} files) in {ms} ms.",
                    report.mentors, report.pages, report.files
                ),
                Done::Updated(u) => {
                    println!(
                        "Updated {} profile(s): {} pages in {ms} ms.",
                        u.mentors, u.files
                    );
                    let follow =
                        tokio::task::spawn_blocking(move || preview.lock().unwrap().follow_up());
                    match follow.await {
                        Ok(Ok(())) => println!("Search index and catalog updated."),
                        Ok(Err(error)) => eprintln!("Updating the search index failed: {error}"),
                        Err(panic) => eprintln!("Updating the search index crashed: {panic}"),
                    }
                }
            }
        }
        Ok(Err(error)) => {
            eprintln!("{error}");
            eprintln!("Build failed; still serving the previous output.");
        }
        Err(panic) => {
            eprintln!("Build crashed: {panic}; still serving the previous output.");
        }
    }
}

enum Done {
    Built(crate::site::BuildReport),
    Updated(crate::preview::Updated),
}

/// Saves, creations, deletions and renames matter; reads and editor swap files do not.
fn is_relevant(event: &notify::Event) -> bool {
    let kind_matters = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    );
    kind_matters
        && event.paths.iter().any(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !(name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp"))
        })
}

/// Waits for a change, lets the burst settle, and rebuilds once with every path it named.
async fn rebuild_on_change<B, F>(mut events: mpsc::UnboundedReceiver<Vec<PathBuf>>, build: B)
where
    B: Fn(Vec<PathBuf>) -> F,
    F: std::future::Future<Output = ()>,
{
    while let Some(first) = events.recv().await {
        let mut changed = first;
        loop {
            match tokio::time::timeout(DEBOUNCE, events.recv()).await {
                Ok(Some(more)) => changed.extend(more),
                Ok(None) => return,
                Err(_quiet) => break,
            }
        }
        changed.sort();
        changed.dedup();
        build(changed).await;
    }
}

/// The preview site: the output directory (404.html for misses), the live-reload endpoint,
/// and the reload script added to every HTML response.
pub fn app(out: PathBuf, reload: broadcast::Sender<()>) -> Router {
    let files = ServeDir::new(&out).not_found_service(ServeFile::new(out.join("404.html")));
    Router::new()
        .route(LIVERELOAD_PATH, get(livereload))
        .with_state(reload)
        .fallback_service(files)
        .layer(map_response(inject_livereload))
}

async fn livereload(
    State(reload): State<broadcast::Sender<()>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold(reload.subscribe(), |mut rx| async move {
        match rx.recv().await {
            // A lagged receiver missed reloads; one reload covers them all.
            Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {
                Some((Ok(Event::default().event("reload").data("reload")), rx))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn inject_livereload(response: Response) -> Response {
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let (mut parts, body) = response.into_parts();
    // Previews must never show a stale page after a rebuild.
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !is_html {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = to_bytes(body, MAX_HTML_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "could not read the page").into_response();
    };
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(with_livereload(&bytes)))
}

/// The page with [`LIVERELOAD_SCRIPT`] before its last `</body>` (or at the end).
pub fn with_livereload(html: &[u8]) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + LIVERELOAD_SCRIPT.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(LIVERELOAD_SCRIPT.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use futures_util::StreamExt;
    use tower::ServiceExt;

    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<html><body><h1>ホーム</h1></body></html>",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("404.html"),
            "<html><body>見つかりません</body></html>",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/site.css"), "body{}").unwrap();
        dir
    }

    async fn get(app: Router, path: &str) -> (StatusCode, String) {
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn html_pages_get_the_reload_script_before_body_end() {
        let dir = site();
        let (status, body) = get(app(dir.path().into(), broadcast::channel(1).0), "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.ends_with(&format!("{LIVERELOAD_SCRIPT}</body></html>")),
            "{body}"
        );
        let on_disk = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        assert!(
            !on_disk.contains("__livereload"),
            "built files are never modified"
        );
    }

    #[tokio::test]
    async fn assets_are_served_untouched() {
        let dir = site();
        let (status, body) = get(
            app(dir.path().into(), broadcast::channel(1).0),
            "/static/site.css",
        )
        .await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "body{}"));
    }

    #[tokio::test]
    async fn a_missing_page_is_a_404_with_the_site_404_page() {
        let dir = site();
        let (status, body) = get(
            app(dir.path().into(), broadcast::channel(1).0),
            "/mentors/nobody/",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            body.contains("見つかりません") && body.contains(LIVERELOAD_SCRIPT),
            "{body}"
        );
    }

    #[tokio::test]
    async fn livereload_stream_sends_reload_when_the_site_is_rebuilt() {
        let dir = site();
        let (reload, _) = broadcast::channel(4);
        let request = Request::get(LIVERELOAD_PATH).body(Body::empty()).unwrap();
        let response = app(dir.path().into(), reload.clone())
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        let mut stream = response.into_body().into_data_stream();
        reload.send(()).unwrap();
        let frame = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap();
        let frame = String::from_utf8(frame.unwrap().unwrap().to_vec()).unwrap();
        assert!(frame.contains("event: reload"), "{frame}");
    }

    #[tokio::test]
    async fn a_burst_of_changes_rebuilds_once_with_every_path_it_named() {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let builds = Arc::new(Mutex::new(Vec::new()));
        let seen = builds.clone();
        let task = tokio::spawn(rebuild_on_change(events_rx, move |changed| {
            let seen = seen.clone();
            async move { seen.lock().unwrap().push(changed) }
        }));
        for name in ["b.md", "a.md", "b.md", "c.md", "a.md"] {
            events_tx.send(vec![PathBuf::from(name)]).unwrap();
        }
        tokio::time::sleep(DEBOUNCE * 5).await;
        drop(events_tx);
        task.await.unwrap();
        let names: Vec<PathBuf> = ["a.md", "b.md", "c.md"].map(PathBuf::from).into();
        assert_eq!(
            *builds.lock().unwrap(),
            vec![names],
            "one build for the burst"
        );
    }

    #[tokio::test]
    async fn a_failed_rebuild_does_not_reload_browsers() {
        let root = tempfile::tempdir().unwrap(); // no content at all: the build fails
        let preview = Arc::new(Mutex::new(Preview::new(
            root.path(),
            &root.path().join("public"),
        )));
        let (reload, mut reloads) = broadcast::channel(4);
        rebuild(preview, Vec::new(), reload).await;
        assert!(reloads.try_recv().is_err());
    }

    #[test]
    fn script_goes_before_the_last_body_end_or_at_the_end() {
        let html = b"<p>&lt;/body&gt;</p></BODY></html>";
        let out = String::from_utf8(with_livereload(html)).unwrap();
        assert!(out.ends_with(&format!("{LIVERELOAD_SCRIPT}</BODY></html>")));
        let out = String::from_utf8(with_livereload(b"<p>fragment")).unwrap();
        assert_eq!(out, format!("<p>fragment{LIVERELOAD_SCRIPT}"));
    }

    #[test]
    fn reads_and_swap_files_do_not_trigger_rebuilds() {
        use notify::event::{AccessKind, CreateKind};
        let event = |kind, path: &str| notify::Event::new(kind).add_path(PathBuf::from(path));
        assert!(is_relevant(&event(
            EventKind::Create(CreateKind::File),
            "content/mentors/a.md"
        )));
        assert!(!is_relevant(&event(
            EventKind::Access(AccessKind::Any),
            "content/mentors/a.md"
        )));
        assert!(!is_relevant(&event(
            EventKind::Create(CreateKind::File),
            "content/mentors/.a.md.swp"
        )));
    }
}
