//! One synthetic mentor profile: front matter drawn from the taxonomy, a bio assembled from
//! the sentence templates in `words.rs`.

use mikke_catalog::{Taxonomy, Vocab};

use crate::prng::SplitMix64;
use crate::words::*;

/// Bio length bounds, in characters of the Markdown body (the issue asks for 200–600).
pub const BIO_MIN_CHARS: usize = 200;
pub const BIO_MAX_CHARS: usize = 600;

/// The file stem of profile `index` (1-based): `m00001`, … Zero-padded so that the generator's
/// slug order is the numeric order.
pub fn slug(index: usize) -> String {
    format!("m{index:05}")
}

/// The whole `.md` file of profile `index`. Each profile has its own PRNG stream derived from
/// (seed, index), so profile 42 is the same whether 100 or 10,000 are generated.
pub fn profile(taxonomy: &Taxonomy, seed: u64, index: usize, readings: bool) -> String {
    let mut rng = SplitMix64::for_item(seed, index as u64);
    let rng = &mut rng;

    // Indexes rather than `pick`: the same draws, and the reading goes with the name.
    let surname = rng.below(SURNAMES.len() as u64) as usize;
    let given = rng.below(GIVEN_NAMES.len() as u64) as usize;
    let name = format!("{} {}", SURNAMES[surname], GIVEN_NAMES[given]);
    let dept = rng.pick(DEPARTMENTS);
    let role = rng.pick(ROLES);
    let industry = pick_id(rng, &taxonomy.industries);
    let company_size = pick_id(rng, &taxonomy.company_sizes);
    let age_band = pick_id(rng, &taxonomy.age_bands);
    let job_functions = pick_ids(rng, &taxonomy.job_functions, 1, 3);
    let topics = pick_ids(rng, &taxonomy.topics, 2, 5);
    let tags = pick_ids(rng, &taxonomy.mentor_tags, 0, 4);
    let accepting = rng.below(10) != 0;
    let capacity = 1 + rng.below(5);

    let words = Words {
        industry: &taxonomy.industries[industry],
        size: &taxonomy.company_sizes[company_size],
        function: &taxonomy.job_functions[job_functions[0]],
        dept,
        role,
        years: (5 + rng.below(20)).to_string(),
        team: (3 + rng.below(15)).to_string(),
        topic: &taxonomy.topics[topics[0]],
    };
    let summary = (rng.below(5) != 0).then(|| words.fill(rng.pick(SUMMARIES)));
    let tag_labels: Vec<&str> = tags
        .iter()
        .map(|t| taxonomy.mentor_tags[*t].as_str())
        .collect();
    let topic_labels: Vec<&str> = topics
        .iter()
        .map(|t| taxonomy.topics[*t].as_str())
        .collect();
    let bio = bio(rng, &words, &tag_labels, &topic_labels);

    let mut out = String::with_capacity(1200);
    out.push_str("---\n");
    out.push_str(&format!("name: {name}\n"));
    if readings {
        out.push_str(&format!(
            "name_kana: {} {}\n",
            SURNAME_READINGS[surname], GIVEN_NAME_READINGS[given]
        ));
    }
    out.push_str(&format!("title: {dept} {role}\n"));
    out.push_str(&format!(
        "industry: {industry}\ncompany_size: {company_size}\nage_band: {age_band}\n"
    ));
    out.push_str(&format!("job_functions: [{}]\n", job_functions.join(", ")));
    out.push_str(&format!("topics: [{}]\n", topics.join(", ")));
    if !tags.is_empty() {
        out.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    }
    out.push_str(&format!("accepting: {accepting}\ncapacity: {capacity}\n"));
    if let Some(summary) = summary {
        out.push_str(&format!("summary: {}\n", yaml_quoted(&summary)));
    }
    out.push_str("---\n");
    out.push_str(&bio);
    out
}

/// The labels a profile's sentences mention.
struct Words<'a> {
    industry: &'a str,
    size: &'a str,
    function: &'a str,
    dept: &'a str,
    role: &'a str,
    years: String,
    team: String,
    topic: &'a str,
}

