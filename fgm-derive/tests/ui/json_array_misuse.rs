use fgm::primitive::FhirString;
use fgm::FhirXml;

#[derive(FhirXml)]
struct Element {
    #[fhir(json = "array")]
    given: Vec<FhirString>,
    #[fhir(json = "list")]
    family: Option<FhirString>,
}

fn main() {}
