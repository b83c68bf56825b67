//! Gathering one person's data: her applications and inquiries (matched by address), staff
//! notes on them, her matches with every sheet and reply, the mails sent about them (which
//! template, when — the text is rebuilt at send time and not kept), the provision records
//! (found by the keyed hash of her address, so also after erasure) and the audit entries
//! naming any of her ids. Nothing is included for a reason other than naming her own ids.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::store::{
    AuditEntry, Erasure, MailStatus, Provision, RecordKind, Store, StoreError, StoredRecord,
};
use crate::tokens::SigningKey;

/// Everything held about one address.
#[derive(Debug, Serialize)]
pub struct Export {
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub applications: Vec<RecordOut>,
    pub inquiries: Vec<RecordOut>,
    pub matches: Vec<MatchOut>,
    pub mails: Vec<MailOut>,
    pub provisions: Vec<Provision>,
    pub audit: Vec<AuditOut>,
}

#[derive(Debug, Serialize)]
pub struct RecordOut {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub kept_until: OffsetDateTime,
    pub answers: Value,
    /// Staff's note on it, when there is one.
    pub staff_note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MatchOut {
    pub id: String,
    pub application_id: String,
    pub mentor: String,
    pub plan: String,
    pub sessions: u32,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub sheets: Vec<SheetOut>,
}

#[derive(Debug, Serialize)]
pub struct SheetOut {
    pub session: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    pub sheet: Value,
    pub reply: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MailOut {
    pub template: String,
    pub to: String,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize)]
pub struct AuditOut {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub ids: Vec<String>,
}

impl Export {
    /// Every id of hers (records and matches): what erasure and audit use.
    pub fn ids(&self) -> Vec<&str> {
        let records = self
            .applications
            .iter()
            .chain(&self.inquiries)
            .map(|r| r.id.as_str());
        records
            .chain(self.matches.iter().map(|m| m.id.as_str()))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.applications.is_empty()
            && self.inquiries.is_empty()
            && self.matches.is_empty()
            && self.provisions.is_empty()
    }
}

/// The address a record was sent from.
pub fn address_of(record: &StoredRecord) -> Option<&str> {
    match record.kind {
        RecordKind::Application => record.body["application"]["email"].as_str(),
        RecordKind::Inquiry => record.body["email"].as_str(),
    }
}

/// Her records of `kind`, oldest first.
pub async fn records_of(
    store: &Store,
    kind: RecordKind,
    address: &str,
) -> Result<Vec<StoredRecord>, StoreError> {
    let all = store
        .list_by_kind(kind, OffsetDateTime::UNIX_EPOCH, usize::MAX)
        .await?;
    Ok(all
        .into_iter()
        .filter(|r| address_of(r).is_some_and(|a| super::same_address(a, address)))
        .collect())
}

/// Everything the store holds about `address`.
pub async fn gather(
    store: &Store,
    key: &SigningKey,
    address: &str,
    now: OffsetDateTime,
) -> Result<Export, StoreError> {
    let mut out = Export {
        generated_at: now,
        applications: Vec::new(),
        inquiries: Vec::new(),
        matches: Vec::new(),
        mails: Vec::new(),
        provisions: Vec::new(),
        audit: Vec::new(),
    };
    for kind in RecordKind::ALL {
        for r in records_of(store, kind, address).await? {
            let staff_note = store.get_note(kind, &r.id).await?.map(|n| n.text);
            let item = RecordOut {
                answers: r
                    .body
                    .get("application")
                    .cloned()
                    .unwrap_or_else(|| r.body.clone()),
                id: r.id,
                created_at: r.created_at,
                status: r.status,
                kept_until: r.expires_at,
                staff_note,
            };
            match kind {
                RecordKind::Application => out.applications.push(item),
                RecordKind::Inquiry => out.inquiries.push(item),
            }
        }
    }
    let app_ids: BTreeSet<&str> = out.applications.iter().map(|a| a.id.as_str()).collect();
    for m in store
        .list_matches(OffsetDateTime::UNIX_EPOCH, usize::MAX)
        .await?
    {
        if !app_ids.contains(m.application_id.as_str()) {
            continue;
        }
        let sheets = match store.diary(&m.id).await? {
            Some(d) => d
                .sheets
                .into_iter()
                .map(|s| SheetOut {
                    session: s.session,
                    written_at: s.created_at,
                    sheet: s
                        .content
                        .get("sheet")
                        .cloned()
                        .unwrap_or_else(|| s.content.clone()),
                    reply: s.reply.map(|r| r.text),
                })
                .collect(),
            None => Vec::new(),
        };
        out.matches.push(MatchOut {
            id: m.id,
            application_id: m.application_id,
            mentor: m.mentor_name,
            plan: m.plan,
            sessions: m.sessions,
            status: m.status.as_str().to_string(),
            created_at: m.created_at,
            sheets,
        });
    }
    let ids: BTreeSet<String> = out.ids().into_iter().map(str::to_string).collect();
    // The mails about her are those an erasure of her ids would remove: one rule for both.
    let hers = Erasure {
        records: out
            .applications
            .iter()
            .map(|r| (RecordKind::Application, r.id.clone()))
            .chain(
                out.inquiries
                    .iter()
                    .map(|r| (RecordKind::Inquiry, r.id.clone())),
            )
            .collect(),
        matches: out.matches.iter().map(|m| m.id.clone()).collect(),
    };
    for status in MailStatus::ALL {
        for mail in store.list_mail(status, usize::MAX).await? {
            if hers.names(&mail.refs) {
                out.mails.push(MailOut {
                    template: mail.template,
                    to: mail.recipient,
                    status: status.as_str().to_string(),
                    created_at: mail.created_at,
                    sent_at: mail.sent_at,
                });
            }
        }
    }
    out.mails.sort_by_key(|m| m.created_at);
    let subject = key.subject(address);
    out.provisions = store
        .list_provisions()
        .await?
        .into_iter()
        .filter(|p| p.subject == subject)
        .collect();
    out.audit = store
        .list_audit(OffsetDateTime::UNIX_EPOCH, usize::MAX)
        .await?
        .into_iter()
        .filter(|e: &AuditEntry| e.ids.iter().any(|i| ids.contains(i)))
        .map(|e| AuditOut {
            at: e.at,
            actor: e.actor,
            action: e.action,
            ids: e.ids,
        })
        .collect();
    Ok(out)
}
