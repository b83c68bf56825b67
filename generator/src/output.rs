//! What each build stage hands to `site`: files to write, relative to the output root.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum OutputBody {
    Bytes(Vec<u8>),
    /// Copy this source file as is (static assets, photos).
    Copy(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// Relative to the output directory, `/`-separated, e.g. `mentors/sato/index.html`.
    pub path: String,
    pub body: OutputBody,
}

impl OutputFile {
    pub fn bytes(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> OutputFile {
        OutputFile {
            path: path.into(),
            body: OutputBody::Bytes(bytes.into()),
        }
    }

    pub fn copy(path: impl Into<String>, source: impl Into<PathBuf>) -> OutputFile {
        OutputFile {
            path: path.into(),
            body: OutputBody::Copy(source.into()),
        }
    }
}