impl Words<'_> {
    fn fill(&self, template: &str) -> String {
        template
            .replace("{industry}", self.industry)
            .replace("{size}", self.size)
            .replace("{function}", self.function)
            .replace("{dept}", self.dept)
            .replace("{role}", self.role)
            .replace("{years}", &self.years)
            .replace("{team}", &self.team)
            .replace("{topic}", self.topic)
    }
}

/// Three `##` sections. Career sentences are added until a randomly drawn target length is
/// reached, then removed again while the bio is too long, so lengths spread over the whole range.
fn bio(rng: &mut SplitMix64, words: &Words, tags: &[&str], topics: &[&str]) -> String {
    let target =
        BIO_MIN_CHARS + 20 + rng.below((BIO_MAX_CHARS - BIO_MIN_CHARS - 80) as u64) as usize;
    let mut order: Vec<usize> = (0..CAREER_SENTENCES.len()).collect();
    rng.shuffle(&mut order);
    let mut tag_templates: Vec<usize> = (0..TAG_SENTENCES.len()).collect();
    rng.shuffle(&mut tag_templates);
    let tag_lines: Vec<String> = tags
        .iter()
        .zip(tag_templates.iter().cycle())
        .map(|(tag, t)| TAG_SENTENCES[*t].replace("{tag}", tag))
        .collect();
    let topic_intro = words.fill(rng.pick(TOPIC_INTROS));
    let message = {
        let mut m: Vec<usize> = (0..MESSAGE_SENTENCES.len()).collect();
        rng.shuffle(&mut m);
        format!("{}{}", MESSAGE_SENTENCES[m[0]], MESSAGE_SENTENCES[m[1]])
    };
    let headings = [
        rng.pick(CAREER_HEADINGS),
        rng.pick(TOPIC_HEADINGS),
        rng.pick(MESSAGE_HEADINGS),
    ];

    let assemble = |career: &[usize]| {
        let mut text = format!("## {}\n\n", headings[0]);
        for (i, s) in career.iter().enumerate() {
            // A paragraph break every three sentences, as people write.
            if i > 0 && i % 3 == 0 {
                text.push_str("\n\n");
            }
            text.push_str(&words.fill(CAREER_SENTENCES[*s]));
        }
        if !tag_lines.is_empty() {
            text.push_str("\n\n");
            text.push_str(&tag_lines.concat());
        }
        text.push_str(&format!("\n\n## {}\n\n{topic_intro}\n\n", headings[1]));
        for topic in topics {
            text.push_str(&format!("- {topic}\n"));
        }
        text.push_str(&format!("\n## {}\n\n{message}\n", headings[2]));
        text
    };

    let mut career = 1;
    while career < order.len() && assemble(&order[..career]).chars().count() < target {
        career += 1;
    }
    while career > 1 && assemble(&order[..career]).chars().count() > BIO_MAX_CHARS {
        career -= 1;
    }
    assemble(&order[..career])
}

fn pick_id<'a>(rng: &mut SplitMix64, vocab: &'a Vocab) -> &'a str {
    vocab
        .get_index(rng.below(vocab.len() as u64) as usize)
        .expect("index < len")
        .0
}

/// Between `min` and `max` distinct ids, in taxonomy order (as staff tend to list them).
fn pick_ids<'a>(rng: &mut SplitMix64, vocab: &'a Vocab, min: usize, max: usize) -> Vec<&'a str> {
    let max = max.min(vocab.len());
    let min = min.min(max);
    let count = min + rng.below((max - min + 1) as u64) as usize;
    let mut indices: Vec<usize> = (0..vocab.len()).collect();
    rng.shuffle(&mut indices);
    let mut chosen = indices[..count].to_vec();
    chosen.sort_unstable();
    chosen
        .iter()
        .map(|i| vocab.get_index(*i).expect("index < len").0.as_str())
        .collect()
}

/// A double-quoted YAML scalar, so that `:` or `#` in a sentence can never change its meaning.
fn yaml_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
