//! The small page a plain form post (JavaScript off) gets when something is wrong.
//! It names each problem and the way back, and carries no personal data.

/// A complete HTML page: `heading`, each of `problems` as a list item, and a link to `back`.
pub fn problem_page(heading: &str, problems: &[&str], back: &str) -> String {
    let items: String = problems
        .iter()
        .map(|p| format!("      <li>{}</li>\n", escape(p)))
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{heading} | メンターmikke</title>
  <style>
    body {{ font-family: system-ui, sans-serif; line-height: 1.7; margin: 0 auto; max-width: 40rem; padding: 1.5rem; color: #222; }}
    h1 {{ font-size: 1.3rem; }}
    li {{ margin: .3rem 0; }}
    a {{ color: #8a2b56; }}
    a:focus {{ outline: 3px solid #8a2b56; outline-offset: 2px; }}
  </style>
</head>
<body>
  <main>
    <h1>{heading}</h1>
    <ul>
{items}    </ul>
    <p>ブラウザの「戻る」で前の画面に戻ると、入力した内容を直して送信し直せます。</p>
    <p><a href="{back}">入力画面に戻る</a></p>
  </main>
</body>
</html>
"#,
        heading = escape(heading),
        back = escape(back),
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_listed_escaped_with_a_way_back() {
        let page = problem_page(
            "入力内容を確認してください",
            &["お名前を入力してください", "<b>"],
            "https://x.jp/apply/",
        );
        assert!(page.contains(r#"<html lang="ja">"#));
        assert!(page.contains("<li>お名前を入力してください</li>"));
        assert!(page.contains("<li>&lt;b&gt;</li>"));
        assert!(page.contains(r#"<a href="https://x.jp/apply/">入力画面に戻る</a>"#));
    }
}
