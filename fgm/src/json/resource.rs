//! A resource in a container (`contained`, `entry.resource`), read as the
//! variant the one plan (`crate::choice`) picks from its `resourceType`
//! and `meta.profile`.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::derive::peek;
use super::state::{self, departure, fail, pop, push};
use crate::choice::Plan;
use crate::xml::{ErrorCode, Mode};

/// Reads a resource in a container (`contained`, `entry.resource`): the
/// variant its `resourceType` and `meta.profile` name, or (when it claims
/// none) the first of its type that reads strictly, those of the message
/// being read first; as XML reading chooses.
pub fn read_resource<'de, T, D: Deserializer<'de>>(
    d: D,
    variants: &[(&'static str, &'static str)],
    read: fn(&'de RawValue, usize) -> std::result::Result<T, D::Error>,
) -> std::result::Result<T, D::Error> {
    let raw: &'de RawValue = Deserialize::deserialize(d)?;
    resource(raw, variants, read).inspect_err(|_| state::locate(raw.get().as_ptr() as usize))
}

fn resource<'de, T, E: de::Error>(
    raw: &'de RawValue,
    variants: &[(&'static str, &'static str)],
    read: fn(&'de RawValue, usize) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let tree = peek::<E>(raw)?;
    let Some(rtype) = tree.get("resourceType").and_then(Value::as_str) else {
        return Err(fail(
            ErrorCode::Missing,
            "a resource needs a string `resourceType`",
        ));
    };
    push(rtype);
    let claimed: Vec<&str> = tree
        .get("meta")
        .and_then(|m| m.get("profile"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let value = choose(raw, rtype, &claimed, variants, read)?;
    pop();
    Ok(value)
}

fn choose<'de, T, E: de::Error>(
    raw: &'de RawValue,
    rtype: &str,
    claimed: &[&str],
    variants: &[(&'static str, &'static str)],
    read: fn(&'de RawValue, usize) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let plan = crate::choice::plan(
        rtype,
        claimed.iter().copied(),
        variants,
        state::is_preferred,
    );
    match plan {
        Plan::Read(i) => read(raw, i),
        Plan::NotExpected(message) => Err(fail(ErrorCode::Profile, message)),
        Plan::Trimmed(i) => {
            departure::<E>(
                ErrorCode::Profile,
                crate::choice::trimmed_warning(variants[i].1).concat(),
            )?;
            read(raw, i)
        }
        Plan::Try {
            warning,
            candidates,
        } => {
            if let Some(warning) = warning {
                departure::<E>(ErrorCode::Profile, warning)?;
            }
            if candidates.len() > 1 {
                for &i in &candidates {
                    let checkpoint = state::checkpoint();
                    state::set_mode(Mode::Strict);
                    match read(raw, i) {
                        Ok(value) => {
                            state::restore_mode(&checkpoint);
                            return Ok(value);
                        }
                        Err(_) => state::restore(&checkpoint),
                    }
                }
            }
            read(raw, candidates[0])
        }
    }
}
