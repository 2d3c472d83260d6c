//! A value-set enum has no variant outside its value set: the only risk
//! indicator is FGM.
use fgm_types::valuesets::RiskIndicatorType10;

fn main() {
    let _ = RiskIndicatorType10::Xyz;
}
