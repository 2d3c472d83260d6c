use fgm_types::primitive::FhirString;
use fgm_types::FhirXml;

#[derive(FhirXml)]
#[fhir(fixed(element = "status", value = "active", after = "stauts"))]
struct Flag {
    status_reason: FhirString,
}

fn main() {}
