use fgm_types::primitive::Id;
use fgm_types::FhirXml;

#[derive(FhirXml)]
struct Element {
    #[fhir(attribute)]
    id: Vec<Id>,
}

fn main() {}
