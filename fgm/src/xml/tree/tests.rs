//! The scanner against roxmltree: the same tree, or a refusal.

use roxmltree::{Error, TextPos};

use super::{check_scan, scan, Document, Scanned};

/// Asserts that the scanner takes `text` and agrees with roxmltree.
fn same(text: &str) {
    assert_eq!(check_scan(text, u32::MAX, 256), Ok(true), "{text:?}");
}

/// Asserts that the scanner leaves `text` to roxmltree.
fn declined(text: &str) {
    assert_eq!(check_scan(text, u32::MAX, 256), Ok(false), "{text:?}");
}

/// The tree the scanner makes of `text` (no limits to speak of), if any.
fn tree(text: &str) -> Option<Document<'_>> {
    match scan(text, u32::MAX, 256) {
        Scanned::Tree(doc) => Some(doc),
        _ => None,
    }
}

/// Whether the scanner makes a tree of `text` within these limits.
fn scans(text: &str, max_nodes: u32, max_depth: usize) -> bool {
    matches!(scan(text, max_nodes, max_depth), Scanned::Tree(_))
}

/// Whether roxmltree reads `text` within `max_nodes`.
fn reads(text: &str, max_nodes: u32) -> bool {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: max_nodes,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options).is_ok()
}

#[test]
fn takes_what_fhir_messages_are_written_in_as_roxmltree_reads_it() {
    for text in [
        "<a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Bundle xmlns=\"http://hl7.org/fhir\">\n  <id value=\"x\"/>\n</Bundle>\n",
        "<?xml version='1.0'?><a/>",
        "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?><a/>",
        "<!-- c --><a><!--x--></a><!-- d -->",
        "<a b = 'x' c=\"y\" >t</a >",
        "<a v='1 &amp; &lt;2&gt; &quot;&apos;'>&#65;&#x42;&#x1F600; é</a>",
        "<a v='tab\there\nline'>\n  <b/>\t<c>x</c>\n</a>",
        "<a xmlns='urn:a'><b xmlns='urn:b'><c xmlns='urn:a'/></b><d xmlns='urn:d'/></a>",
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hello <b>world</b>!</p></div>",
        "<a.b-c_d x1='&#38;'>a&gt;b</a.b-c_d>",
        "<a><b><c><d/></c></b></a>",
        "<a>]]</a>",
        "<a v='&#13;'/>",
    ] {
        same(text);
    }
}

#[test]
fn leaves_everything_else_to_roxmltree() {
    for text in [
        "<a x='1' x='2'/>",
        "<a xmlns='urn:a' xmlns='urn:b'/>",
        "<a>&#xD800;</a>",
        "<a>&\u{e9};</a>",
        "<a>&amp;\r\n</a>",
        "<a><![CDATA[x]]></a>",
        "<?pi x?><a/>",
        "<a><?pi x?></a>",
        "<x:a xmlns:x='urn:x'/>",
        "<a xml:lang='en'/>",
        "<a xmlns='http://www.w3.org/2000/xmlns/'/>",
        "<a xmlns='urn:a'><b xmlns=''/></a>",
        "<\u{e9}/>",
        "<a></:a>",
        "\u{feff}<a/>",
    ] {
        declined(text);
    }
}

/// Asserts that the scanner reports `error` for `text`, as roxmltree does.
fn refused(text: &str, error: Error) {
    match scan(text, u32::MAX, 256) {
        Scanned::Error(e) => assert_eq!(e, error, "{text:?}"),
        Scanned::Tree(_) => panic!("{text:?}: scanned"),
        Scanned::GiveUp => panic!("{text:?}: left to roxmltree"),
    }
    assert_eq!(check_scan(text, u32::MAX, 256), Ok(true), "{text:?}");
}

/// Line and column.
fn at(row: u32, col: u32) -> TextPos {
    TextPos::new(row, col)
}

