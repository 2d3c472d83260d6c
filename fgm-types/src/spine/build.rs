//! Builders for the four requests, so that a client writes a valid,
//! profile-conformant query, create or delete in a few readable lines.
//! Systems, profile URLs, event codes and every other fixed value are filled
//! in; `build()` checks what it was given (and the message, with
//! [`validate`]) and returns a `Result`.
//!
//! Ids (the Bundle's, the MessageHeader's, each resource's) are new random
//! UUIDs and the timestamp is the current time in UTC, unless given.
//! Responses are built with [`respond`](super::respond).
//!
//! ```
//! use fgm_types::spine::build::QueryV2;
//!
//! let query = QueryV2::new("9434765919")
//!     .from_asid("200000000115")
//!     .to_asid("990101234567")
//!     .practitioner_local("12456")
//!     .build()
//!     .unwrap();
//! assert_eq!(query.parameters.nhs_number.value.as_str(), "9434765919");
//! ```

use std::fmt;

use super::{
    asid_endpoint, in_hand, meta, new_id, now, validate, ValidateOptions, ValidationIssue,
};
use crate::datatypes::{CodeableConcept, Coding, Reference};
use crate::messages::{self, Interaction, Message};
use crate::profiles::*;
use crate::valuesets::{FgmDeleteReasonCodes10, MessageEvent10, MessageEvent20};
use fgm::message::family;
use fgm::primitive::{Date, DateTime, FhirString, Id, Instant, Uri};
use fgm::xml::parse_document;
use fgm::FhirMessage;

