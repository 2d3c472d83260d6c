//! Where a FHIR path leads in FHIR JSON text: the line and column of the
//! value it names, for findings made on the message once read (the
//! reference check), which know their path but not their place.

/// The line and column (from 1) of the value at `path`
/// (`Bundle.entry[1].resource.Flag.contained[0].Patient.careProvider.reference`)
/// in `text`: property names from the root object down, `name[i]` the
/// `i`-th item of an array (the first when no index), a resource type after
/// `resource` or `contained[i]` naming the object itself. Where the path
/// leads past what is there, the last value found; `None` for text that is
/// not a JSON object.
pub(crate) fn locate(text: &str, path: &str) -> Option<(u32, u32)> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    let mut segments = path.split('.');
    segments.next()?; // the root resource's type
    let mut resource_next = false;
    for segment in segments {
        if resource_next && segment.starts_with(|c: char| c.is_ascii_uppercase()) {
            resource_next = false;
            continue;
        }
        let (name, index) = match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((name, index)) => (name, index.parse().unwrap_or(0)),
            None => (segment, 0),
        };
        let Some(value) = property(bytes, at, name) else {
            break;
        };
        at = value;
        if bytes.get(value) == Some(&b'[') {
            match item(bytes, value, index) {
                Some(item) => at = item,
                None => break,
            }
        }
        resource_next = name == "resource" || name == "contained";
    }
    Some(crate::xml::line_column(text, at))
}

/// The start of the value of property `name` of the object at `object`.
fn property(bytes: &[u8], object: usize, name: &str) -> Option<usize> {
    if bytes.get(object) != Some(&b'{') {
        return None;
    }
    let mut at = skip_space(bytes, object + 1);
    while bytes.get(at) == Some(&b'"') {
        let key_end = string_end(bytes, at)?;
        let key = &bytes[at + 1..key_end - 1];
        at = skip_space(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        let value = skip_space(bytes, at + 1);
        if key == name.as_bytes() {
            return Some(value);
        }
        at = skip_space(bytes, value_end(bytes, value)?);
        if bytes.get(at) == Some(&b',') {
            at = skip_space(bytes, at + 1);
        }
    }
    None
}

/// The start of item `index` of the array at `array`.
fn item(bytes: &[u8], array: usize, index: usize) -> Option<usize> {
    let mut at = skip_space(bytes, array + 1);
    for _ in 0..index {
        if bytes.get(at) == Some(&b']') {
            return None;
        }
        at = skip_space(bytes, value_end(bytes, at)?);
        if bytes.get(at) != Some(&b',') {
            return None;
        }
        at = skip_space(bytes, at + 1);
    }
    (bytes.get(at) != Some(&b']')).then_some(at)
}

/// Just past the value starting at `at`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => string_end(bytes, at),
        b'{' | b'[' => {
            // Nesting counted over the brackets outside strings.
            let mut depth = 0usize;
            let mut i = at;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some(
            at + bytes[at..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                .unwrap_or(bytes.len() - at),
        ),
    }
}

/// Just past the string starting at `at` (its opening quote).
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::locate;

    const TEXT: &str = r##"{
  "resourceType": "Bundle",
  "entry": [
    {"resource": {"resourceType": "MessageHeader", "id": "h"}},
    {
      "resource": {
        "resourceType": "Flag",
        "contained": [
          {"resourceType": "Patient", "note": "a \"quoted\" } ]",
           "careProvider": [ {"reference": "#org"} ]}
        ]
      }
    }
  ]
}"##;

    #[test]
    fn paths_lead_to_their_values() {
        let at = |path| locate(TEXT, path);
        assert_eq!(at("Bundle"), Some((1, 1)));
        assert_eq!(
            at("Bundle.entry[0].resource.MessageHeader.id"),
            Some((4, 58))
        );
        assert_eq!(
            at("Bundle.entry[1].resource.Flag.contained[0].Patient.careProvider.reference"),
            Some((10, 44)),
            "past an escaped quote and brackets in a string, into an array of one"
        );
        assert_eq!(
            at("Bundle.entry[1].resource.Flag.subject"),
            Some((6, 19)),
            "a property that is not there: the last value found"
        );
        assert_eq!(at("Bundle.entry[5]"), Some((3, 12)));
        assert_eq!(locate("[1]", "Bundle"), None);
        assert_eq!(locate("{\"a\": ", "Bundle.a.b"), Some((1, 7)));
    }
}