#[test]
fn reports_roxmltrees_errors_where_certain() {
    use Error::*;
    let cases = [
        // No element, or only a start tag cut short (roxmltree drops it).
        ("", NoRootNode),
        ("  <!-- c -->\n", NoRootNode),
        ("<?xml version='1.0'?>", NoRootNode),
        ("<a", NoRootNode),
        ("<a x='1'", NoRootNode),
        ("<a>", UnclosedRootNode),
        ("<a><b>text", UnclosedRootNode),
        ("<a><b", UnclosedRootNode),
        // The input ending where roxmltree reads on.
        ("<a ", UnexpectedEndOfStream),
        ("<a x", UnexpectedEndOfStream),
        ("<a x=", UnexpectedEndOfStream),
        ("<a x='1", UnexpectedEndOfStream),
        // No `<` or quote after the value: the end, before a bad character.
        ("<a x='\u{1}", UnexpectedEndOfStream),
        ("<a/", UnexpectedEndOfStream),
        ("<a></a", UnexpectedEndOfStream),
        // Outside the root element.
        ("text", UnknownToken(at(1, 1))),
        ("<a/><b/>", UnknownToken(at(1, 5))),
        ("<a/>\n x", UnknownToken(at(2, 2))),
        ("<a/><", UnknownToken(at(1, 5))),
        ("<a/><!x>", UnknownToken(at(1, 5))),
        ("<!DOCTYPE a><a/>", DtdDetected),
        ("<!-- c --><!DOCTYPE a><a/>", DtdDetected),
        ("<", InvalidName(at(1, 2))),
        ("<1a/>", InvalidName(at(1, 2))),
        ("<!x><a/>", InvalidName(at(1, 2))),
        // In content.
        ("<a><", UnknownToken(at(1, 4))),
        ("<a><!x></a>", UnknownToken(at(1, 4))),
        ("<a>< b/></a>", InvalidName(at(1, 5))),
        ("<a></1>", InvalidName(at(1, 6))),
        ("<a></b:c:d>", InvalidName(at(1, 6))),
        (
            "<a></b>",
            UnexpectedCloseTag("a".into(), "b".into(), at(1, 4)),
        ),
        (
            "<a>\n <b></a >",
            UnexpectedCloseTag("b".into(), "a".into(), at(2, 5)),
        ),
        (
            "<a></a:b>",
            UnexpectedCloseTag("a".into(), "a:b".into(), at(1, 4)),
        ),
        // The end tag is read to its `>` before the names are compared.
        ("<a></b", UnexpectedEndOfStream),
        ("<a></b x>", InvalidChar(b'>', b'x', at(1, 8))),
        // Start tags.
        (
            "<a x='1'y='2'/>",
            InvalidChar2("a whitespace", b'y', at(1, 9)),
        ),
        ("<a\"/>", InvalidChar2("a whitespace", b'"', at(1, 3))),
        ("<a x=1/>", InvalidChar2("a quote", b'1', at(1, 6))),
        ("<a x y/>", InvalidChar(b'=', b'y', at(1, 6))),
        ("<a/ >", InvalidChar(b'>', b' ', at(1, 4))),
        ("<a x='1' 1='2'/>", InvalidName(at(1, 10))),
        ("<a x='<'/>", InvalidChar(b'\'', b'<', at(1, 7))),
        ("<a x=\"\u{1}<\"/>", NonXmlChar('\u{1}', at(1, 7))),
        ("<a v='&x;'/>", UnknownEntityReference("x".into(), at(1, 7))),
        ("<a v='&amp;&#;'/>", MalformedEntityReference(at(1, 12))),
        // Text: a bad character first, then `]]>`, then references.
        ("<a>\u{1}</a>", NonXmlChar('\u{1}', at(1, 4))),
        ("<a>\u{FFFE}</a>", NonXmlChar('\u{FFFE}', at(1, 4))),
        ("<a>]]>\u{1}</a>", NonXmlChar('\u{1}', at(1, 7))),
        ("<a>]]></a>", InvalidCharacterData(at(1, 7))),
        ("<a>&x;]]></a>", InvalidCharacterData(at(1, 10))),
        ("<a>&x;\u{1}</a>", NonXmlChar('\u{1}', at(1, 7))),
        (
            "<a>&unknown;</a>",
            UnknownEntityReference("unknown".into(), at(1, 4)),
        ),
        ("<a>&#0;</a>", MalformedEntityReference(at(1, 4))),
        ("<a>&#+65;</a>", MalformedEntityReference(at(1, 4))),
        ("<a>&amp</a>", MalformedEntityReference(at(1, 4))),
        ("<a>&amp x;</a>", MalformedEntityReference(at(1, 4))),
        ("<a>x &</a>", MalformedEntityReference(at(1, 6))),
        // Comments, processing instructions, CDATA.
        ("<!-- a -- b --><a/>", InvalidComment(at(1, 1))),
        ("<a><!-- a ---></a>", InvalidComment(at(1, 4))),
        ("<a><!-- \u{1} --></a>", NonXmlChar('\u{1}', at(1, 9))),
        ("<a><!-- x", InvalidString("-->", at(1, 10))),
        ("<a><?pi x</a>", InvalidString("?>", at(1, 14))),
        ("<a><?1?></a>", InvalidName(at(1, 6))),
        ("<a/><?", InvalidName(at(1, 7))),
        (
            "<a><?xml version='1.0'?></a>",
            UnexpectedDeclaration(at(1, 4)),
        ),
        (
            " <?xml version='1.0'?><a/>",
            UnexpectedDeclaration(at(1, 2)),
        ),
        ("<a><![CDATA[x</a>", InvalidString("]]>", at(1, 18))),
        // The declaration.
        ("<?xm<a/>", InvalidString("?>", at(1, 9))),
        ("<?xml ?><a/>", InvalidString("version", at(1, 7))),
        (
            "<?xml version='1.0'encoding='x'?><a/>",
            InvalidChar2("a whitespace", b'e', at(1, 20)),
        ),
        (
            "<?xml version='1.0' x?><a/>",
            InvalidString("?>", at(1, 21)),
        ),
        (
            "<?xml version=1?><a/>",
            InvalidChar2("a quote", b'1', at(1, 15)),
        ),
        ("<?xml version='\u{1}", NonXmlChar('\u{1}', at(1, 16))),
        (
            "<?xml version='1<'?><a/>",
            InvalidChar(b'\'', b'<', at(1, 17)),
        ),
    ];
    for (text, error) in cases {
        refused(text, error);
    }
}

