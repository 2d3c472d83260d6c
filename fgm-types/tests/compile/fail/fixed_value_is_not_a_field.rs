//! A fixed value is not a field: Flag.status is always `active`.
use fgm_types::profiles::spine_ris_flag_1_0::Flag;

fn status(flag: &Flag) {
    let _ = &flag.status;
}

fn main() {}
