//! A required slice is a plain field: Practitioner 1-0 must carry its SDS
//! user id, so the field is no `Option` that could be `None`.
use fgm_types::profiles::spine_practitioner_1_0::Practitioner;

fn check(practitioner: &Practitioner) -> bool {
    practitioner.sds_user_id.is_none()
}

fn main() {}
