//! Who is at the other end, as proven: the client certificate a TLS
//! connection presented, and the maps that bind certificates to what their
//! holders may claim (`--asid-map`, `--author-map`).
//!
//! A map file has one line per certificate: its subject CN or one of its
//! DNS names, then the values it may claim (ASIDs; or ODS codes and SDS
//! user ids), separated by white space; `#` starts a comment.
//!
//! ```text
//! # certificate        may send as
//! gp-system.example    200000000115 200000000116
//! "Child Health System" 200000000220
//! ```
//!
//! A name with spaces of its own (a CN) is written in double quotes.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// A client certificate's names: its subject common name and its DNS
/// subject alternative names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificate {
    /// The subject's CN, when it has one (UTF-8 or printable).
    pub common_name: Option<String>,
    /// Its DNS names.
    pub dns_names: Vec<String>,
}

impl Certificate {
    /// The names of a DER certificate; `None` when it cannot be read.
    pub fn from_der(der: &[u8]) -> Option<Certificate> {
        let der = rustls::pki_types::CertificateDer::from(der);
        let cert = webpki::EndEntityCert::try_from(&der).ok()?;
        Some(Certificate {
            common_name: common_name(cert.subject()),
            dns_names: cert.valid_dns_names().map(str::to_owned).collect(),
        })
    }

    /// Every name the certificate proves: the CN, then the DNS names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.common_name
            .as_deref()
            .into_iter()
            .chain(self.dns_names.iter().map(String::as_str))
    }

    /// How the audit names it: the CN, or the first DNS name.
    pub fn identity(&self) -> String {
        self.names().next().unwrap_or("(no name)").to_owned()
    }
}

impl fmt::Display for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the certificate of {}", self.identity())
    }
}

/// One DER element: (tag, contents, the rest of the input).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (length, &rest[count..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

/// The CN of a certificate subject (the contents of its `Name` SEQUENCE:
/// SETs of SEQUENCEs of an OID and a string).
fn common_name(mut subject: &[u8]) -> Option<String> {
    const CN: &[u8] = &[0x55, 0x04, 0x03]; // 2.5.4.3
    while let Some((0x31, mut set, rest)) = der_element(subject) {
        subject = rest;
        while let Some((0x30, attribute, more)) = der_element(set) {
            set = more;
            let Some((0x06, oid, value)) = der_element(attribute) else {
                continue;
            };
            if oid != CN {
                continue;
            }
            // UTF8String, PrintableString, IA5String, TeletexString (as Latin-1).
            return match der_element(value)? {
                (0x0c | 0x13 | 0x16, text, _) => std::str::from_utf8(text).ok().map(str::to_owned),
                (0x14, text, _) => Some(text.iter().map(|&b| char::from(b)).collect()),
                _ => None,
            };
        }
    }
    None
}

/// Certificates bound to what their holders may claim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityMap {
    bound: BTreeMap<String, Vec<String>>,
}

impl IdentityMap {
    /// Reads a map file; an error names the file and the line.
    pub fn load(path: &Path) -> Result<IdentityMap, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        IdentityMap::parse(&text).map_err(|e| format!("{}:{e}", path.display()))
    }

    /// Reads a map's text; an error starts with its line number.
    pub fn parse(text: &str) -> Result<IdentityMap, String> {
        let mut bound: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let (name, values) = match line.strip_prefix('"') {
                Some(quoted) => match quoted.split_once('"') {
                    Some((name, values)) => (name, values),
                    None => return Err(format!("{}: the quoted name is not closed", n + 1)),
                },
                None => line.split_at(line.find(char::is_whitespace).unwrap_or(line.len())),
            };
            if values.split_whitespace().next().is_none() {
                return Err(format!(
                    "{}: `{name}` names a certificate but nothing it may claim",
                    n + 1
                ));
            }
            bound
                .entry(name.trim().to_owned())
                .or_default()
                .extend(values.split_whitespace().map(str::to_owned));
        }
        Ok(IdentityMap { bound })
    }

    /// Whether a certificate may claim `value` under one of its names.
    pub fn allows(&self, certificate: &Certificate, value: &str) -> bool {
        certificate
            .names()
            .filter_map(|name| self.bound.get(name))
            .any(|values| values.iter().any(|v| v == value))
    }

    /// The number of certificates bound.
    pub fn len(&self) -> usize {
        self.bound.len()
    }

    /// Whether no certificate is bound.
    pub fn is_empty(&self) -> bool {
        self.bound.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_binds_names_to_values_with_comments_and_spaced_names() {
        let map = IdentityMap::parse(
            "# certificate   may send as\n\
             gp-system.example 200000000115 200000000116\n\
             \"Child Health System\"\t200000000220  # its CN\n\
             \n\
             \"Trust Portal\" RKE\n\
             \"Trust Portal\" 200009876204\n",
        )
        .unwrap();
        assert_eq!(map.len(), 3);
        let gp = Certificate {
            common_name: Some("GP system".into()),
            dns_names: vec!["gp-system.example".into()],
        };
        assert!(map.allows(&gp, "200000000116"));
        assert!(!map.allows(&gp, "200000000220"));
        let child = Certificate {
            common_name: Some("Child Health System".into()),
            dns_names: vec![],
        };
        assert!(map.allows(&child, "200000000220"));
        let portal = Certificate {
            common_name: Some("Trust Portal".into()),
            dns_names: vec![],
        };
        assert!(map.allows(&portal, "RKE") && map.allows(&portal, "200009876204"));
        assert!(!map.allows(&Certificate::default(), "RKE"));
        let error = IdentityMap::parse("ok 1\nlonely\n").unwrap_err();
        assert_eq!(
            error,
            "2: `lonely` names a certificate but nothing it may claim"
        );
        let error = IdentityMap::parse("\"open 1\n").unwrap_err();
        assert_eq!(error, "1: the quoted name is not closed");
    }

    #[test]
    fn the_common_name_is_read_from_the_subject() {
        // SET { SEQUENCE { OID 2.5.4.6, PrintableString "GB" } },
        // SET { SEQUENCE { OID 2.5.4.3, UTF8String "Spine" } }
        let subject = [
            0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'G', b'B', 0x31,
            0x0e, 0x30, 0x0c, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x05, b'S', b'p', b'i', b'n',
            b'e',
        ];
        assert_eq!(common_name(&subject).as_deref(), Some("Spine"));
        assert_eq!(common_name(&subject[..13]), None, "no CN");
        assert_eq!(common_name(&subject[..20]), None, "cut short");
        assert_eq!(common_name(&[0x31, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
