//! The handler's private bundle, `mail.json`: mail templates, mentors' and staff addresses,
//! briefing join details and mail settings (schema: `mikke_catalog::mail::MailBundle`).
//!
//! It is written to the private directory (`<root>/private/` unless `--private-out` says
//! otherwise), never into the site: the site is public, these addresses are not. The file is
//! readable by its owner only and replaced atomically, after the site's own swap succeeded.

use std::io::Write;
use std::path::{Path, PathBuf};

use mikke_catalog::mail::{MailBundle, MailService, MAIL_BUNDLE_VERSION};

use crate::content::Content;
use crate::site::BuildError;

/// The bundle's file name in the private directory (and in the Lambda package).
pub const MAIL_BUNDLE_FILE: &str = "mail.json";
/// The private directory of a root, when the caller names none.
pub const DEFAULT_PRIVATE_DIR: &str = "private";

/// The bundle of `content`, when its site sends mail.
pub fn mail_bundle(content: &Content) -> Option<MailBundle> {
    let mail = content.mail.as_ref()?;
    let site = &content.site;
    Some(MailBundle {
        schema_version: MAIL_BUNDLE_VERSION,
        service: MailService {
            name: site.title.clone(),
            site_url: site.base_url.trim_end_matches('/').to_string(),
            contact_email: site.contact_email.clone(),
        },
        settings: mail.settings.clone(),
        templates: mail.templates.clone(),
        contacts: mail.contacts.clone(),
        briefings: mail.briefings.clone(),
    })
}

/// Writes `content`'s bundle into `dir` (0700) as `mail.json` (0600) through a temporary file
/// and a rename; the path written, or `None` when the site sends no mail.
pub fn write_private(dir: &Path, content: &Content) -> Result<Option<PathBuf>, BuildError> {
    let Some(bundle) = mail_bundle(content) else {
        return Ok(None);
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io(dir))?;
    let path = dir.join(MAIL_BUNDLE_FILE);
    let temp = dir.join(format!("{MAIL_BUNDLE_FILE}.tmp-{}", std::process::id()));
    let json = serde_json::to_vec_pretty(&bundle).expect("the bundle holds strings and maps");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(&json)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, &path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(io(&path)(e));
    }
    Ok(Some(path))
}
