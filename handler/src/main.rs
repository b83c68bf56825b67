//! The handler binary: under Lambda (`AWS_LAMBDA_RUNTIME_API` set; a build with the `aws`
//! feature) it answers API Gateway events with DynamoDB as the store; otherwise it serves
//! 127.0.0.1 with the SQLite store (and, with `MIKKE_SITE_DIR`, the generated site on the same
//! origin). Configuration, catalog and database are checked before anything is served.

use std::net::SocketAddr;
use std::process::ExitCode;

use handler::store::{SqliteOptions, SqliteStore, Store};
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
        #[cfg(feature = "aws")]
        Mode::Lambda => {
            let mut aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            if let Some(endpoint) = &config.dynamodb_endpoint {
                aws = aws.into_builder().endpoint_url(endpoint).build();
            }
            // Built once per process: the SDK client pools connections across invocations.
            let client = aws_sdk_dynamodb::Client::new(&aws);
            let key = config.signing_key.load(Some(&aws)).await?;
            let store = Store::from(handler::store::DynamoStore::new(
                client,
                config.table.clone(),
            ));
            let state = AppState::new(store, matcher, config).with_signing_key(key);
            match state.config.function {
                handler::config::Function::Api => lambda_http::run(app(with_staff(state)))
                    .await
                    .map_err(|e| format!("Lambda runtime stopped: {e}")),
                handler::config::Function::Notifier => {
                    let notifier = notifier_of(&state).await?;
                    handler::notify::lambda::run(notifier).await
                }
            }
        }
        #[cfg(not(feature = "aws"))]
        Mode::Lambda => Err(
            "this build has no Lambda runtime: build with `--features aws` (scripts/package.sh does)"
                .into(),
        ),
        Mode::Local => {
            let options = SqliteOptions {
                max_batch: config.write_batch,
                ..SqliteOptions::default()
            };
            let store =
                SqliteStore::open_with(&config.data_dir, options).map_err(|e| e.to_string())?;
            let key = local_key(&config).await?;
            let address = SocketAddr::from(([127, 0, 0, 1], config.port));
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
                format!("cannot listen on {address}: {e} (set MIKKE_PORT to another port)")
            })?;
            let site = config.site_dir.as_ref().map(|d| d.display().to_string());
            tracing::info!(%address, site = site.as_deref().unwrap_or("(API only)"), "listening");
            let state = AppState::new(Store::from(store), matcher, config).with_signing_key(key);
            // Mail leaves from this process too (and from `staff`); a server that would
            // store applications and never tell anyone does not start.
            let notifier = notifier_of(&state).await?;
            let state = state.with_staff(&notifier.bundle.contacts.staff);
            tracing::info!(transport = %notifier.transport.describe(), "mail");
            tokio::spawn(notifier.run(std::sync::Arc::clone(&state.mail_wake)));
            let router = app(state);
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

/// The API under Lambda: the console's staff addresses from the mail bundle (without one,
/// nobody can sign in, and the log says why).
#[cfg(feature = "aws")]
fn with_staff(state: AppState) -> AppState {
    match mikke_catalog::mail::MailBundle::from_file(&state.config.mail_bundle) {
        Ok(bundle) => {
            let staff = bundle.contacts.staff.clone();
            state.with_staff(&staff)
        }
        Err(e) => {
            tracing::warn!(error = %e, "no mail bundle: nobody can sign in to the staff console");
            state
        }
    }
}

/// The mail sender of a running handler, sharing its store, catalog and key.
async fn notifier_of(state: &AppState) -> Result<handler::notify::Notifier, String> {
    handler::notify::Notifier::from_config(
        &state.config,
        state.store.clone(),
        std::sync::Arc::clone(&state.matcher),
        std::sync::Arc::clone(&state.signing_key),
    )
    .await
}

/// The diary-link key in local mode: the variable, the development file, or (with AWS
/// support built in) Parameter Store through the default AWS credentials chain.
async fn local_key(config: &Config) -> Result<handler::tokens::SigningKey, String> {
    #[cfg(feature = "aws")]
    if let handler::tokens::KeySource::Parameter(_) = &config.signing_key {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        return config.signing_key.load(Some(&aws)).await;
    }
    config.signing_key.load_local()
}
