use fgm::primitive::FhirString;
use fgm::FhirXml;

#[derive(FhirXml)]
#[fhir(crate = "not a path")]
struct Name {
    family: FhirString,
}

#[derive(FhirXml)]
struct Field {
    #[fhir(crate = "::fgm")]
    family: FhirString,
}

fn main() {}
