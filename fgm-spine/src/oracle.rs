//! The hostile-input oracle the property tests and the `handler` fuzz
//! target share: how arbitrary bytes become a request, and what every
//! answer must be — a status of the Spine table (or a success), never 500
//! for what a client sent, and a body that reads back as a Spine response
//! or a bare OperationOutcome.

use bytes::Bytes;
use fgm_types::messages::{Direction, Interaction, Message, RESPONSE_CODES};

use crate::server::{Request, Response};

/// A request from arbitrary bytes: the first byte picks the method, path
/// and SOAPAction (the right ones for an interaction, or wrong ones), the
/// rest is the body.
pub fn request(data: &[u8]) -> Request {
    let (&pick, body) = data.split_first().unwrap_or((&0, &[]));
    let requests: Vec<Interaction> = Interaction::ALL
        .iter()
        .copied()
        .filter(|i| i.direction() == Direction::Request)
        .collect();
    let interaction = requests[usize::from(pick) % requests.len()];
    let other = requests[usize::from(pick / 8) % requests.len()];
    let (method, path, soap_action) = match pick % 8 {
        0..=4 => (
            "POST",
            interaction.endpoint(),
            Some(interaction.soap_action().to_owned()),
        ),
        5 => (
            "POST",
            interaction.endpoint(),
            Some(other.soap_action().to_owned()),
        ),
        6 => ("POST", interaction.endpoint(), None),
        _ => (
            "GET",
            "/fhir/fgm/nowhere",
            Some(String::from_utf8_lossy(body.get(..8).unwrap_or(body)).into_owned()),
        ),
    };
    Request {
        method: method.to_owned(),
        path: path.to_owned(),
        soap_action,
        body: Bytes::copy_from_slice(body),
        ..Request::default()
    }
}

/// Whether an answer is what every request must get: `Err` says why not.
pub fn check(response: &Response) -> Result<(), String> {
    let status = response.status;
    let known = RESPONSE_CODES.iter().any(|r| r.http_status == status)
        || Interaction::ALL
            .iter()
            .any(|i| i.success_status() == status);
    if !known {
        return Err(format!("HTTP {status} is not a status of the Spine table"));
    }
    if status == 500 {
        return Err(format!(
            "HTTP 500 for what a client sent: {}",
            response.body
        ));
    }
    let read: Result<fgm_types::spine::SpineReply, _> =
        fgm_types::spine::read_reply(status, response.body.as_bytes(), None::<&Message>);
    read.map(drop).map_err(|e| {
        format!(
            "HTTP {status}: the body does not read back: {e}: {}",
            response.body
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_500_and_text_are_caught() {
        let text = Response::new(400, "not FHIR".into());
        assert!(check(&text).unwrap_err().contains("does not read back"));
        let failure = Response::refuse("GENERIC_SPINE_MINI_SERVICE_PROVIDER_SOFTWARE_FAILURE", "x");
        assert!(check(&failure).unwrap_err().contains("HTTP 500"));
        let teapot = Response::new(418, String::new());
        assert!(check(&teapot).is_err());
        assert!(check(&Response::refuse("MESSAGE_NOT_WELL_FORMED", "\u{1}")).is_ok());
        let r = request(&[5, b'<']);
        assert_eq!((r.method.as_str(), r.body.as_ref()), ("POST", &b"<"[..]));
        assert_eq!(request(&[]).body.len(), 0);
    }
}
