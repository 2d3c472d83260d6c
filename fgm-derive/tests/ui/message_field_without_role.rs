use fgm::FhirMessage;

#[derive(FhirMessage)]
#[fhir(event = "urn:example:Event_1_0", any_resource = "fgm_types::resources::AnyResource")]
struct Broken {
    #[fhir(bundle)]
    bundle: fgm_types::profiles::spine_message_bundle_1_0::Bundle,
    header: fgm_types::profiles::spine_request_message_header_2_0::MessageHeader,
}

fn main() {}
