use fgm::FhirMessage;

#[derive(FhirMessage)]
#[fhir(
    event = "urn:example:Event_1_0",
    any_resource = "fgm_types::resources::AnyResource",
    success_status = "OK"
)]
struct Broken {
    #[fhir(bundle)]
    bundle: fgm_types::profiles::spine_message_bundle_1_0::Bundle,
    #[fhir(entry = "SpineRequestMessageHeader20", resource = "MessageHeader")]
    header: fgm_types::profiles::spine_request_message_header_2_0::MessageHeader,
}

fn main() {}
