use fgm_types::primitive::{Boolean, FhirString};
use fgm_types::FhirXml;

#[derive(FhirXml)]
enum Value {
    #[fhir(element = "valueString")]
    Text(FhirString),
    YesNo(Boolean),
}

fn main() {}
