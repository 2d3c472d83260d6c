use fgm_types::datatypes::Identifier;
use fgm::FhirXml;

#[derive(FhirXml)]
struct Staff {
    #[fhir(element = "identifier", slice(discriminator = "system"))]
    staff_id: Identifier,
}

fn main() {}
