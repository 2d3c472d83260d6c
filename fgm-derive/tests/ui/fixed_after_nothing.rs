use fgm::primitive::FhirString;
use fgm::FhirXml;

#[derive(FhirXml)]
#[fhir(fixed(element = "status", value = "active", after = "stauts"))]
struct Flag {
    status_reason: FhirString,
}

fn main() {}
