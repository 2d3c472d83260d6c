use fgm::primitive::FhirString;
use fgm::FhirXml;

#[derive(FhirXml)]
struct Wrapped(FhirString);

fn main() {}
