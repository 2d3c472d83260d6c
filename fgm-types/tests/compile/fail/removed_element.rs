//! An element the profile removes (max 0) does not exist: RIS Patient 1-0
//! keeps only the NHS number, so it has no birth date and no gender.
use fgm_types::profiles::spine_ris_patient_1_0::Patient;

fn birth_date(patient: &Patient) {
    let _ = &patient.birth_date;
    let _ = &patient.gender;
}

fn main() {}
