//! Markdown → safe HTML, plain text and the links it contains.
//!
//! The one place pulldown-cmark options are set ([`options`]), so every bio and page
//! renders alike.
//!
//! - Safety: staff write Markdown, visitors read it. Raw HTML and `javascript:` links
//!   must never run, so the HTML is passed through ammonia (which keeps harmless tags such
//!   as `<br>` and removes scripts, event handlers and dangerous URL schemes) — unless it
//!   holds nothing ammonia could change ([`needs_sanitiser`]).
//! - Headings: the page around a bio or content page already has the `<h1>` (the
//!   mentor's name, the page title). Whatever level staff start at (`#` or `##`), the
//!   shallowest heading in the text becomes `<h2>` and deeper ones keep their relative
//!   depth, so the outline never skips a level and never competes with the page's `<h1>`.
//! - Plain text feeds the search index and snippets; the first paragraph's first
//!   sentence is the summary when staff give none.

use std::sync::OnceLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The result of rendering one Markdown text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// Sanitised HTML.
    pub html: String,
    /// Plain text: blocks separated by newlines, no markup.
    pub text: String,
    /// Plain text of the first paragraph (the summary is taken from it).
    pub lead: String,
    /// Every link and image destination, in order.
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    /// 1-based line within the Markdown text.
    pub line: usize,
}

/// The longest summary derived from a bio, in characters (fits one line on a card).
pub const SUMMARY_MAX_CHARS: usize = 80;

/// The one place the Markdown dialect is chosen: tables and strikethrough are things staff
/// may reasonably write. Footnotes stay off because their in-page anchors need `id`
/// attributes, which the sanitiser removes. Smart punctuation is off because Japanese
/// text has its own quotes and ASCII quotes must stay as typed.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

pub fn render(md: &str) -> Rendered {
    let events: Vec<(Event, std::ops::Range<usize>)> =
        Parser::new_ext(md, options()).into_offset_iter().collect();
    let shift = heading_shift(events.iter().map(|(e, _)| e));

    let line_starts = line_starts(md);
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);

    let mut links = Vec::new();
    let mut text = String::new();
    let mut lead = String::new();
    let mut in_first_paragraph = false;
    let mut seen_paragraph = false;

    let mut shifted = Vec::with_capacity(events.len());
    for (event, range) in events {
        match &event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                links.push(Link {
                    url: dest_url.to_string(),
                    line: line_of(range.start),
                });
            }
            Event::Start(Tag::Paragraph) if !seen_paragraph => {
                seen_paragraph = true;
                in_first_paragraph = true;
            }
            Event::Text(t) | Event::Code(t) => {
                text.push_str(t);
                if in_first_paragraph {
                    lead.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                // A line break inside Japanese prose is not a word boundary; in Latin text it is.
                let space = text.chars().next_back().is_some_and(|c| c.is_ascii());
                if space {
                    text.push(' ');
                    if in_first_paragraph {
                        lead.push(' ');
                    }
                }
            }
            Event::End(end) if is_block_end(end) => {
                in_first_paragraph = false;
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            _ => {}
        }
        shifted.push(shift_heading(event, shift));
    }

    let sanitise = shifted.iter().any(needs_sanitiser);
    let mut raw_html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw_html, shifted.into_iter());
    let html = if sanitise {
        sanitizer().clean(&raw_html).to_string()
    } else {
        // Kept for the whole build (100,000 bios), so without the slack reserved above: a
        // copy, because mimalloc leaves a block in place when it shrinks by less than half.
        raw_html.as_str().to_owned()
    };
    Rendered {
        html,
        text: text.trim_end().to_string(),
        lead: lead.trim().to_string(),
        links,
    }
}

/// The first sentence of `lead`, at most [`SUMMARY_MAX_CHARS`] characters (cut with `…`).
pub fn summary(lead: &str) -> String {
    let lead = lead.trim();
    let end = lead
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '。' | '！' | '？' | '!' | '?')
                || (c == '.' && lead[i + 1..].starts_with(char::is_whitespace))
        })
        .map_or(lead.len(), |(i, c)| i + c.len_utf8());
    let sentence = lead[..end].trim();
    if sentence.chars().count() <= SUMMARY_MAX_CHARS {
        sentence.to_string()
    } else {
        let cut: String = sentence.chars().take(SUMMARY_MAX_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        // Most links are internal; `noopener noreferrer` on them would only hide referrers.
        builder.link_rel(None);
        builder
    })
}

/// Whether this event's HTML could differ from what the sanitiser returns for it. Most bios
/// are headings, paragraphs, lists and emphasis: pulldown-cmark writes those as bare tags the
/// sanitiser keeps, with their text escaped, so the sanitiser (an html5ever parse and
/// serialisation, ~10 % of `generator check`'s CPU at 10,000) would return the same bytes — a
/// test holds every event allowed here to that. Raw HTML, links, images, code blocks
/// (`class`), tables (`style`), numbered lists from another number (`start`), void tags
/// (`<br />`) and everything else still go through it.
fn needs_sanitiser(event: &Event) -> bool {
    match event {
        Event::Start(tag) => {
            !matches!(
                tag,
                Tag::Paragraph
                    | Tag::BlockQuote(None)
                    | Tag::List(None | Some(1))
                    | Tag::Item
                    | Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
            ) && !is_bare_heading(tag)
        }
        Event::End(end) => !matches!(
            end,
            TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(None)
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
        ),
        // html5ever writes U+00A0 as `&nbsp;`.
        Event::Text(t) | Event::Code(t) => t.contains('\u{a0}'),
        Event::SoftBreak => false,
        _ => true,
    }
}

