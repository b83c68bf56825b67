//! A person's data on request (issue 15): everything the store holds about one address,
//! gathered through the store's own API so it works the same on SQLite and DynamoDB.
//! `export` gathers and renders (JSON for machines, Japanese text for her); the staff command
//! (`staff export --email`) writes both files and audits the request without the address.

pub mod erase;
pub mod export;
pub mod text;

pub use export::{gather, Export};

/// The one form an address is compared and hashed in: the forms' normalisation, trimmed and
/// lower-cased (nobody types an address in one case only). `None` when it is no address.
pub fn canonical_address(address: &str) -> Option<String> {
    mikke_catalog::mail::normalise_address(address.trim()).map(|n| n.to_lowercase())
}

/// Whether two addresses are the same person's ([`canonical_address`]).
pub fn same_address(a: &str, b: &str) -> bool {
    matches!((canonical_address(a), canonical_address(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_compare_as_the_forms_normalise_them() {
        assert!(super::same_address(
            "Hanako@Example.jp",
            " hanako@example.jp "
        ));
        assert!(!super::same_address(
            "hanako@example.jp",
            "hanako2@example.jp"
        ));
        assert!(!super::same_address("", ""));
    }
}
