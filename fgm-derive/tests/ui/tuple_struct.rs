use fgm_types::primitive::FhirString;
use fgm_types::FhirXml;

#[derive(FhirXml)]
struct Wrapped(FhirString);

fn main() {}
