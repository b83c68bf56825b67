//! `generator`: build, check or preview the mikke mentor directory.
//!
//! Exit status: 0 on success, 1 when content has problems (all printed to stderr),
//! 2 for anything else (I/O, templates).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use generator::content::{is_base_url, BASE_URL_RULE};
use generator::site::{self, BuildError, Overrides};

/// A build allocates millions of short strings and lists from both cores at once; mimalloc's
/// per-thread pages cut the time the system allocator spent in malloc/free (~14 % of the
/// CPU samples of a 10,000-profile build) — see BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. mimalloc asks for them on its arenas, and
/// each first touch of a 2 MB page made the kernel clear all of it, again after every purge of
/// freed memory: 7 % of a 100,000-profile build's samples. With 4 KB pages that build took
/// 18.2 s instead of 19.9 s, 6.5 s of kernel time instead of 9.2, and peaked at 897 MB
/// instead of 935 (BENCHMARKS.md). The same as `MIMALLOC_ALLOW_THP=0`, which must be set before
/// the process starts; the flag is read when a page is first touched, so setting it here, before
/// any work, covers every page the build uses.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[derive(Parser)]
#[command(
    name = "generator",
    version,
    about = "Builds the mikke mentor directory (静的サイト) from the Markdown profiles in content/"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole site into the output directory (replaced atomically; kept as is on errors).
    Build {
        /// Repository root holding content/ and templates/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory [default: <root>/public].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Templates directory [default: <root>/templates].
        #[arg(long)]
        templates: Option<PathBuf>,
        /// The site's public address for a production build, e.g. https://mikke.example.jp
        /// or https://d111111abcdef8.cloudfront.net: used instead of content/site.yaml's
        /// base_url (the local address) in canonical links, og tags, the sitemap and
        /// catalog.json.
        #[arg(long, value_name = "URL", value_parser = base_url)]
        base_url: Option<String>,
        /// Where the private bundle (mail.json: mail templates, mentors' and staff addresses)
        /// goes [default: <root>/private]. Never inside the site.
        #[arg(long, value_name = "DIR")]
        private_out: Option<PathBuf>,
    },
    /// Check content and templates; print every problem, write nothing.
    Check {
        /// Repository root holding content/ and templates/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Templates directory [default: <root>/templates].
        #[arg(long)]
        templates: Option<PathBuf>,
    },
    /// Build, serve on 127.0.0.1 and rebuild + reload the browser on every change (staff preview).
    Serve {
        /// Repository root holding content/ and templates/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
}

fn main() -> ExitCode {
    no_huge_pages();
    match Cli::parse().command {
        Command::Build {
            root,
            out,
            templates,
            base_url,
            private_out,
        } => {
            let out = out.unwrap_or_else(|| root.join("public"));
            let templates = templates.unwrap_or_else(|| root.join("templates"));
            let overrides = Overrides {
                base_url,
                private_dir: private_out,
            };
            match site::build_with_overrides(&root, &templates, &out, &overrides) {
                Ok(r) => {
                    println!(
                        "built {} mentors, {} pages, {} files into {} in {} ms",
                        r.mentors,
                        r.pages,
                        r.files,
                        out.display(),
                        r.elapsed.as_millis()
                    );
                    if let Some(private) = &r.private {
                        println!(
                            "mail templates and contacts (private, not part of the site): {}",
                            private.display()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(BuildError::Problems(problems)) => {
                    eprintln!("{problems}");
                    eprintln!("{} was left as it was.", out.display());
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    eprintln!("{} was left as it was.", out.display());
                    ExitCode::from(2)
                }
            }
        }
        Command::Check { root, templates } => {
            let templates = templates.unwrap_or_else(|| root.join("templates"));
            check(&root, &templates)
        }
        Command::Serve { root, port } => match generator::serve::run(&root, port) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}

/// `--base-url`: the same rule as site.yaml's `base_url`.
fn base_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    if is_base_url(value) {
        Ok(value.to_string())
    } else {
        Err(format!("\"{value}\" {BASE_URL_RULE}"))
    }
}

fn check(root: &Path, templates: &Path) -> ExitCode {
    match site::check_with_templates(root, templates) {
        Ok(r) => {
            println!(
                "ok: {} mentors, {} pages; a build would write {} files",
                r.mentors, r.pages, r.files
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprintln!("{problems}");
            ExitCode::from(1)
        }
    }
}
