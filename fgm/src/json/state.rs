//! The context of one JSON read or write: the mode, the FHIR path, the
//! warnings and the first failure. serde's traits carry no context, so it
//! lives in a thread-local that [`Session`] sets up and takes down; outside
//! a session (plain `serde_json::from_str`) nothing is tracked and reading
//! is strict.

use std::cell::RefCell;
use std::fmt::Display;

use serde::de;

use crate::xml::{ErrorCode, Issue, Mode};

/// The first failure of a read, before its position is known.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub code: ErrorCode,
    pub path: String,
    pub message: String,
    /// The address of the failing byte in the input, when it was found in a
    /// nested read (see [`super::nested`]).
    pub at: Option<usize>,
}

#[derive(Default)]
pub(crate) struct State {
    pub active: bool,
    pub mode: Mode,
    pub path: Vec<String>,
    pub warnings: Vec<Issue>,
    pub failure: Option<Failure>,
    pub prefer: &'static [&'static str],
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

pub(crate) fn with<T>(f: impl FnOnce(&mut State) -> T) -> T {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// One read or write with its context; the previous context (if this runs
/// inside another session) comes back when it ends.
pub(crate) struct Session {
    saved: Option<State>,
}

impl Session {
    pub fn start(mode: Mode) -> Session {
        let fresh = State {
            active: true,
            mode,
            ..State::default()
        };
        Session {
            saved: Some(with(|s| std::mem::replace(s, fresh))),
        }
    }

    /// Ends the session, giving back its state.
    pub fn finish(mut self) -> State {
        let saved = self.saved.take().unwrap_or_default();
        with(|s| std::mem::replace(s, saved))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            with(|s| *s = saved);
        }
    }
}

/// The mode of the current read (strict outside a session).
pub fn mode() -> Mode {
    with(|s| if s.active { s.mode } else { Mode::Strict })
}

/// Enters the element `segment` (for the FHIR path of errors).
pub fn push(segment: &str) {
    with(|s| {
        if s.active {
            s.path.push(segment.to_owned());
        }
    });
}

/// Enters the `index`-th element called `name`.
pub fn push_index(name: &str, index: usize) {
    with(|s| {
        if s.active {
            s.path.push(format!("{name}[{index}]"));
        }
    });
}

/// Leaves the element entered last.
pub fn pop() {
    with(|s| {
        s.path.pop();
    });
}

/// The FHIR path where reading or writing is.
pub(crate) fn path(s: &State) -> String {
    s.path.join(".")
}

/// An error of reading: recorded (the first one of a session wins) with
/// its code and FHIR path, and returned as the deserializer's error.
pub fn fail<E: de::Error>(code: ErrorCode, message: impl Display) -> E {
    let message = message.to_string();
    with(|s| {
        if !s.active {
            return E::custom(format_args!("{code}: {message}"));
        }
        let path = path(s);
        let text = format!("{code} at {path}: {message}");
        if s.failure.is_none() {
            s.failure = Some(Failure {
                code,
                path,
                message,
                at: None,
            });
        }
        E::custom(text)
    })
}

/// Something lenient mode accepts with a warning and strict mode refuses.
pub fn departure<E: de::Error>(code: ErrorCode, message: impl Display) -> Result<(), E> {
    if mode() == Mode::Strict {
        return Err(fail(code, message));
    }
    with(|s| {
        let path = path(s);
        s.warnings.push(Issue {
            code,
            path,
            line: 0,
            column: 0,
            message: message.to_string(),
        });
    });
    Ok(())
}

/// The profiles read first when a resource claims none.
pub(crate) fn prefer(profiles: &'static [&'static str]) {
    with(|s| s.prefer = profiles);
}

pub(crate) fn is_preferred(profile: &str) -> bool {
    with(|s| s.prefer.contains(&profile))
}

/// What to restore when an attempt fails.
pub(crate) struct Checkpoint {
    path: usize,
    warnings: usize,
    mode: Mode,
}

pub(crate) fn checkpoint() -> Checkpoint {
    with(|s| Checkpoint {
        path: s.path.len(),
        warnings: s.warnings.len(),
        mode: s.mode,
    })
}

pub(crate) fn restore(c: &Checkpoint) {
    with(|s| {
        s.path.truncate(c.path);
        s.warnings.truncate(c.warnings);
        s.failure = None;
        s.mode = c.mode;
    });
}

pub(crate) fn set_mode(mode: Mode) {
    with(|s| s.mode = mode);
}

pub(crate) fn restore_mode(c: &Checkpoint) {
    with(|s| s.mode = c.mode);
}

/// Places a failure that has no position yet at the address `at` (the
/// start of a value held back).
pub(crate) fn locate(at: usize) {
    with(|s| {
        if let Some(f) = &mut s.failure {
            f.at.get_or_insert(at);
        }
    });
}
