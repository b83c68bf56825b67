//! Static assets (`templates/static/`) under content-hashed names, so a browser may keep them
//! for a year (`Cache-Control: immutable`) and still never runs a stale script: a changed file
//! gets a new name, and every reference to it — pages (the `assets` map templates read) and
//! the scripts that import it — names the new one.
//!
//! Each file is written twice: `static/search.1f2e3d4c5b.js` (what pages use; cached
//! forever) and `static/search.js` (a stable address for links written by hand, content and
//! bookmarks; revalidated). A hashed module imports hashed modules, a plain one plain ones,
//! so each set is whole. Scripts are slimmed first ([`super::slim_js`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::templates::{template_name, STATIC_DIR};
use super::RenderError;
use crate::output::OutputFile;

use mikke_catalog::assets::HASH_LEN;

#[derive(Debug, Clone)]
struct Asset {
    /// Path under `static/`, e.g. `search.js`.
    name: String,
    /// The served bytes under the plain name (scripts slimmed).
    plain: Vec<u8>,
    /// Under the hashed name: imports of other assets renamed to theirs.
    hashed: Vec<u8>,
    hashed_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Assets {
    list: Vec<Asset>,
}

impl Assets {
    /// Reads, slims and names every file under `templates/static/`.
    pub fn load(templates_dir: &Path) -> Result<Assets, RenderError> {
        let dir = templates_dir.join(STATIC_DIR);
        if !dir.is_dir() {
            return Ok(Assets::default());
        }
        let mut files: Vec<(String, PathBuf, Vec<u8>)> = Vec::new();
        for entry in WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry
                .map_err(|e| io_error(e.path().unwrap_or(&dir).to_path_buf().as_path(), &e))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| io_error(entry.path(), e))?;
            let name = template_name(&dir, entry.path());
            let bytes = match (name.ends_with(".js"), std::str::from_utf8(&bytes)) {
                (true, Ok(source)) => {
                    super::slim_js::strip(source).map_or(bytes, String::into_bytes)
                }
                _ => bytes,
            };
            files.push((name, entry.into_path(), bytes));
        }
        let mut named: HashMap<String, String> = HashMap::new();
        let mut list = Vec::with_capacity(files.len());
        for i in 0..files.len() {
            hash_with_imports(i, &files, &mut named, &mut Vec::new())?;
        }
        for (name, _, plain) in files {
            let hashed = rewrite_imports(&plain, &name, &named);
            list.push(Asset {
                hashed_name: named[&name].clone(),
                name,
                plain,
                hashed,
            });
        }
        Ok(Assets { list })
    }

    /// Plain name → site URL of the hashed file (`site.css` → `/static/site.0a1b2c3d4e.css`):
    /// the `assets` map templates read.
    pub fn urls(&self) -> indexmap::IndexMap<&str, String> {
        self.list
            .iter()
            .map(|a| (a.name.as_str(), format!("/{STATIC_DIR}/{}", a.hashed_name)))
            .collect()
    }

    /// Every asset under both names.
    pub fn files(&self) -> Vec<OutputFile> {
        self.list
            .iter()
            .flat_map(|a| {
                [
                    OutputFile::bytes(format!("{STATIC_DIR}/{}", a.name), a.plain.clone()),
                    OutputFile::bytes(format!("{STATIC_DIR}/{}", a.hashed_name), a.hashed.clone()),
                ]
            })
            .collect()
    }
}

/// Names file `i` (and first every asset it imports, depth first) by its hashed content.
fn hash_with_imports(
    i: usize,
    files: &[(String, PathBuf, Vec<u8>)],
    named: &mut HashMap<String, String>,
    visiting: &mut Vec<usize>,
) -> Result<(), RenderError> {
    let (name, path, bytes) = &files[i];
    if named.contains_key(name) {
        return Ok(());
    }
    if visiting.contains(&i) {
        return Err(RenderError::Io {
            path: path.clone(),
            message: "static scripts import each other in a circle; a hashed name cannot be given to either (break the cycle)".into(),
        });
    }
    visiting.push(i);
    for (j, (other, ..)) in files.iter().enumerate() {
        if j != i && imports(bytes, name, other) {
            hash_with_imports(j, files, named, visiting)?;
        }
    }
    visiting.pop();
    let body = rewrite_imports(bytes, name, named);
    named.insert(name.clone(), hashed_name(name, &body));
    Ok(())
}

/// Whether script `name` (bytes) imports asset `other` by a relative specifier.
fn imports(bytes: &[u8], name: &str, other: &str) -> bool {
    name.ends_with(".js")
        && other.ends_with(".js")
        && specifiers(other)
            .iter()
            .any(|s| memchr::memmem::find(bytes, s.as_bytes()).is_some())
}

/// `'./other.js'` and `"./other.js"`: how the site's modules import each other (one folder).
fn specifiers(other: &str) -> [String; 2] {
    [format!("'./{other}'"), format!("\"./{other}\"")]
}

/// A script with its imports of named assets renamed to their hashed names.
fn rewrite_imports(bytes: &[u8], name: &str, named: &HashMap<String, String>) -> Vec<u8> {
    if !name.ends_with(".js") {
        return bytes.to_vec();
    }
    let Ok(mut text) = String::from_utf8(bytes.to_vec()) else {
        return bytes.to_vec();
    };
    for (other, hashed) in named {
        for (spec, quote) in specifiers(other).iter().zip(['\'', '"']) {
            if text.contains(spec.as_str()) {
                text = text.replace(spec.as_str(), &format!("{quote}./{hashed}{quote}"));
            }
        }
    }
    text.into_bytes()
}

/// `search.js` + body → `search.<hash>.js` (FNV-1a 64 of the body, first HASH_LEN hex digits).
fn hashed_name(name: &str, body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in body {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let hash = &format!("{h:016x}")[..HASH_LEN];
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> RenderError {
    RenderError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        for (name, body) in files {
            std::fs::write(dir.path().join("static").join(name), body).unwrap();
        }
        dir
    }

    #[test]
    fn a_changed_module_renames_itself_and_every_module_importing_it() {
        let files = [
            ("a.js", "import { b } from './b.js';\nb();\n"),
            ("b.js", "export function b() {}\n"),
            ("site.css", "body { margin: 0; }\n"),
        ];
        let before = Assets::load(root(&files).path())
            .unwrap()
            .urls()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<HashMap<_, _>>();
        let mut changed = files;
        changed[1].1 = "export function b() { return 1; }\n";
        let after_assets = Assets::load(root(&changed).path()).unwrap();
        let after = after_assets.urls();
        assert_ne!(before["b.js"], after["b.js"]);
        assert_ne!(
            before["a.js"], after["a.js"],
            "a.js imports b.js: its name changes too"
        );
        assert_eq!(before["site.css"], after["site.css"]);
        let hashed_b = after["b.js"].rsplit('/').next().unwrap();
        let a = after_assets.list.iter().find(|x| x.name == "a.js").unwrap();
        assert!(String::from_utf8_lossy(&a.hashed).contains(&format!("'./{hashed_b}'")));
        assert!(String::from_utf8_lossy(&a.plain).contains("'./b.js'"));
        assert_eq!(after_assets.files().len(), 6, "each file under both names");
    }

    #[test]
    fn modules_importing_each_other_in_a_circle_are_an_error_naming_the_file() {
        let dir = root(&[
            ("a.js", "import './b.js';\n"),
            ("b.js", "import './a.js';\n"),
        ]);
        let err = Assets::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("a.js") && err.contains("circle"), "{err}");
    }
}
