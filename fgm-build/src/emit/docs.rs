//! Doc comments from definition prose.

use proc_macro2::TokenStream;
use quote::quote;

use crate::api::Doc;

/// Doc attributes: one per line, a blank line between paragraphs.
pub(super) fn docs(doc: &Doc) -> TokenStream {
    let mut lines = Vec::new();
    for (i, p) in doc.paragraphs.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.push(format!(" {}", escape(p)));
    }
    quote!(#(#[doc = #lines])*)
}

pub(super) fn doc_of(text: &str) -> TokenStream {
    let mut doc = Doc::default();
    doc.add(Some(text));
    docs(&doc)
}

/// Escapes Markdown outside code spans, and turns bare URLs into links, so
/// that definition prose renders as written.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
            continue;
        }
        let escaped: String = part
            .chars()
            .map(|c| match c {
                '[' | ']' | '*' | '_' | '\\' | '#' => format!("\\{c}"),
                '<' => "&lt;".to_owned(),
                '>' => "&gt;".to_owned(),
                c => c.to_string(),
            })
            .collect();
        let words: Vec<String> = escaped.split(' ').map(link_urls).collect();
        out.push_str(&words.join(" "));
    }
    out.replace('\n', " ")
}

/// Wraps a URL inside a word (`(http://x/y).`) in angle brackets, leaving
/// the punctuation around it outside.
pub(super) fn link_urls(word: &str) -> String {
    let Some(start) = word.find("http://").or_else(|| word.find("https://")) else {
        return word.to_owned();
    };
    let url = &word[start..];
    let end = url
        .trim_end_matches(['.', ',', ';', ':', ')', '\'', '"'])
        .len();
    format!(
        "{}<{}>{}",
        &word[..start],
        url[..end].replace('\\', ""),
        &url[end..]
    )
}
