use std::path::Path;

use mikke_catalog::mail::template_spec;

use super::*;

fn lines(problems: Vec<Problem>) -> Vec<String> {
    problems.iter().map(Problem::to_string).collect()
}

fn template(name: &str, text: &str) -> Result<MailTemplate, Vec<String>> {
    let spec = template_spec(name).unwrap();
    parse_template(&Path::new(MAIL_DIR).join(format!("{name}.txt")), text, spec).map_err(lines)
}

#[test]
fn project_templates_and_private_files_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut problems = Vec::new();
    let templates = load_templates(root, &mut problems);
    assert!(problems.is_empty(), "{:?}", lines(problems));
    assert_eq!(templates.unwrap().len(), TEMPLATES.len());
}

#[test]
fn a_template_is_a_subject_and_a_body_with_known_placeholders() {
    let t = template(
        "sheet_posted",
        "---\nsubject: 第{{session}}回のシートが届きました\n---\n{{mentor_name}} 様\n\n{{ diary_link }}\n\n{{service_name}}\n",
    )
    .unwrap();
    assert_eq!(t.subject, "第{{session}}回のシートが届きました");
    assert!(t.body.starts_with("{{mentor_name}} 様\n"));
    assert!(t.body.ends_with("{{service_name}}\n"));
}

#[test]
fn an_unknown_placeholder_is_named_with_its_line_and_the_ones_allowed() {
    let problems = template(
        "reply_posted",
        "---\nsubject: 返信が届きました\n---\nこんにちは\n{{mentor_nmae}} さんから\n{{diary_link}}\n",
    )
    .unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "content/mail/reply_posted.txt:5: {{mentor_nmae}} is not a placeholder of this mail (did you mean \"mentor_name\"?); it may use {{mentor_name}}, {{session}}, {{diary_link}}, {{service_name}}"
        ),
        "{}",
        problems[0]
    );
}

#[test]
fn a_placeholder_in_the_subject_points_at_the_subject_line() {
    let problems = template(
        "reply_posted",
        "---\nsubject: \"{{name}}様へ\"\n---\n{{diary_link}}\n",
    )
    .unwrap_err();
    assert!(
        problems[0].starts_with("content/mail/reply_posted.txt:2: {{name}} is not a placeholder"),
        "{problems:?}"
    );
    // Unquoted, YAML would read `{{` as a mapping: the fix is said plainly.
    let problems = template(
        "reply_posted",
        "---\nsubject: {{session}}回目\n---\n{{diary_link}}\n",
    )
    .unwrap_err();
    assert_eq!(
        problems,
        ["content/mail/reply_posted.txt:2: a subject that starts with {{ must be in double quotes: subject: \"{{…}} …\""]
    );
}

#[test]
fn a_mail_without_its_required_link_is_refused() {
    let problems = template(
        "match_mentee",
        "---\nsubject: ご紹介\n---\nよろしくお願いします\n",
    )
    .unwrap_err();
    assert_eq!(
        problems,
        ["content/mail/match_mentee.txt: must contain {{diary_link}}: this mail (the introduction of her mentor, with her own diary link) is useless without it"]
    );
}

#[test]
fn unclosed_braces_and_missing_front_matter_are_explained() {
    let problems = template(
        "reply_posted",
        "---\nsubject: a\n---\n\n{{diary_link}}\n{{session\n",
    )
    .unwrap_err();
    assert_eq!(
        problems,
        ["content/mail/reply_posted.txt:6: \"{{\" is not closed with \"}}\""]
    );
    let problems = template("reply_posted", "件名\n本文").unwrap_err();
    assert!(
        problems[0].starts_with("content/mail/reply_posted.txt:1: a mail template starts with"),
        "{problems:?}"
    );
    let problems = template("reply_posted", "---\nsubjet: a\n---\n{{diary_link}}").unwrap_err();
    assert!(
        problems[0].contains("unknown field \"subjet\", expected \"subject\""),
        "{problems:?}"
    );
}

fn mentors() -> Vec<MentorRef<'static>> {
    vec![
        MentorRef {
            slug: "aoki",
            accepting: Some(true),
        },
        MentorRef {
            slug: "ito",
            accepting: Some(false),
        },
    ]
}

#[test]
fn contacts_are_checked_against_the_mentors() {
    let c = parse_contacts(
        "mentors:\n  aoki: Aoki@Example.JP\nstaff:\n  - staff@example.jp\n",
        &mentors(),
    )
    .unwrap();
    assert_eq!(c.mentors["aoki"], "Aoki@example.jp");
    assert_eq!(c.staff, ["staff@example.jp"]);

    let problems = lines(
        parse_contacts(
            "mentors:\n  aoky: a@example.jp\n  ito: not-an-address\nstaff: []\n",
            &mentors(),
        )
        .unwrap_err(),
    );
    assert_eq!(
        problems,
        [
            "content/private/contacts.yaml:2: mentors: \"aoky\" is not a mentor (no content/mentors/aoky.md) (did you mean \"aoki\"?)",
            "content/private/contacts.yaml:3: mentors.ito: \"not-an-address\" is not an email address",
            "content/private/contacts.yaml:1: mentors: aoki is accepting mentees but has no address here; add \"aoki: her@address\" (or set accepting: false in her profile)",
            "content/private/contacts.yaml:4: staff: list at least one staff address (new applications and the daily digest go there)",
        ]
    );
}

#[test]
fn briefing_join_details_cover_exactly_the_site_dates() {
    let dates = vec!["2026-12-05".to_string(), "2026-12-10".to_string()];
    let join = parse_briefing_join(
        "\"2026-12-05\": |\n  https://meet.example.jp/a\n\"2026-12-10\": https://meet.example.jp/b\n",
        &dates,
    )
    .unwrap();
    assert_eq!(join["2026-12-05"], "https://meet.example.jp/a");
    let problems = lines(
        parse_briefing_join("\"2026-12-06\": https://meet.example.jp/a\n", &dates).unwrap_err(),
    );
    assert_eq!(
        problems,
        [
            "content/private/briefings.yaml:1: \"2026-12-06\" is not a briefing date in content/site.yaml (did you mean \"2026-12-05\"?)",
            "content/private/briefings.yaml: no join details for the briefing on 2026-12-05: add a line \"2026-12-05\": with the meeting URL and ID",
            "content/private/briefings.yaml: no join details for the briefing on 2026-12-10: add a line \"2026-12-10\": with the meeting URL and ID",
        ]
    );
}
