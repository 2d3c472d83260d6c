use fgm::primitive::FhirString;
use fgm::xml::Overflow;
use fgm::FhirXml;

#[derive(FhirXml)]
#[fhir(fixed(element = "status", value = "active", after = "nowhere"))]
struct Everything<T> {
    #[fhir(colour = "blue")]
    name: FhirString,
    #[fhir(overflow)]
    first: Overflow,
    #[fhir(overflow)]
    second: Overflow,
    #[fhir(element = "name")]
    again: FhirString,
    marker: std::marker::PhantomData<T>,
}

fn main() {}
