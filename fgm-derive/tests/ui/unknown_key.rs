use fgm::primitive::FhirString;
use fgm::FhirXml;

#[derive(FhirXml)]
struct Name {
    #[fhir(elemnt = "family")]
    family: FhirString,
}

fn main() {}
