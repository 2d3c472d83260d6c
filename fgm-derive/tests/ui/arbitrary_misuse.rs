use fgm::primitive::FhirString;
use fgm::xml::{Overflow, XmlTree};
use fgm::{FhirArbitrary, FhirXml};

#[derive(Debug, Clone, FhirXml, FhirArbitrary)]
#[fhir(resource = "Patient")]
struct Patient {
    #[fhir(arbitrary = "empty")]
    name: FhirString,
    #[fhir(overflow)]
    overflow: Overflow,
}

#[derive(Debug, Clone, FhirXml, FhirArbitrary)]
#[fhir(resources)]
enum OnlyKept {
    #[fhir(nonconforming)]
    Kept(XmlTree),
}

fn main() {}
