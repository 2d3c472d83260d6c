use fgm_types::primitive::FhirString;
use fgm_types::FhirXml;

#[derive(FhirXml)]
struct Name {
    #[fhir(elemnt = "family")]
    family: FhirString,
}

fn main() {}
