use fgm_types::primitive::FhirString;
use fgm_types::FhirXml;

#[derive(FhirXml)]
struct Element {
    #[fhir(json = "array")]
    given: Vec<FhirString>,
    #[fhir(json = "list")]
    family: Option<FhirString>,
}

fn main() {}
