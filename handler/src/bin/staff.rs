//! `staff`: the service staff's command line — the application queue, matching, the diary
//! sheets, backups. Same configuration as the handler: the SQLite store in `MIKKE_DATA_DIR` by
//! default (usable while the local server runs: SQLite lets several processes share it),
//! DynamoDB with `--store dynamo` (or when `MIKKE_TABLE` is set; a build with the `aws`
//! feature) and the same env variables.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
#[cfg(feature = "aws")]
use handler::config::KeySource;
use handler::config::{Config, Mode};
use handler::notify::Notifier;
use handler::staff::Staff;
use handler::store::{SqliteStore, Store};
use handler::Matcher;
use mikke_catalog::Catalog;

#[derive(Parser)]
#[command(
    name = "staff",
    version,
    about = "メンターmikke 事務局用コマンド: 申し込みの確認、マッチング、メンタリングシート",
    long_about = "メンターmikke 事務局用コマンド: 申し込みの確認、マッチング、メンタリングシート。\n\
        設定はハンドラーと同じ環境変数（MIKKE_DATA_DIR, MIKKE_CATALOG, MIKKE_SITE_URL, MIKKE_TABLE, \
        MIKKE_DYNAMODB_ENDPOINT, MIKKE_SIGNING_KEY / MIKKE_SIGNING_KEY_PARAMETER, MIKKE_RETENTION_DAYS）。\n\
        ローカルの保存先（SQLite）はサーバーの起動中もそのまま使えます。"
)]
struct Cli {
    /// 保存先: embedded（MIKKE_DATA_DIR の SQLite）か dynamo（MIKKE_TABLE）。省略時は MIKKE_TABLE があれば dynamo
    #[arg(long, global = true, value_enum)]
    store: Option<StoreKind>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StoreKind {
    #[value(alias = "sqlite")]
    Embedded,
    Dynamo,
}

#[derive(Subcommand)]
enum Command {
    /// 新しい申し込みの一覧（要電話が先、古い順）: ID、受付日時、完成度、おすすめとスコア
    Queue {
        /// 氏名・メール・電話も表示する
        #[arg(long)]
        contact: bool,
        /// 最大件数
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// 申し込み1件: 内容、おすすめメンター上位5人と理由、満たせない希望
    Show {
        application_id: String,
        /// メールと電話も表示する
        #[arg(long)]
        contact: bool,
    },
    /// 一括提案: 待っている申し込み全件に、空き枠の中でスコアの合計が最大になるメンターを提案（先着順との比較つき）
    Propose,
    /// 法人レポート: 企業コードごとの申し込み・マッチング・実施セッション・満足度・連絡希望（集計のみ、3人未満は非表示）
    Report {
        /// この企業コードだけ（省略時は期間内に動きのあったすべての法人）
        #[arg(long)]
        company: Option<String>,
        /// 期間の初日 YYYY-MM-DD（省略時は今月1日）
        #[arg(long)]
        from: Option<String>,
        /// 期間の最終日 YYYY-MM-DD（省略時は今日）
        #[arg(long)]
        to: Option<String>,
        /// CSV をこのファイルに保存する（表計算ソフトで開けます）
        #[arg(long, value_name = "FILE")]
        csv: Option<std::path::PathBuf>,
    },
    /// 申し込みの状態を変える: phoned（電話済み）, on_hold（保留）, declined（お断り）, reopen（保留から戻す）
    Status {
        application_id: String,
        #[arg(value_parser = ["phoned", "on_hold", "declined", "reopen"])]
        to: String,
    },
    /// フォローしたシートを対応済みにする（staff sheets --flagged に出なくなる）
    Handled { match_id: String, session: u32 },
    /// 事務局コンソールにログインしている人の一覧。--revoke-all で全員をログアウトさせる
    Sessions {
        /// すべてのログインをただちに終了する
        #[arg(long)]
        revoke_all: bool,
    },
    /// 操作の記録（だれが・いつ・何を・どのIDに。内容は記録しません）
    Audit {
        /// この日（YYYY-MM-DD、日本時間）以降（省略時は30日前から）
        #[arg(long)]
        since: Option<String>,
        /// 最大件数
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// マッチングを作成し、メンティーとメンターに紹介メール（それぞれ専用リンク付き）を送る
    Assign {
        application_id: String,
        mentor_slug: String,
        /// セッション回数（省略時は申し込みのプラン）
        #[arg(long)]
        sessions: Option<u32>,
        /// 専用リンクも画面に表示する（電話で伝えるときなど）
        #[arg(long)]
        links: bool,
    },
    /// マッチングのセッション回数を増やし、終了予定とリンクの期限を延ばす（新しいリンクをメールで送る）
    Extend {
        match_id: String,
        /// 追加する回数
        #[arg(long)]
        sessions: u32,
        /// 新しいリンクも画面に表示する
        #[arg(long)]
        links: bool,
    },
    /// マッチングを終了し、メンターの枠を空ける（二人にお礼のメールを送る）
    Close { match_id: String },
    /// ご本人の依頼で、そのメールアドレスについてお預かりしている情報をすべて書き出す（JSON と読みやすい文面の2ファイル）
    Export {
        /// ご本人のメールアドレス
        #[arg(long)]
        email: String,
        /// 書き出す先のフォルダ（省略時は今いるフォルダ）
        #[arg(long, default_value = ".")]
        out: std::path::PathBuf,
    },
    /// ご本人の依頼で、そのメールアドレスの情報をすべて削除する（メンターへの提供の記録だけは残す）。--dry-run で対象の確認だけ
    Erase {
        /// ご本人のメールアドレス
        #[arg(long)]
        email: String,
        /// 削除せず、対象を表示するだけ
        #[arg(long)]
        dry_run: bool,
    },
    /// マッチングの専用ページのリンクをすべて無効にする（漏れた・端末をなくした等）。--send で新しいリンクを二人にメールで送る
    Revoke {
        match_id: String,
        /// 新しいリンクを二人にメールで送る
        #[arg(long)]
        send: bool,
    },
    /// メールの送信状況。--failed で送れなかったもの、--resend で再送、--send で今すぐ送信、--remind でリマインダー
    Mail {
        /// 送れなかったメール（失敗・拒否）を一覧する
        #[arg(long, conflicts_with_all = ["resend", "send", "remind"])]
        failed: bool,
        /// このIDのメールをもう一度送る
        #[arg(long, value_name = "ID", conflicts_with_all = ["send", "remind"])]
        resend: Option<String>,
        /// 送信待ちのメールを今すぐ送る
        #[arg(long, conflicts_with = "remind")]
        send: bool,
        /// リマインダー・期間超過・事務局まとめを今すぐ確認して送る（通常は1時間ごとに自動）
        #[arg(long)]
        remind: bool,
        /// 最大件数
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// お問い合わせ（無料相談・説明会・法人）の一覧、状態の変更（未対応→対応中→完了）、説明会の参加者数
    Inquiries {
        /// 種類: consultation（無料相談）, briefing（説明会）, corporate（法人）
        #[arg(long, value_parser = ["consultation", "briefing", "corporate"])]
        kind: Option<String>,
        /// 状態: received（未対応）, in_progress（対応中）, done（完了）
        #[arg(long)]
        status: Option<String>,
        /// 氏名・メール・電話・会社も表示する
        #[arg(long)]
        contact: bool,
        /// このIDのお問い合わせの状態を --to の値にする
        #[arg(long, value_name = "ID", requires = "to", conflicts_with_all = ["roster", "kind", "status"])]
        set: Option<String>,
        /// --set の新しい状態: received, in_progress, done
        #[arg(long, value_name = "STATUS", requires = "set")]
        to: Option<String>,
        /// 説明会の日程ごとの参加申し込み数と定員（--contact で参加者も）
        #[arg(long, conflicts_with_all = ["kind", "status"])]
        roster: bool,
        /// 最大件数
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// ローカルの保存先（SQLite）を PATH にバックアップする（サーバー起動中でも可）。復元の手順は README
    Backup {
        /// 書き出すファイル（まだ存在しないもの）
        path: std::path::PathBuf,
    },
    /// メンタリングシートをフォローの優先度順に表示する
    Sheets {
        /// フォローが必要なもの（優先度が matching.yaml の flag_at 以上）だけ
        #[arg(long)]
        flagged: bool,
        /// 最大件数
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("非同期ランタイムを起動できません: {e}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("staff: {message}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<String, String> {
    // Local mode's rules (no Lambda-only requirements); the variables are the handler's.
    let config =
        Config::from_vars(Mode::Local, |n| std::env::var(n).ok()).map_err(|e| e.to_string())?;
    let kind = cli
        .store
        .unwrap_or(if std::env::var_os("MIKKE_TABLE").is_some() {
            StoreKind::Dynamo
        } else {
            StoreKind::Embedded
        });
    let mut config = config;
    // On AWS, staff's own mail (assign, extend, close, resend) leaves through SES like the
    // notifier's, unless told otherwise.
    if kind == StoreKind::Dynamo && std::env::var_os("MIKKE_MAIL_TRANSPORT").is_none() {
        config.mail_transport = handler::config::MailTransport::Ses;
    }
    let catalog = Catalog::from_file(&config.catalog).map_err(|e| e.to_string())?;
    let matcher =
        Matcher::new(catalog).map_err(|e| format!("catalog {}: {e}", config.catalog.display()))?;
    let (store, key) = match kind {
        StoreKind::Embedded => {
            let store = SqliteStore::open(&config.data_dir)
                .map_err(|e| format!("保存先を開けません: {e}"))?;
            let key = config.signing_key.load_local()?;
            (Store::from(store), Some(key))
        }
        #[cfg(not(feature = "aws"))]
        StoreKind::Dynamo => {
            return Err(
                "DynamoDB を使うには AWS 対応でビルドしてください（cargo run -p handler --features aws --bin staff）"
                    .into(),
            )
        }
        #[cfg(feature = "aws")]
        StoreKind::Dynamo => {
            let mut aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            if let Some(endpoint) = &config.dynamodb_endpoint {
                aws = aws.into_builder().endpoint_url(endpoint).build();
            }
            let store = handler::store::DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&aws),
                config.table.clone(),
            );
            // A development key would make links production cannot read: only the real one.
            let key = match &config.signing_key {
                KeySource::DevFile(_) => None,
                source => Some(source.load(Some(&aws)).await?),
            };
            (Store::from(store), key)
        }
    };
    // Mail the commands cause goes out from here too, server running or not. Without a
    // bundle (no `generator build` yet) it waits in the outbox, and the commands say so.
    let matcher = std::sync::Arc::new(matcher);
    let notifier = match key.clone() {
        Some(key) => Notifier::from_config(
            &config,
            store.clone(),
            std::sync::Arc::clone(&matcher),
            std::sync::Arc::new(key),
        )
        .await
        .ok(),
        None => None,
    };
    let staff = Staff {
        store,
        matcher,
        key,
        site_url: config.site_url.clone(),
        retention_days: config.retention_days,
        now: time::OffsetDateTime::now_utc(),
        notifier,
        wake: None,
        actor: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        ),
    };
    match cli.command {
        Command::Queue { contact, limit } => staff.queue(contact, limit).await,
        Command::Show {
            application_id,
            contact,
        } => staff.show(&application_id, contact).await,
        Command::Propose => staff.propose().await,
        Command::Status { application_id, to } => {
            staff.move_application(&application_id, &to, None).await
        }
        Command::Sessions { revoke_all } => staff.sessions(revoke_all).await,
        Command::Handled { match_id, session } => staff.mark_handled(&match_id, session).await,
        Command::Audit { since, limit } => match since {
            None => staff.audit_log(None, limit).await,
            Some(day) => match handler::staff::Days::parse(Some(&day), Some(&day), staff.now) {
                Ok(days) => {
                    let from = days
                        .from
                        .with_time(time::Time::MIDNIGHT)
                        .assume_offset(handler::staff::JST);
                    staff.audit_log(Some(from), limit).await
                }
                Err(e) => Err(e.replace("--from", "--since")),
            },
        },
        Command::Report {
            company,
            from,
            to,
            csv,
        } => report(&staff, company, from, to, csv).await,
        Command::Assign {
            application_id,
            mentor_slug,
            sessions,
            links,
        } => {
            staff
                .assign(&application_id, &mentor_slug, sessions, links)
                .await
        }
        Command::Extend {
            match_id,
            sessions,
            links,
        } => staff.extend(&match_id, sessions, links).await,
        Command::Mail {
            failed,
            resend,
            send,
            remind,
            limit,
        } => match resend {
            Some(id) => staff.resend(&id).await,
            None if send => staff.send_now().await,
            None if remind => staff.remind().await,
            None => staff.mail(failed, limit).await,
        },
        Command::Close { match_id } => staff.close(&match_id).await,
        Command::Revoke { match_id, send } => staff.revoke(&match_id, send).await,
        Command::Export { email, out } => staff.export(&email, &out).await,
        Command::Erase { email, dry_run } => staff.erase(&email, dry_run).await,
        Command::Backup { path } => staff.backup(&path).await,
        Command::Inquiries {
            kind,
            status,
            contact,
            set,
            to,
            roster,
            limit,
        } => match (set, to) {
            (Some(id), Some(to)) => staff.set_inquiry_status(&id, &to, None).await,
            _ if roster => staff.roster(contact).await,
            _ => {
                let kind = kind.as_deref().and_then(handler::forms::InquiryKind::parse);
                staff
                    .inquiries(kind, status.as_deref(), contact, limit)
                    .await
            }
        },
        Command::Sheets { flagged, limit } => staff.sheets(flagged, limit).await,
    }
}

async fn report(
    staff: &Staff,
    company: Option<String>,
    from: Option<String>,
    to: Option<String>,
    csv: Option<std::path::PathBuf>,
) -> Result<String, String> {
    let days = handler::staff::Days::parse(from.as_deref(), to.as_deref(), staff.now)?;
    let Some(path) = csv else {
        return staff.report(company.as_deref(), days, false).await;
    };
    let text = staff.report(company.as_deref(), days, true).await?;
    std::fs::write(&path, text)
        .map_err(|e| format!("{} に保存できませんでした: {e}", path.display()))?;
    Ok(format!("法人レポートを保存しました: {}\n", path.display()))
}
