use fgm::primitive::Id;
use fgm::FhirXml;

#[derive(FhirXml)]
struct Element {
    #[fhir(attribute)]
    id: Vec<Id>,
}

fn main() {}
