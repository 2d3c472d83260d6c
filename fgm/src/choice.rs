//! Which variant of a resource container (`contained`, a bundle entry) to
//! read a resource as: one plan, from the resource's type and the profiles
//! it claims, that XML and JSON reading both carry out.

/// What to do with a resource, given the variants `(resource type,
/// profile)` a container allows.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Read it as this variant: the first of its type whose profile it
    /// claims.
    Read(usize),
    /// Refuse it: no variant has its type (the message says why).
    NotExpected(String),
    /// Read it as this variant, warning that the claimed profile URL has
    /// white space around it.
    Trimmed(usize),
    /// It claims none of its type's profiles: warn when it claims others
    /// (`warning`), then read it as each candidate in turn, strictly, the
    /// message's own profiles first, keeping the first that reads; failing
    /// all, as the first candidate, in the reader's mode.
    Try {
        /// The warning for claims none of which is expected here.
        warning: Option<String>,
        /// The variants of its type, in the order to try them.
        candidates: Vec<usize>,
    },
}

/// The plan for a resource of type `rtype` claiming `claimed` (its
/// `meta.profile`s, in order), among `variants`; `preferred` says which
/// profiles the message being read carries.
pub(crate) fn plan<'c>(
    rtype: &str,
    claimed: impl Iterator<Item = &'c str> + Clone,
    variants: &[(&'static str, &'static str)],
    preferred: impl Fn(&str) -> bool,
) -> Plan {
    // The first variant of this type whose profile the resource claims, in
    // one walk over the claims that stops once the first variant of the
    // type is named.
    let first_of_type = variants.iter().position(|v| v.0 == rtype);
    let mut chosen: Option<usize> = None;
    for claim in claimed.clone() {
        if let Some(i) = variants.iter().position(|v| v.0 == rtype && v.1 == claim) {
            chosen = Some(chosen.map_or(i, |c| c.min(i)));
            if Some(i) == first_of_type {
                break;
            }
        }
    }
    if let Some(i) = chosen {
        return Plan::Read(i);
    }
    let mut candidates: Vec<usize> = (0..variants.len())
        .filter(|&i| variants[i].0 == rtype)
        .collect();
    if candidates.is_empty() {
        let expected: Vec<&str> = variants.iter().map(|v| v.0).collect();
        return Plan::NotExpected(format!(
            "a {rtype} is not expected here (expected: {})",
            expected.join(", ")
        ));
    }
    if let Some(&i) = candidates
        .iter()
        .find(|&&i| claimed.clone().any(|p| p.trim() == variants[i].1))
    {
        return Plan::Trimmed(i);
    }
    let claims: Vec<&str> = claimed.collect();
    let warning = (!claims.is_empty()).then(|| {
        let known: Vec<&str> = candidates.iter().map(|&i| variants[i].1).collect();
        format!(
            "claims {}, none of the profiles expected here ({})",
            claims.join(", "),
            known.join(", ")
        )
    });
    // A stable sort: the message's own profiles first, else in order.
    candidates.sort_by_key(|&i| !preferred(variants[i].1));
    Plan::Try {
        warning,
        candidates,
    }
}

/// The warning of [`Plan::Trimmed`], in parts (joined only when kept).
pub(crate) fn trimmed_warning(profile: &str) -> [&str; 2] {
    [
        "the profile URL has white space around it; read as ",
        profile,
    ]
}

#[cfg(test)]
mod tests {
    use super::{plan, Plan};

    const VARIANTS: &[(&str, &str)] = &[
        ("Patient", "urn:p-1"),
        ("Patient", "urn:p-2"),
        ("Organization", "urn:o-1"),
    ];

    fn of(rtype: &str, claims: &[&str], preferred: &[&str]) -> Plan {
        plan(rtype, claims.iter().copied(), VARIANTS, |p| {
            preferred.contains(&p)
        })
    }

    #[test]
    fn a_claimed_profile_is_read_the_first_of_its_type_winning() {
        assert_eq!(of("Patient", &["urn:p-2"], &[]), Plan::Read(1));
        assert_eq!(of("Patient", &["urn:p-2", "urn:p-1"], &[]), Plan::Read(0));
        assert_eq!(
            of("Organization", &["urn:x", "urn:o-1"], &[]),
            Plan::Read(2)
        );
    }

    #[test]
    fn a_type_not_allowed_is_refused() {
        assert_eq!(
            of("Flag", &[], &[]),
            Plan::NotExpected(
                "a Flag is not expected here (expected: Patient, Patient, Organization)".into()
            )
        );
    }

    #[test]
    fn white_space_around_a_claim_is_read_with_a_warning() {
        assert_eq!(of("Patient", &[" urn:p-2 "], &[]), Plan::Trimmed(1));
    }

    #[test]
    fn without_a_claim_of_its_type_each_candidate_is_tried_the_preferred_first() {
        assert_eq!(
            of("Patient", &[], &["urn:p-2"]),
            Plan::Try {
                warning: None,
                candidates: vec![1, 0]
            }
        );
        assert_eq!(
            of("Patient", &["urn:x"], &[]),
            Plan::Try {
                warning: Some(
                    "claims urn:x, none of the profiles expected here (urn:p-1, urn:p-2)".into()
                ),
                candidates: vec![0, 1]
            }
        );
    }
}
