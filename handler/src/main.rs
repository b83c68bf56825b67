//! The handler binary: under Lambda (`AWS_LAMBDA_RUNTIME_API` set) it answers API
//! Gateway events with DynamoDB as the store; otherwise it serves 127.0.0.1 with the
//! embedded store (and, with `MIKKE_SITE_DIR`, the generated site on the same origin).
//! Configuration and catalog are checked before anything is served.

use std::net::SocketAddr;
use std::process::ExitCode;

use handler::store::{DynamoStore, EmbeddedStore, Store};
use handler::{app, AppState, Config, Matcher, Mode};
use mikke_catalog::Catalog;

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    init_logging(config.mode);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("mikke handler: {message}");
    ExitCode::FAILURE
}

fn init_logging(mode: Mode) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match mode {
        // CloudWatch reads one JSON object per line; no ANSI colours.
        Mode::Lambda => builder.json().with_ansi(false).without_time().init(),
        Mode::Local => builder.init(),
    }
}

async fn run(config: Config) -> Result<(), String> {
    if let Some(dir) = config.site_dir.as_ref().filter(|d| !d.is_dir()) {
        return Err(format!(
            "MIKKE_SITE_DIR {} is not a directory (build the site first)",
            dir.display()
        ));
    }
    let catalog = Catalog::from_file(&config.catalog).map_err(|e| e.to_string())?;
    let matcher =
        Matcher::new(catalog).map_err(|e| format!("catalog {}: {e}", config.catalog.display()))?;
    tracing::info!(mentors = matcher.catalog().mentors.len(), "catalog loaded");
    match config.mode {
        Mode::Lambda => {
            let mut aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            if let Some(endpoint) = &config.dynamodb_endpoint {
                aws = aws.into_builder().endpoint_url(endpoint).build();
            }
            // Built once per process: the SDK client pools connections across invocations.
            let client = aws_sdk_dynamodb::Client::new(&aws);
            let key = config.signing_key.load(Some(&aws)).await?;
            let store = Store::from(DynamoStore::new(client, config.table.clone()));
            let router = app(AppState::new(store, matcher, config).with_signing_key(key));
            lambda_http::run(router)
                .await
                .map_err(|e| format!("Lambda runtime stopped: {e}"))
        }
        Mode::Local => {
            let store = EmbeddedStore::open(&config.data_dir).map_err(|e| e.to_string())?;
            let key = match &config.signing_key {
                // Parameter Store from a laptop: the default AWS credentials chain.
                handler::tokens::KeySource::Parameter(_) => {
                    let aws =
                        aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                    config.signing_key.load(Some(&aws)).await?
                }
                source => source.load(None).await?,
            };
            let address = SocketAddr::from(([127, 0, 0, 1], config.port));
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
                format!("cannot listen on {address}: {e} (set MIKKE_PORT to another port)")
            })?;
            let site = config.site_dir.as_ref().map(|d| d.display().to_string());
            tracing::info!(%address, site = site.as_deref().unwrap_or("(API only)"), "listening");
            let router =
                app(AppState::new(Store::from(store), matcher, config).with_signing_key(key));
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("server stopped: {e}"))
        }
    }
}
