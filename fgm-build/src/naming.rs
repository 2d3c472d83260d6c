//! Mechanical names: every Rust name derives from a FHIR name by these rules
//! (docs/type-mapping.md states them for users).

/// Splits a FHIR name into words: at non-alphanumerics, at a lower-to-upper
/// step (`userSelected`), and before the last capital of an acronym
/// (`NHSNumber` → `NHS`, `Number`). Digits stay with what precedes them; a
/// choice's `[x]` is dropped.
pub fn words(s: &str) -> Vec<String> {
    let s = s.strip_suffix("[x]").unwrap_or(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = cur.chars().last().as_ref() {
            let next = chars.get(i + 1).copied();
            let step = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit() && !cur.chars().all(|d| d.is_ascii_digit())
                    || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())));
            let digit_after_digit_word = c.is_ascii_digit() && !prev.is_ascii_alphanumeric();
            if step || digit_after_digit_word {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `snake_case` (`NHSNumber` → `nhs_number`, `value[x]` → `value`).
pub fn snake(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `UpperCamelCase` (`Spine-RIS-Flag-1-0` → `SpineRisFlag10`).
pub fn camel(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The Rust keywords a field name may collide with (written as raw
/// identifiers, `r#type`).
pub const KEYWORDS: [&str; 46] = [
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where",
];

/// Whether `s` must be written as a raw identifier.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s) || matches!(s, "while" | "yield")
}

/// The name of an enum variant for a code: the code's last `:`/`/`-separated
/// part in UpperCamelCase; `Code` before one that starts with a digit; the
/// display's words for a code with no letters or digits (`<=`).
pub fn variant(code: &str, display: Option<&str>) -> String {
    let tail = code.rsplit([':', '/']).next().unwrap_or(code);
    let name = camel(tail);
    if name.is_empty() {
        return camel(display.unwrap_or("Unnamed"));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("Code{name}");
    }
    name
}

/// The field name for a slice, from its discriminator value: the last part
/// of a URI (`http://fhir.nhs.net/Id/sds-user-id` → `sds_user_id`), or the
/// value itself (`NHSNumber` → `nhs_number`).
pub fn slice_field(value: &str) -> String {
    let tail = value
        .trim_end_matches('/')
        .rsplit([':', '/'])
        .next()
        .unwrap_or(value);
    snake(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_as_documented() {
        assert_eq!(snake("NHSNumber"), "nhs_number");
        assert_eq!(snake("FGMDeleteReason"), "fgm_delete_reason");
        assert_eq!(snake("userSelected"), "user_selected");
        assert_eq!(snake("base64Binary"), "base64_binary");
        assert_eq!(snake("value[x]"), "value");
        assert_eq!(camel("Spine-RIS-Flag-1-0"), "SpineRisFlag10");
        assert_eq!(camel("Message-Event-2-0"), "MessageEvent20");
        assert_eq!(camel("practitionerRole"), "PractitionerRole");
        assert_eq!(camel("ODS Organisation Code "), "OdsOrganisationCode");
    }

    #[test]
    fn variants_and_slices() {
        assert_eq!(
            variant("urn:nhs:names:services:clinicals-sync:FGMQuery_2_0", None),
            "FgmQuery20"
        );
        assert_eq!(variant("FGM-0002", None), "Fgm0002");
        assert_eq!(variant("0", None), "Code0");
        assert_eq!(variant("<=", Some("Less or Equal to")), "LessOrEqualTo");
        assert_eq!(variant("not-found", None), "NotFound");
        assert_eq!(
            slice_field("http://fhir.nhs.net/Id/sds-user-id"),
            "sds_user_id"
        );
        assert_eq!(slice_field("RiskIndicator"), "risk_indicator");
    }
}
