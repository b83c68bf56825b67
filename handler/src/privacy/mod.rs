//! A person's data on request (issue 15): everything the store holds about one address,
//! gathered through the store's own API so it works the same on SQLite and DynamoDB.
//! `export` gathers and renders (JSON for machines, Japanese text for her); the staff command
//! (`staff export --email`) writes both files and audits the request without the address.

pub mod erase;
pub mod export;
pub mod text;

pub use export::{gather, Export};

/// The one way two addresses are compared here: the forms' normalisation, lower-cased.
pub fn same_address(a: &str, b: &str) -> bool {
    let norm = |x: &str| mikke_catalog::mail::normalise_address(x.trim()).map(|n| n.to_lowercase());
    matches!((norm(a), norm(b)), (Some(x), Some(y)) if x == y)
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