#[test]
fn carriage_returns_are_rewritten_as_roxmltree_rewrites_them() {
    for text in [
        "<a>\r\n</a>",
        "<?xml version='1.0'?>\r\n<a\r\n x\r\n=\r'1'\r/>\r\n",
        "<a>\r\n  <b>x\ry\r\r\nz\r</b>\r\n</a\r\n>",
        "<a v='x\r\ny\rz\r' w='\r&#10;\r&amp;\n\r'/>",
        "<!--\r\n c \r--><a><!--\r--></a>",
        "<a>\r</a>",
        "<a>&#13;</a>",
    ] {
        same(text);
    }
    let doc = tree("<a v='x\r\ny\rz'>a\r\nb\rc\r</a>").unwrap();
    let a = doc.root_element();
    assert_eq!(a.attribute("v"), Some("x y z"));
    assert_eq!(a.text(), Some("a\nb\nc\n"));
}

#[test]
fn takes_any_declaration_roxmltree_takes() {
    same("<?xml version=\"1.1\"?><a/>");
    same("<?xml  version = '1.0'  encoding='latin1' standalone='maybe' ?><a/>");
}

#[test]
fn errors_past_the_limits_are_left_to_roxmltree() {
    // Text at the end of the input is added before the root is found
    // unclosed: with no room for it, roxmltree reports the nodes limit.
    assert_eq!(check_scan("<a>text", 2, 256), Ok(false));
    assert!(!reads("<a>text", 2));
    assert_eq!(check_scan("<a>text", 3, 256), Ok(true));
    // An error past an element too deep is not looked for.
    assert_eq!(check_scan("<a><b><c></d>", 100, 2), Ok(false));
    assert_eq!(check_scan("<a><b></d>", 100, 2), Ok(true));
}

