//! A required (1..1) element cannot be left out: Flag.period.start.
use fgm_types::profiles::spine_ris_flag_1_0::FlagPeriod;

fn main() {
    let _period = FlagPeriod { id: None, extension: vec![], overflow: Default::default() };
}
