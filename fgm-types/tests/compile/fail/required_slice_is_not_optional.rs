//! A required slice is a plain field: Practitioner 1-0 must carry its SDS
//! user id, so `None` does not fit.
use fgm_types::profiles::spine_practitioner_1_0::{Practitioner, PractitionerSdsUserId};

fn set(practitioner: &mut Practitioner) {
    practitioner.sds_user_id = None::<PractitionerSdsUserId>;
}

fn main() {}
