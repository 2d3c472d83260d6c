use fgm_types::profiles::spine_ris_patient_1_0::Patient;
use fgm::FhirXml;

#[derive(FhirXml)]
#[fhir(resources)]
enum Contained {
    #[fhir(resource = "Patient")]
    Patient(Box<Patient>),
}

fn main() {}
