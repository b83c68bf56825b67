//! How a static asset's URL says it never changes: the generator names each file under
//! `static/` by its content hash (`search.0a1b2c3d4e.js`), the local server and the deploy
//! give exactly those a year's cache (`immutable`), everything else is revalidated.

/// Hex digits of the content hash in an asset's file name.
pub const HASH_LEN: usize = 10;

/// `Cache-Control` of a hashed asset: any cache may keep it for a year without asking again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of everything else the site serves (pages, plain-named assets, the search
/// index): kept, but checked with the server before each use, so a deploy shows at once.
pub const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// Whether `path` (a URL path) names a hashed asset: `/static/<stem>.<HASH_LEN hex>.<ext>`.
pub fn is_hashed_url(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/static/") else {
        return false;
    };
    let mut parts = file.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next());
    parts.next().is_some()
        && hash.is_some_and(|h| h.len() == HASH_LEN && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_script_gives_the_same_policies() {
        let script = include_str!("../../scripts/upload-site.sh");
        assert!(script.contains(&format!("--cache-control '{IMMUTABLE}'")));
        assert!(script.contains(&format!("--cache-control '{REVALIDATE}'")));
        assert!(script.contains(&format!("static/*.{}.*", "?".repeat(HASH_LEN))));
    }

    #[test]
    fn only_static_names_with_a_hash_are_hashed_urls() {
        assert!(is_hashed_url("/static/search.0123456789.js"));
        assert!(is_hashed_url("/static/site.abcdef0123.css"));
        assert!(!is_hashed_url("/static/search.js"));
        assert!(!is_hashed_url("/static/0123456789.js"));
        assert!(!is_hashed_url("/mentors/a.0123456789.js"));
        assert!(!is_hashed_url("/static/search.01234567zz.js"));
        assert!(!is_hashed_url("/static/search.012345678.js"));
    }
}