fn is_bare_heading(tag: &Tag) -> bool {
    matches!(tag, Tag::Heading { id: None, classes, attrs, .. } if classes.is_empty() && attrs.is_empty())
}

/// How many levels to move headings so the shallowest becomes `<h2>`: down from `#`, and up
/// from `###` (a page of only `###` questions under the page's `<h1>` skipped a level).
fn heading_shift<'a>(events: impl Iterator<Item = &'a Event<'a>>) -> isize {
    let shallowest = events
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as isize),
            _ => None,
        })
        .min();
    match shallowest {
        Some(level) => 2 - level,
        None => 0,
    }
}

fn shift_heading(event: Event<'_>, shift: isize) -> Event<'_> {
    let shifted = |level: HeadingLevel| {
        let moved = (level as isize + shift).clamp(2, 6) as usize;
        HeadingLevel::try_from(moved).unwrap_or(HeadingLevel::H6)
    };
    match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shifted(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shifted(level))),
        other => other,
    }
}

fn is_block_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::CodeBlock
            | TagEnd::TableCell
            | TagEnd::BlockQuote(_)
    )
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallowest_heading_becomes_h2_whatever_staff_start_with() {
        let from_h2 = render("## 経歴\n\n### 転機\n");
        assert_eq!(from_h2.html, "<h2>経歴</h2>\n<h3>転機</h3>\n");
        let from_h1 = render("# 経歴\n\n## 転機\n");
        assert_eq!(from_h1.html, from_h2.html);
        let from_h3 = render("### 経歴\n\n#### 転機\n");
        assert_eq!(
            from_h3.html, from_h2.html,
            "no level skipped under the page's h1"
        );
    }

    #[test]
    fn raw_html_and_javascript_links_cannot_run_scripts() {
        let r = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n[click](javascript:alert(3)) <b onclick=\"x()\">b</b>\n",
        );
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
        assert!(
            r.html.contains("<b>b</b>"),
            "harmless inline HTML is kept: {}",
            r.html
        );
    }

    #[test]
    fn what_skips_the_sanitiser_is_what_the_sanitiser_would_return() {
        let texts = [
            "## 経歴\n\n### 転機\n\nメーカーで**研究職**を\n十年。*いま*は~~旧~~部長。\n",
            "- 育児\n- 介護 & <仕事> \"両立\" 'です'\n  - 入れ子\n\n1. 一\n2. 二\n",
            "> 引用 `コード <b>` です\n>\n> 二段落目 a > b < c &amp; d\n",
            "段落の\n改行と　全角空白、タブ\tも。\n\n* * *\n\n# 見出し\n",
            "3. 三から\n4. 四\n\n改行  \n強制\n\n[リンク](/faq/)\n",
            "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```rust\nfn x() {}\n```\n\n![写真](/a.png)\n",
            "<b>太字</b>と\u{a0}空白\n\n## 見出し {#id}\n",
        ];
        let mut fast = 0;
        for md in texts {
            for line in md.split("\n\n") {
                let r = render(line);
                let events: Vec<Event> = Parser::new_ext(line, options()).collect();
                let shift = heading_shift(events.iter());
                let mut raw = String::new();
                let shifted = events.iter().cloned().map(|e| shift_heading(e, shift));
                pulldown_cmark::html::push_html(&mut raw, shifted);
                assert_eq!(r.html, sanitizer().clean(&raw).to_string(), "{line:?}");
                fast += usize::from(!events.iter().any(needs_sanitiser));
            }
        }
        assert!(fast >= 8, "most plain lines skip the sanitiser ({fast})");
    }

    #[test]
    fn tables_and_strikethrough_render() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~旧~~\n");
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>旧</del>"), "{}", r.html);
    }

    #[test]
    fn links_are_reported_with_their_line() {
        let r = render("第一段落。\n\n[佐藤さん](/mentors/sato/)と\n![写真](/static/a.png)\n");
        assert_eq!(
            r.links,
            [
                Link {
                    url: "/mentors/sato/".into(),
                    line: 3
                },
                Link {
                    url: "/static/a.png".into(),
                    line: 4
                }
            ]
        );
    }

    #[test]
    fn plain_text_has_no_markup_and_joins_japanese_lines() {
        let r = render("## 経歴\n\nメーカーで**研究職**を\n十年。\n\n- 育児\n- 介護\n");
        assert_eq!(r.text, "経歴\nメーカーで研究職を十年。\n育児\n介護");
        assert_eq!(r.lead, "メーカーで研究職を十年。");
    }

    #[test]
    fn summary_is_the_first_sentence_within_80_chars() {
        assert_eq!(
            summary("営業一筋二十年。管理職になって五年です。"),
            "営業一筋二十年。"
        );
        assert_eq!(summary("I sell. Really."), "I sell.");
        let long = "あ".repeat(100);
        let s = summary(&long);
        assert_eq!(s.chars().count(), SUMMARY_MAX_CHARS);
        assert!(s.ends_with('…'));
        assert_eq!(summary(""), "");
    }
}