#[test]
fn the_depth_limit_still_comes_first_in_a_long_text() {
    // More `<` than MAX_DEPTH: the depth is checked on the text before any
    // error is reported, the scanner's as roxmltree's were.
    let options = crate::xml::ReadOptions::default();
    let text = format!("<r><a x=1/>{}", "<b>".repeat(300));
    let e = crate::xml::parse_document(text.as_bytes(), &options).unwrap_err();
    assert_eq!(e.code, crate::ErrorCode::Limit, "{e:?}");
    let short = "<r><a x=1/><b><b>";
    let e = crate::xml::parse_document(short.as_bytes(), &options).unwrap_err();
    assert_eq!(e.code, crate::ErrorCode::Malformed, "{e:?}");
    assert_eq!((e.line, e.column), (1, 9));
    assert_eq!(
        e.message,
        "not well-formed XML: expected a quote not '1' at 1:9"
    );
}

#[test]
fn the_limits_are_roxmltrees() {
    // A root, <a>, three <b>: five nodes.
    let text = "<a><b/><b/><b/></a>";
    assert!(scans(text, 5, 256));
    assert!(!scans(text, 4, 256));
    assert!(reads(text, 5));
    assert!(!reads(text, 4));
    // <a><b/> nests two deep: empty elements count too.
    assert!(scans(text, 100, 2));
    assert!(!scans(text, 100, 1));
    assert!(!scans("<a/>", 100, 0));
}

#[test]
fn blank_text_is_told_where_the_tree_is_built() {
    // Blank as written, blank once its references are expanded, and text
    // that only starts blank; roxmltree's copy tells them the same way.
    let text = "<a>\n  <b> \t</b><c>&#32;&#10;</c><d>\n x</d><e>&#32;x</e></a>";
    same(text);
    let doc = tree(text).unwrap();
    let blank: Vec<bool> = doc
        .descendants()
        .filter(|n| n.is_text())
        .map(|n| n.is_blank())
        .collect();
    assert_eq!(blank, [true, true, true, false, false]);
}

#[test]
fn strings_are_borrowed_unless_escaped() {
    let text = "<a v='plain' w='a&amp;b'>text</a>";
    let doc = tree(text).unwrap();
    let a = doc.root_element();
    let v: Vec<_> = a.attributes().map(|a| a.value()).collect();
    assert_eq!(v, ["plain", "a&b"]);
    let inside = |s: &str| text.as_bytes().as_ptr_range().contains(&s.as_ptr());
    assert!(inside(v[0]) && !inside(v[1]));
    assert!(inside(a.text().unwrap()));
}

#[test]
fn the_published_examples_scan_as_roxmltree_reads_them() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fgm-ris/examples");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipped: {dir} is not present");
        return;
    };
    let mut n = 0;
    for e in entries {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        same(&text);
        n += 1;
    }
    assert_eq!(n, 17);
}

