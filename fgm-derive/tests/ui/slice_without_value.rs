use fgm_types::datatypes::Identifier;
use fgm_types::FhirXml;

#[derive(FhirXml)]
struct Staff {
    #[fhir(element = "identifier", slice(discriminator = "system"))]
    staff_id: Identifier,
}

fn main() {}