/// Why a builder could not build.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// Something required was not given, or given in a form that cannot be
    /// right (an ASID with letters, say).
    Invalid(String),
    /// The message was built but breaks a Spine rule (an invalid NHS number,
    /// a patient of 18 or over, ...).
    Rejected(Vec<ValidationIssue>),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Invalid(why) => f.write_str(why),
            BuildError::Rejected(issues) => {
                let all: Vec<String> = issues.iter().map(ToString::to_string).collect();
                write!(f, "Spine would reject the message: {}", all.join("; "))
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// User text as a FHIR string, or the error naming what it was for.
fn text(s: &str, what: &str) -> Result<FhirString, BuildError> {
    FhirString::new(s).map_err(|e| BuildError::Invalid(format!("{what}: {e}")))
}

fn reference(to: &str) -> FhirString {
    FhirString::new(to).expect("a non-empty reference")
}

fn resource_ref(rtype: &str, id: &Id) -> FhirString {
    reference(&format!("{rtype}/{id}"))
}

/// What every request carries in its Bundle and MessageHeader.
#[derive(Debug, Clone, Default)]
struct Envelope {
    bundle_id: Option<Id>,
    header_id: Option<Id>,
    timestamp: Option<Instant>,
    from: Option<String>,
    to: Option<String>,
    source_name: Option<String>,
    software: Option<String>,
}

/// The envelope's values, defaults filled in and checked.
struct Sealed {
    bundle_id: Id,
    header_id: Id,
    timestamp: Instant,
    from: Uri,
    to: Uri,
    source_name: Option<FhirString>,
    software: Option<FhirString>,
}

impl Envelope {
    fn seal(&self) -> Result<Sealed, BuildError> {
        let endpoint = |asid: &Option<String>, what: &str| {
            let asid = asid
                .as_deref()
                .ok_or_else(|| BuildError::Invalid(format!("the {what} ASID is required")))?;
            asid_endpoint(asid).ok_or_else(|| {
                BuildError::Invalid(format!("the {what} ASID `{asid}` must be digits only"))
            })
        };
        let optional =
            |v: &Option<String>, what: &str| v.as_deref().map(|s| text(s, what)).transpose();
        Ok(Sealed {
            bundle_id: self.bundle_id.clone().unwrap_or_else(new_id),
            header_id: self.header_id.clone().unwrap_or_else(new_id),
            timestamp: self.timestamp.clone().unwrap_or_else(now),
            from: endpoint(&self.from, "sender's")?,
            to: endpoint(&self.to, "receiver's")?,
            source_name: optional(&self.source_name, "the source name")?,
            software: optional(&self.software, "the software name")?,
        })
    }
}

macro_rules! envelope_setters {
    () => {
        /// The sender's ASID (digits): the MessageHeader source endpoint. Required.
        pub fn from_asid(mut self, asid: &str) -> Self {
            self.envelope.from = Some(asid.to_owned());
            self
        }

        /// The receiver's ASID (digits; Spine's in its test environment is
        /// `990101234567`): the destination endpoint. Required.
        pub fn to_asid(mut self, asid: &str) -> Self {
            self.envelope.to = Some(asid.to_owned());
            self
        }

        /// The sending organisation's name (MessageHeader source name).
        pub fn source_name(mut self, name: &str) -> Self {
            self.envelope.source_name = Some(name.to_owned());
            self
        }

        /// The sending software's name.
        pub fn software(mut self, name: &str) -> Self {
            self.envelope.software = Some(name.to_owned());
            self
        }

        /// The MessageHeader id (default: a new UUID); the response's
        /// `response.identifier` will name it.
        pub fn header_id(mut self, id: Id) -> Self {
            self.envelope.header_id = Some(id);
            self
        }

        /// The Bundle id (default: a new UUID).
        pub fn bundle_id(mut self, id: Id) -> Self {
            self.envelope.bundle_id = Some(id);
            self
        }

        /// The MessageHeader timestamp (default: now, UTC).
        pub fn timestamp(mut self, at: Instant) -> Self {
            self.envelope.timestamp = Some(at);
            self
        }

        /// The sending organisation (ODS code and name), which the
        /// practitioner's role names as managing organisation.
        pub fn organization(mut self, ods_code: &str, name: &str) -> Self {
            self.organization = Some((ods_code.to_owned(), name.to_owned()));
            self
        }
    };
}

/// The requesting practitioner's identifiers.
#[derive(Debug, Clone)]
enum Practitioner {
    Sds { user: String, role: String },
    Local(String),
}

impl Practitioner {
    /// An SDS user id and role profile id.
    fn sds(user: &str, role: &str) -> Self {
        Practitioner::Sds {
            user: user.to_owned(),
            role: role.to_owned(),
        }
    }
}

fn organization(
    spec: &Option<(String, String)>,
) -> Result<Option<spine_organization_1_0::Organization>, BuildError> {
    let Some((ods, name)) = spec else {
        return Ok(None);
    };
    let mut org = spine_organization_1_0::Organization::new(
        spine_organization_1_0::OrganizationOdsOrganizationCode::new(text(ods, "the ODS code")?),
        text(name, "the organisation name")?,
    );
    org.id = Some(new_id());
    org.meta = Some(meta(spine_organization_1_0::Organization::PROFILE));
    Ok(Some(org))
}

fn practitioner_1_0(
    spec: &Option<Practitioner>,
    org: &Option<spine_organization_1_0::Organization>,
) -> Result<Option<spine_practitioner_1_0::Practitioner>, BuildError> {
    use spine_practitioner_1_0 as p;
    let Some(spec) = spec else { return Ok(None) };
    let Practitioner::Sds { user, role } = spec else {
        return Err(BuildError::Invalid(
            "this interaction's practitioner (Spine-Practitioner-1-0) is identified by SDS user and role profile ids".to_owned(),
        ));
    };
    let mut practitioner = p::Practitioner::new(
        p::PractitionerSdsUserId::new(text(user, "the SDS user id")?),
        p::PractitionerSdsRoleProfileId::new(text(role, "the SDS role profile id")?),
    );
    practitioner.id = Some(new_id());
    practitioner.meta = Some(meta(p::Practitioner::PROFILE));
    if let Some(id) = org.as_ref().and_then(|o| o.id.as_ref()) {
        practitioner.practitioner_role = Some(p::PractitionerPractitionerRole::new(
            p::PractitionerPractitionerRoleManagingOrganization::new(resource_ref(
                "Organization",
                id,
            )),
        ));
    }
    Ok(Some(practitioner))
}

fn risk_and_nhs_number(nhs_number: &str) -> Result<(FhirString, FhirString), BuildError> {
    Ok((reference("FGM"), text(nhs_number, "the NHS number")?))
}

/// Fails with the validation errors Spine would reject the message for.
fn checked<T>(
    message: T,
    wrap: fn(T) -> Message,
    unwrap: fn(Message) -> T,
) -> Result<T, BuildError> {
    let message = wrap(message);
    let errors: Vec<ValidationIssue> = validate(&message, &ValidateOptions::default())
        .into_iter()
        .filter(ValidationIssue::is_error)
        .collect();
    if errors.is_empty() {
        Ok(unwrap(message))
    } else {
        Err(BuildError::Rejected(errors))
    }
}

macro_rules! unwrap_as {
    ($variant:ident) => {
        |m| match m {
            Message::$variant(x) => x,
            _ => unreachable!("wrapped as {}", stringify!($variant)),
        }
    };
}

/// A version 1 query (`FGMQuery_1_0`).
#[derive(Debug, Clone)]
pub struct QueryV1 {
    envelope: Envelope,
    nhs_number: String,
    practitioner: Option<Practitioner>,
    organization: Option<(String, String)>,
}

impl QueryV1 {
    /// A query for the patient with this NHS number.
    pub fn new(nhs_number: &str) -> Self {
        QueryV1 {
            envelope: Envelope::default(),
            nhs_number: nhs_number.to_owned(),
            practitioner: None,
            organization: None,
        }
    }

    envelope_setters!();

    /// The practitioner's SDS user id and role profile id (required from
    /// systems using Spine RBAC).
    pub fn practitioner_sds(mut self, user_id: &str, role_profile_id: &str) -> Self {
        self.practitioner = Some(Practitioner::sds(user_id, role_profile_id));
        self
    }

    /// Builds the message.
    pub fn build(&self) -> Result<messages::QueryV1Request, BuildError> {
        use spine_request_message_header_1_0 as h;
        use spine_ris_parameters_1_0 as q;
        let env = self.envelope.seal()?;
        let organization = organization(&self.organization)?;
        let practitioner = practitioner_1_0(&self.practitioner, &organization)?;
        let (risk, nhs) = risk_and_nhs_number(&self.nhs_number)?;
        let mut parameters = q::Parameters::new(
            q::ParametersRiskIndicator::new(risk),
            q::ParametersNhsNumber::new(nhs),
        );
        parameters.id = Some(new_id());
        parameters.meta = Some(meta(q::Parameters::PROFILE));
        let mut source = h::MessageHeaderSource::new(env.from);
        source.name = env.source_name;
        source.software = env.software;
        let mut header = h::MessageHeader::new(
            env.timestamp,
            h::MessageHeaderEvent::new(MessageEvent10::FgmQuery10),
            source,
            h::MessageHeaderDestination::new(env.to),
        );
        header.id = Some(env.header_id);
        header.meta = Some(meta(h::MessageHeader::PROFILE));
        header.author = practitioner
            .as_ref()
            .and_then(|p| p.id.as_ref())
            .map(|id| h::MessageHeaderAuthor::new(resource_ref("Practitioner", id)));
        let mut data = h::MessageHeaderData::new();
        data.reference = parameters
            .id
            .as_ref()
            .map(|id| resource_ref("Parameters", id));
        header.data.push(data);
        let mut bundle = spine_message_bundle_1_0::Bundle::new();
        bundle.id = Some(env.bundle_id);
        bundle.meta = Some(meta(spine_message_bundle_1_0::Bundle::PROFILE));
        let message = messages::QueryV1Request {
            bundle,
            header,
            parameters,
            practitioner,
            organization,
        };
        checked(message, Message::QueryV1Request, unwrap_as!(QueryV1Request))
    }
}

/// Builds a version 2 request header with its author and data references.
fn header_2_0(
    env: Sealed,
    event: MessageEvent20,
    author: FhirString,
    data: FhirString,
) -> spine_request_message_header_2_0::MessageHeader {
    use spine_request_message_header_2_0 as h;
    let mut source = h::MessageHeaderSource::new(env.from);
    source.name = env.source_name;
    source.software = env.software;
    let mut header = h::MessageHeader::new(
        env.timestamp,
        h::MessageHeaderEvent::new(event),
        source,
        h::MessageHeaderDestination::new(env.to),
        h::MessageHeaderAuthor::new(author),
    );
    header.id = Some(env.header_id);
    header.meta = Some(meta(h::MessageHeader::PROFILE));
    let mut d = h::MessageHeaderData::new();
    d.reference = Some(data);
    header.data.push(d);
    header
}

fn bundle(id: Id) -> spine_message_bundle_1_0::Bundle {
    let mut bundle = spine_message_bundle_1_0::Bundle::new();
    bundle.id = Some(id);
    bundle.meta = Some(meta(spine_message_bundle_1_0::Bundle::PROFILE));
    bundle
}

/// A version 2 query (`FGMQuery_2_0`).
#[derive(Debug, Clone)]
pub struct QueryV2 {
    envelope: Envelope,
    nhs_number: String,
    practitioner: Option<Practitioner>,
    organization: Option<(String, String)>,
}

impl QueryV2 {
    /// A query for the patient with this NHS number.
    pub fn new(nhs_number: &str) -> Self {
        QueryV2 {
            envelope: Envelope::default(),
            nhs_number: nhs_number.to_owned(),
            practitioner: None,
            organization: None,
        }
    }

    envelope_setters!();

    /// The practitioner's SDS user id and role profile id (a smartcard user).
    pub fn practitioner_sds(mut self, user_id: &str, role_profile_id: &str) -> Self {
        self.practitioner = Some(Practitioner::sds(user_id, role_profile_id));
        self
    }

    /// The practitioner's local identifier (no smartcard).
    pub fn practitioner_local(mut self, id: &str) -> Self {
        self.practitioner = Some(Practitioner::Local(id.to_owned()));
        self
    }

    /// Builds the message.
    pub fn build(&self) -> Result<messages::QueryV2Request, BuildError> {
        use spine_practitioner_2_0 as p;
        use spine_ris_parameters_1_0 as q;
        let env = self.envelope.seal()?;
        let organization = organization(&self.organization)?;
        let spec = self.practitioner.as_ref().ok_or_else(|| {
            BuildError::Invalid(
                "a version 2 query names its practitioner (practitioner_sds or practitioner_local)"
                    .to_owned(),
            )
        })?;
        let mut practitioner = p::Practitioner::new();
        match spec {
            Practitioner::Sds { user, role } => {
                practitioner.sds_user_id = Some(p::PractitionerSdsUserId::new(text(
                    user,
                    "the SDS user id",
                )?));
                practitioner.sds_role_profile_id = Some(p::PractitionerSdsRoleProfileId::new(
                    text(role, "the SDS role profile id")?,
                ));
            }
            Practitioner::Local(id) => {
                practitioner.local_identifier = Some(p::PractitionerLocalIdentifier::new(text(
                    id,
                    "the local id",
                )?));
            }
        }
        let practitioner_id = new_id();
        practitioner.id = Some(practitioner_id.clone());
        practitioner.meta = Some(meta(p::Practitioner::PROFILE));
        if let Some(id) = organization.as_ref().and_then(|o| o.id.as_ref()) {
            practitioner.practitioner_role = Some(p::PractitionerPractitionerRole::new(
                p::PractitionerPractitionerRoleManagingOrganization::new(resource_ref(
                    "Organization",
                    id,
                )),
            ));
        }
        let (risk, nhs) = risk_and_nhs_number(&self.nhs_number)?;
        let mut parameters = q::Parameters::new(
            q::ParametersRiskIndicator::new(risk),
            q::ParametersNhsNumber::new(nhs),
        );
        let parameters_id = new_id();
        parameters.id = Some(parameters_id.clone());
        parameters.meta = Some(meta(q::Parameters::PROFILE));
        let bundle = bundle(env.bundle_id.clone());
        let header = header_2_0(
            env,
            MessageEvent20::FgmQuery20,
            resource_ref("Practitioner", &practitioner_id),
            resource_ref("Parameters", &parameters_id),
        );
        let message = messages::QueryV2Request {
            bundle,
            header,
            parameters,
            practitioner,
            organization,
        };
        checked(message, Message::QueryV2Request, unwrap_as!(QueryV2Request))
    }
}

/// A create (`FGMCreate_1_0`): record an FGM risk indicator.
#[derive(Debug, Clone)]
pub struct Create {
    envelope: Envelope,
    nhs_number: String,
    birth_date: String,
    gp_practice: (String, String),
    practitioner: Option<Practitioner>,
    organization: Option<(String, String)>,
    since: Option<String>,
}

impl Create {
    /// A create for the patient with this NHS number and birth date
    /// (`YYYY-MM-DD`), registered at this GP practice (ODS code, name).
    pub fn new(nhs_number: &str, birth_date: &str, gp_ods_code: &str, gp_name: &str) -> Self {
        Create {
            envelope: Envelope::default(),
            nhs_number: nhs_number.to_owned(),
            birth_date: birth_date.to_owned(),
            gp_practice: (gp_ods_code.to_owned(), gp_name.to_owned()),
            practitioner: None,
            organization: None,
            since: None,
        }
    }

    envelope_setters!();

    /// The practitioner's SDS user id and role profile id. Required.
    pub fn practitioner_sds(mut self, user_id: &str, role_profile_id: &str) -> Self {
        self.practitioner = Some(Practitioner::sds(user_id, role_profile_id));
        self
    }

    /// The date the indicator applies from (`YYYY-MM-DD`; default: the
    /// timestamp's date).
    pub fn since(mut self, date: &str) -> Self {
        self.since = Some(date.to_owned());
        self
    }

    /// Builds the message.
    pub fn build(&self) -> Result<messages::CreateRequest, BuildError> {
        use spine_gp_organization_1_0 as gp;
        use spine_ris_flag_1_0 as f;
        use spine_ris_patient_2_0 as pt;
        let env = self.envelope.seal()?;
        let organization = organization(&self.organization)?;
        if self.practitioner.is_none() {
            return Err(BuildError::Invalid(
                "a create names its practitioner (practitioner_sds)".to_owned(),
            ));
        }
        let practitioner =
            practitioner_1_0(&self.practitioner, &organization)?.expect("checked above");
        let birth_date = Date::new(&self.birth_date)
            .map_err(|e| BuildError::Invalid(format!("the birth date: {e}")))?;
        let since =
            match &self.since {
                Some(d) => DateTime::new(d)
                    .map_err(|e| BuildError::Invalid(format!("the start date: {e}")))?,
                None => DateTime::new(&env.timestamp.as_str()[..10])
                    .expect("an instant starts with a date"),
            };
        let (gp_id, patient_id, flag_id) = (new_id(), new_id(), new_id());
        let mut practice = gp::Organization::new(
            gp::OrganizationOdsOrganizationCode::new(text(
                &self.gp_practice.0,
                "the GP practice ODS code",
            )?),
            text(&self.gp_practice.1, "the GP practice name")?,
        );
        practice.id = Some(gp_id.clone());
        practice.meta = Some(meta(gp::Organization::PROFILE));
        let mut care_provider = Reference::new();
        care_provider.reference = Some(reference(&format!("#{gp_id}")));
        let mut patient = pt::Patient::new(
            pt::PatientIdentifier::new(text(&self.nhs_number, "the NHS number")?),
            birth_date,
            care_provider,
        );
        patient.id = Some(patient_id.clone());
        patient.meta = Some(meta(pt::Patient::PROFILE));
        let mut subject = Reference::new();
        subject.reference = Some(reference(&format!("#{patient_id}")));
        let mut flag = f::Flag::new(
            f::FlagPeriod::new(since),
            subject,
            f::FlagCode::new(f::FlagCodeCoding::new()),
        );
        flag.id = Some(flag_id.clone());
        flag.meta = Some(meta(f::Flag::PROFILE));
        flag.contained = vec![
            f::FlagContained::SpineRisPatient20(Box::new(patient)),
            f::FlagContained::SpineGpOrganization10(Box::new(practice)),
        ];
        let bundle = bundle(env.bundle_id.clone());
        let header = header_2_0(
            env,
            MessageEvent20::FgmCreate10,
            resource_ref("Practitioner", practitioner.id.as_ref().expect("set")),
            resource_ref("Flag", &flag_id),
        );
        let message = messages::CreateRequest {
            bundle,
            header,
            flag,
            practitioner,
            organization,
        };
        checked(message, Message::CreateRequest, unwrap_as!(CreateRequest))
    }
}

/// A delete (`FGMDelete_1_0`): remove an FGM risk indicator.
#[derive(Debug, Clone)]
pub struct Delete {
    envelope: Envelope,
    nhs_number: String,
    reason: FgmDeleteReasonCodes10,
    practitioner: Option<Practitioner>,
    organization: Option<(String, String)>,
}

impl Delete {
    /// A delete for the patient with this NHS number, for this reason.
    pub fn new(nhs_number: &str, reason: FgmDeleteReasonCodes10) -> Self {
        Delete {
            envelope: Envelope::default(),
            nhs_number: nhs_number.to_owned(),
            reason,
            practitioner: None,
            organization: None,
        }
    }

    envelope_setters!();

    /// The practitioner's SDS user id and role profile id. Required.
    pub fn practitioner_sds(mut self, user_id: &str, role_profile_id: &str) -> Self {
        self.practitioner = Some(Practitioner::sds(user_id, role_profile_id));
        self
    }

    /// Builds the message.
    pub fn build(&self) -> Result<messages::DeleteRequest, BuildError> {
        use spine_fgm_delete_parameters_1_0 as d;
        let env = self.envelope.seal()?;
        let organization = organization(&self.organization)?;
        if self.practitioner.is_none() {
            return Err(BuildError::Invalid(
                "a delete names its practitioner (practitioner_sds)".to_owned(),
            ));
        }
        let practitioner =
            practitioner_1_0(&self.practitioner, &organization)?.expect("checked above");
        let mut coding = Coding::new();
        coding.system = Some(Uri::new(self.reason.system()).expect("a valid uri"));
        coding.code = Some(fgm::primitive::Code::new(self.reason.code()).expect("a valid code"));
        coding.display = Some(reference(self.reason.display()));
        let mut reason = CodeableConcept::new();
        reason.coding.push(coding);
        let (risk, nhs) = risk_and_nhs_number(&self.nhs_number)?;
        let mut parameters = d::Parameters::new(
            d::ParametersRiskIndicator::new(risk),
            d::ParametersNhsNumber::new(nhs),
            d::ParametersFgmDeleteReason::new(reason),
        );
        let parameters_id = new_id();
        parameters.id = Some(parameters_id.clone());
        parameters.meta = Some(meta(d::Parameters::PROFILE));
        let bundle = bundle(env.bundle_id.clone());
        let header = header_2_0(
            env,
            MessageEvent20::FgmDelete10,
            resource_ref("Practitioner", practitioner.id.as_ref().expect("set")),
            resource_ref("Parameters", &parameters_id),
        );
        let message = messages::DeleteRequest {
            bundle,
            header,
            parameters,
            practitioner,
            organization,
        };
        checked(message, Message::DeleteRequest, unwrap_as!(DeleteRequest))
    }
}

/// The flag a query response carries: the FGM risk indicator, applying
/// from `since` (`YYYY-MM-DD`), with the patient (NHS number) contained.
pub fn query_flag(nhs_number: &str, since: &str) -> Result<spine_ris_flag_1_0::Flag, BuildError> {
    use spine_ris_flag_1_0 as f;
    use spine_ris_patient_1_0 as pt;
    let since =
        DateTime::new(since).map_err(|e| BuildError::Invalid(format!("the start date: {e}")))?;
    let patient_id = new_id();
    let mut patient = pt::Patient::new(pt::PatientIdentifier::new(text(
        nhs_number,
        "the NHS number",
    )?));
    patient.id = Some(patient_id.clone());
    patient.meta = Some(meta(pt::Patient::PROFILE));
    let mut subject = Reference::new();
    subject.reference = Some(reference(&format!("#{patient_id}")));
    let mut flag = f::Flag::new(
        f::FlagPeriod::new(since),
        subject,
        f::FlagCode::new(f::FlagCodeCoding::new()),
    );
    flag.id = Some(new_id());
    flag.meta = Some(meta(f::Flag::PROFILE));
    flag.contained
        .push(f::FlagContained::SpineRisPatient10(Box::new(patient)));
    Ok(flag)
}

/// A message of one set of generated types as the message type `M` of
/// another (a crate that generates its own, from a later release of the
/// profiles): written, each profile it claims that `M`'s interaction does
/// not carry moved to the version that it does carry (the same profile URL
/// but for the version suffix), and read back. So the builders here make
/// the requests of any generated crate whose interactions keep their event
/// codes and elements:
///
/// ```
/// use fgm_types::messages::Message;
/// use fgm_types::spine::build::{convert, QueryV2};
///
/// let query = QueryV2::new("9434765919").from_asid("200000000115").to_asid("990101234567")
///     .practitioner_local("12456").build().unwrap();
/// // Here the same types; a downstream crate names its own `Message`.
/// let again: Message = convert(&Message::QueryV2Request(query.clone())).unwrap();
/// assert_eq!(again, Message::QueryV2Request(query));
/// ```
pub fn convert<M: FhirMessage>(message: &impl FhirMessage) -> Result<M, BuildError> {
    let mut xml = message.to_xml();
    let moves = moves_to::<M>(&xml)?;
    for (from, to) in &moves {
        xml = xml.replace(from, to);
    }
    M::parse(&xml).map(|read| read.value).map_err(|e| {
        BuildError::Invalid(format!(
            "the message does not read as the types asked for: {e}"
        ))
    })
}

/// The profile claims (as `value="…"` attributes) a message written as
/// `xml` must change to be one of `M`'s, each with its replacement.
fn moves_to<M: FhirMessage>(xml: &str) -> Result<Vec<(String, String)>, BuildError> {
    let doc = parse_document(xml.as_bytes(), &in_hand())
        .map_err(|e| BuildError::Invalid(e.to_string()))?;
    let root = doc.root_element();
    let event = root
        .child_named("entry")
        .and_then(|e| e.child_named("resource"))
        .and_then(|r| r.first_element_child())
        .and_then(|header| header.value_at(&["event", "code"]))
        .unwrap_or_default();
    let carried = M::profiles(event);
    let mut moves: Vec<(String, String)> = Vec::new();
    for meta in root.descendants().filter(|n| n.tag_name().name() == "meta") {
        for claim in meta
            .children_named("profile")
            .filter_map(|p| p.attribute("value"))
        {
            let successor = carried.iter().find(|c| family(c) == family(claim));
            if let (false, Some(to)) = (carried.contains(&claim), successor) {
                moves.push((format!("value=\"{claim}\""), format!("value=\"{to}\"")));
            }
        }
    }
    Ok(moves)
}

/// A valid sample message of each interaction, built with these builders
/// (what `fgm example` prints): the requests from an example system to
/// Spine's test ASID, the responses as [`respond`](super::respond) answers
/// them.
pub fn example(interaction: Interaction) -> Result<Message, String> {
    use super::{respond, Outcome};
    const CLIENT: &str = "200000000115";
    const SPINE: &str = "990101234567";
    let e = |e: BuildError| e.to_string();
    let query_v1 = || {
        QueryV1::new("9434765919")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .source_name("Example NHS Trust")
            .practitioner_sds("200009876204", "100077650987")
            .organization("RKE", "Example NHS Trust")
            .build()
            .map(Message::QueryV1Request)
            .map_err(e)
    };
    let query_v2 = || {
        QueryV2::new("9434765919")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_local("12456")
            .build()
            .map(Message::QueryV2Request)
            .map_err(e)
    };
    // A girl of ten, whatever the year.
    let year: u32 = now().as_str()[..4].parse().expect("a year");
    let birth_date = format!("{}-06-01", year - 10);
    let create = || {
        Create::new("9434765919", &birth_date, "B86022", "Example Surgery")
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds("200009876204", "100077650987")
            .organization("RKE", "Example NHS Trust")
            .build()
            .map(Message::CreateRequest)
            .map_err(e)
    };
    let delete = || {
        Delete::new("9434765919", FgmDeleteReasonCodes10::Code1)
            .from_asid(CLIENT)
            .to_asid(SPINE)
            .practitioner_sds("200009876204", "100077650987")
            .build()
            .map(Message::DeleteRequest)
            .map_err(e)
    };
    let answer = |request: Message, outcome: Outcome| {
        respond(&request, outcome)
            .map(|r| r.message)
            .map_err(|e| e.to_string())
    };
    let flag = || {
        query_flag("9434765919", "2024-02-04")
            .map(Box::new)
            .map_err(e)
    };
    match interaction {
        Interaction::QueryV1Request => query_v1(),
        Interaction::QueryV1Response => answer(query_v1()?, Outcome::Flag(flag()?)),
        Interaction::QueryV2Request => query_v2(),
        Interaction::QueryV2Response => answer(query_v2()?, Outcome::Flag(flag()?)),
        Interaction::CreateRequest => create(),
        Interaction::CreateResponse => answer(create()?, Outcome::Created),
        Interaction::DeleteRequest => delete(),
        Interaction::DeleteResponse => answer(delete()?, Outcome::Deleted),
    }
}
