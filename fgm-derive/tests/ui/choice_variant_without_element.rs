use fgm::primitive::{Boolean, FhirString};
use fgm::FhirXml;

#[derive(FhirXml)]
enum Value {
    #[fhir(element = "valueString")]
    Text(FhirString),
    YesNo(Boolean),
}

fn main() {}
