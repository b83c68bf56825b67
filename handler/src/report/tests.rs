use time::macros::datetime;

use super::*;

fn period() -> Period {
    Period {
        from: datetime!(2026-10-31 15:00 UTC),
        to: datetime!(2026-11-30 15:00 UTC),
    }
}

const BEFORE: OffsetDateTime = datetime!(2026-10-20 01:00 UTC);
const DURING: OffsetDateTime = datetime!(2026-11-10 01:00 UTC);
const AFTER: OffsetDateTime = datetime!(2026-12-01 01:00 UTC);

fn app(id: &'static str, at: OffsetDateTime, code: &'static str) -> AppFact<'static> {
    AppFact {
        id,
        created_at: at,
        company_code: code,
    }
}

fn a_match(id: &'static str, app: &'static str, at: OffsetDateTime) -> MatchFact<'static> {
    MatchFact {
        id,
        application_id: app,
        created_at: at,
    }
}

fn sheet(m: &'static str, at: OffsetDateTime, rating: u32, want: bool) -> SheetFact<'static> {
    SheetFact {
        match_id: m,
        created_at: at,
        satisfaction: Some(rating),
        want_staff_contact: Some(want),
    }
}

/// The fixture, computed by hand in the comments.
fn fixture() -> (
    Vec<AppFact<'static>>,
    Vec<MatchFact<'static>>,
    Vec<SheetFact<'static>>,
) {
    let apps = vec![
        app("a0", BEFORE, "acme"), // before the period: not counted, her match is
        app("a1", DURING, "ACME"),
        app("a2", DURING, "acme"),
        app("a3", DURING, "Acme"),
        app("a4", DURING, "acme"), // 4 applications in the period
        app("b1", DURING, "beta"), // beta: 1 application → hidden
    ];
    let matches = vec![
        a_match("m0", "a0", DURING),
        a_match("m1", "a1", DURING),
        a_match("m2", "a2", DURING),      // 3 matches in the period
        a_match("m3", "a3", AFTER),       // after: not counted
        a_match("mx", "unknown", DURING), // not a client's application
    ];
    let sheets = vec![
        sheet("m0", DURING, 5, false),
        sheet("m1", DURING, 4, true),
        sheet("m1", DURING, 4, false),
        sheet("m2", DURING, 3, false), // 4 sheets of 3 people; mean 16/4 = 4.0; 1 of 4 = 25 %
        sheet("m2", AFTER, 1, true),   // after: not counted
        sheet("mx", DURING, 1, true),  // no client's
    ];
    (apps, matches, sheets)
}

#[test]
fn figures_match_the_hand_computed_fixture_and_small_cells_are_hidden() {
    let (apps, matches, sheets) = fixture();
    let reports = aggregate(period(), None, &apps, &matches, &sheets);
    assert_eq!(reports.len(), 2);
    let acme = &reports[0];
    assert_eq!(acme.company_code, "ACME");
    assert_eq!(acme.applications, Cell::Shown(4));
    assert_eq!(acme.matches, Cell::Shown(3));
    assert_eq!(acme.sessions, Cell::Shown(4));
    // Ratings 3, 4 (one person twice) and 5 each concern fewer than three people.
    assert_eq!(
        acme.satisfaction,
        [
            Cell::Shown(0),
            Cell::Shown(0),
            Cell::Hidden,
            Cell::Hidden,
            Cell::Hidden
        ]
    );
    assert_eq!(acme.satisfaction_mean, Cell::Shown("4.0".to_string()));
    assert_eq!(acme.want_staff_contact, Cell::Shown(25));
    let beta = &reports[1];
    assert_eq!(beta.company_code, "BETA");
    assert_eq!(beta.applications, Cell::Hidden);
    assert_eq!(beta.matches, Cell::Shown(0));
    assert_eq!(beta.satisfaction_mean, Cell::Shown("-".to_string()));
}

#[test]
fn one_client_is_reported_alone_even_with_nothing_in_the_period() {
    let (apps, matches, sheets) = fixture();
    let acme = aggregate(period(), Some("acme"), &apps, &matches, &sheets);
    assert_eq!(acme.len(), 1);
    assert_eq!(acme[0].company_code, "ACME");
    let none = aggregate(period(), Some("gamma"), &apps, &matches, &sheets);
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].applications, Cell::Shown(0));
}

#[test]
fn the_csv_has_a_bom_a_japanese_header_and_hides_small_cells() {
    let (apps, matches, sheets) = fixture();
    let reports = aggregate(period(), None, &apps, &matches, &sheets);
    let text = csv(&reports, "2026-11-01", "2026-11-30");
    assert!(text.starts_with("\u{feff}企業コード,"));
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(
        lines[1],
        "ACME,2026-11-01,2026-11-30,4,3,4,0,0,3人未満,3人未満,3人未満,4.0,25"
    );
    assert!(lines[2].starts_with("BETA,2026-11-01,2026-11-30,3人未満,0,0,"));
    assert_eq!(lines[3], "");
}
