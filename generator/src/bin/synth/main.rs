//! `synth`: writes a complete content root with N deterministic synthetic mentor profiles,
//! for benchmarks (bench/generator.sh) and for trying the directory at scale.
//!
//! The root gets the repository's taxonomy, matching weights, site settings, pages, mail
//! templates, briefing join details and templates, and a contacts file giving every synthetic
//! mentor a fictional address, so `generator build --root DIR` works on it as on the
//! repository itself.

mod prng;
mod profile;
mod words;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser;
use mikke_catalog::Taxonomy;

/// Marks a directory as written by synth, so a second run may replace it but synth never
/// deletes a directory someone else made.
const MARKER: &str = ".mikke-synth";

/// Files and folders copied from the repository root as they are.
const COPIED: &[&str] = &[
    "content/taxonomy.yaml",
    "content/matching.yaml",
    "content/site.yaml",
    "content/pages",
    // The privacy page's recorded versions (issue 15): the page is copied, so its record is.
    generator::content::consent::VERSIONS_FILE,
    "content/mail",
    "content/private/briefings.yaml",
    "templates",
];

#[derive(Parser, Debug)]
#[command(
    about = "Write a content root with N synthetic (fictional) mentor profiles",
    long_about = "Write a content root with N synthetic (fictional) mentor profiles.\n\n\
        DIR gets content/taxonomy.yaml, matching.yaml, site.yaml, content/pages/, content/mail/, \
        content/private/briefings.yaml and templates/ from the repository, content/mentors/m00001.md … \
        drawn from the taxonomy, and content/private/contacts.yaml with a fictional address for each. \
        The same seed always gives the same bytes. Build it with `generator build --root DIR`."
)]
struct Args {
    /// How many profiles to write.
    #[arg(long)]
    count: usize,
    /// The content root to write; replaced if an earlier synth run made it.
    #[arg(long)]
    out: PathBuf,
    /// Seed of the pseudo-random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Repository root to copy taxonomy, settings, pages and templates from.
    #[arg(long, default_value_os_t = default_repo_root())]
    from: PathBuf,
    /// Give every profile its name's reading (`name_kana`), to measure what readings cost.
    #[arg(long)]
    readings: bool,
}

fn default_repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> Result<()> {
    let args = Args::parse();
    write_root(&args)?;
    println!(
        "wrote {} synthetic profiles (seed {}) to {}",
        args.count,
        args.seed,
        args.out.join("content/mentors").display()
    );
    Ok(())
}

fn write_root(args: &Args) -> Result<()> {
    let taxonomy_path = args.from.join("content/taxonomy.yaml");
    let text = fs::read_to_string(&taxonomy_path)
        .with_context(|| format!("reading {}", taxonomy_path.display()))?;
    let taxonomy = Taxonomy::parse(&text).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("{}: {}", taxonomy_path.display(), list.join("; "))
    })?;

    prepare_out_dir(&args.out)?;
    for item in COPIED {
        let from = args.from.join(item);
        if from.exists() {
            copy_recursively(&from, &args.out.join(item))?;
        }
    }
    let mentors = args.out.join("content/mentors");
    fs::create_dir_all(&mentors).with_context(|| format!("creating {}", mentors.display()))?;
    let mut contacts = String::from("mentors:\n");
    for index in 1..=args.count {
        let slug = profile::slug(index);
        let path = mentors.join(format!("{slug}.md"));
        fs::write(
            &path,
            profile::profile(&taxonomy, args.seed, index, args.readings),
        )
        .with_context(|| format!("writing {}", path.display()))?;
        contacts.push_str(&format!("  {slug}: {slug}@mentors.example.jp\n"));
    }
    contacts.push_str("staff:\n  - jimukyoku@mikke.example.jp\n");
    let path = args.out.join("content/private/contacts.yaml");
    fs::create_dir_all(path.parent().expect("a parent"))
        .with_context(|| format!("creating {}", path.display()))?;
    fs::write(&path, contacts).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Empties a directory an earlier synth run made; refuses any other non-empty directory.
fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let empty = fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_none();
        if !empty && !out.join(MARKER).exists() {
            bail!(
                "{} is not empty and was not written by synth; choose a new directory",
                out.display()
            );
        }
        for sub in ["content", "templates"] {
            let path = out.join(sub);
            if path.exists() {
                fs::remove_dir_all(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    fs::write(
        out.join(MARKER),
        "written by `cargo run -p generator --bin synth`; safe to delete\n",
    )
    .with_context(|| format!("writing {}", out.join(MARKER).display()))?;
    Ok(())
}

fn copy_recursively(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
        for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
            let entry = entry?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::copy(from, to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
