//! `staff backup PATH`: a copy of the local database, safe while the server runs.

use std::path::Path;

use super::{store_err, Outcome, Staff};

impl Staff {
    /// Copies the SQLite store to `dest` (a new file) and says what it holds.
    pub async fn backup(&self, dest: &Path) -> Outcome {
        let Some(store) = self.store.as_sqlite() else {
            return Err(
                "DynamoDB のバックアップはポイントインタイムリカバリ（PITR）で取ります（DEPLOY.md）"
                    .into(),
            );
        };
        if dest.exists() {
            return Err(format!(
                "{} はすでにあります。新しいファイル名を指定してください（上書きはしません）",
                dest.display()
            ));
        }
        let report = store.backup(dest).await.map_err(store_err)?;
        Ok(format!(
            "バックアップしました: {}（{} バイト、申し込み・問い合わせ {} 件、マッチング {} 件、シート {} 件）\n\
             復元するときはサーバーを止め、保存先の mikke.sqlite（と -wal、-shm）を退避してから、このファイルを {} として置いてください。\n",
            report.path.display(),
            report.bytes,
            report.records,
            report.matches,
            report.sheets,
            store.path().display()
        ))
    }
}