/// Every example, and every one of many small edits of it (a byte deleted,
/// or one of the bytes XML gives meaning inserted): the scanner agrees with
/// roxmltree or leaves the text to it.
#[test]
fn edited_examples_scan_as_roxmltree_reads_them_or_are_left_to_it() {
    let mut texts = vec![
        "<?xml version=\"1.0\"?><a xmlns='urn:a' v='x &amp; y'><!-- c --><b>t&lt;</b>\n <c/></a>"
            .to_owned(),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fgm-ris/examples");
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            texts.extend(
                files
                    .iter()
                    .take(3)
                    .map(|f| std::fs::read_to_string(f).unwrap()),
            );
        }
        Err(_) => {
            eprintln!("(the published examples are not present: {dir}; hand-written text only)")
        }
    }
    let inserts = [
        "<", ">", "&", ";", "'", "\"", "/", "=", "!", "?", "-", ":", "\r", "\t", "#", "]]>", " ",
        "x", "\u{0}", "é", "&#",
    ];
    let (mut scanned, mut left) = (0, 0);
    for text in &texts {
        // Every 5th byte: each edit near each kind of markup, in seconds.
        for at in (0..text.len())
            .step_by(5)
            .filter(|&i| text.is_char_boundary(i))
        {
            let deleted = text[at..]
                .chars()
                .next()
                .map(|c| [&text[..at], &text[at + c.len_utf8()..]].concat());
            let edits = inserts
                .iter()
                .map(|i| [&text[..at], i, &text[at..]].concat())
                .chain(deleted);
            for edited in edits {
                match check_scan(&edited, u32::MAX, 256) {
                    Ok(true) => scanned += 1,
                    Ok(false) => left += 1,
                    Err(e) => panic!("{e}\n{edited}"),
                }
            }
        }
    }
    assert!(
        scanned > 100 && left > 100,
        "{scanned} scanned, {left} left"
    );
}

#[test]
fn descendants_named_are_the_elements_of_that_name_below() {
    let text = "<a><reference/><b>reference<reference x='1'><reference/></reference></b><!--reference--><referencex/></a>";
    let doc = tree(text).unwrap();
    let root = doc.root_element();
    let named: Vec<_> = root
        .descendants_named("reference")
        .map(|n| n.start())
        .collect();
    let expected: Vec<_> = root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "reference")
        .map(|n| n.start())
        .collect();
    assert_eq!(named, expected);
    assert_eq!(named.len(), 3);
    // Not the node itself.
    let first = root.first_element_child().unwrap();
    assert_eq!(first.descendants_named("reference").count(), 0);
}

#[test]
fn quick_lookups_agree_with_the_full_ones() {
    let text = "<a xmlns='urn:a' xmlns:p='urn:p' value='x' p:value='y'><value value='1' values='2'/>value<b p:value='3' value=''/><valu/></a>";
    let doc =
        crate::xml::parse_document(text.as_bytes(), &crate::xml::ReadOptions::default()).unwrap();
    let names = ["value", "valu", "values", "a", "b", ""];
    for node in doc.descendants() {
        for name in names {
            assert_eq!(
                node.is_element_named(name),
                node.is_element() && node.tag_name().name() == name,
                "{name} at {}",
                node.start()
            );
            let full = node
                .attributes()
                .find(|a| a.namespace().is_none() && a.name() == name)
                .map(|a| a.value());
            assert_eq!(node.attribute(name), full, "{name} at {}", node.start());
        }
    }
    let root = doc.root_element();
    assert_eq!(root.attribute("value"), Some("x"));
    let b = root.children().find(|c| c.is_element_named("b")).unwrap();
    assert_eq!(b.attribute("value"), Some(""));
    // An attribute in a namespace is another attribute, kept with it.
    let namespaces: Vec<_> = root.attributes().map(|a| a.namespace()).collect();
    assert_eq!(namespaces, [None, Some("urn:p")]);
    let other = b.sole_attribute("value").unwrap_err();
    assert_eq!((other.namespace(), other.value()), (Some("urn:p"), "3"));
    let value = root.children().find(|c| c.is_element_named("value"));
    assert_eq!(
        value.unwrap().sole_attribute("value").unwrap_err().name(),
        "values"
    );
    // The namespace numbers: the default one's, and none for an undeclared.
    assert!(root.tag_name().is_in(doc.namespace_id("urn:a")));
    assert!(!root.tag_name().is_in(doc.namespace_id("urn:p")));
    assert!(!root.tag_name().is_in(doc.namespace_id("urn:none")));
}
