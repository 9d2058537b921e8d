//! Letting a request through to a handler guarded only by session checkpoints, as an extractor.
//!
//! The `#[checkpoint]` expansion of a handler that takes no arguments and is guarded only by
//! session checkpoints (which never wait) adds one argument to it, `Admitted<G>`: actix-web
//! extracts it before calling the handler, and the extraction is where the checkpoints run. A
//! refusal is the extraction's error, which actix-web answers with the refusal's response, so the
//! handler itself is left as written: no wrapper, no future beyond its own.

use std::{future::Ready, marker::PhantomData, ops::ControlFlow};

use actix_web::{dev::Payload, error::InternalError, FromRequest, HttpRequest};

use crate::{session_check::enforce_sessions, session_presence::SessionProbe, SessionCheckpoint};

/// The session checkpoints guarding one handler, top to bottom: implemented by a type the
/// `#[checkpoint]` expansion declares for the handler.
pub trait SessionGate: 'static {
    /// The checkpoints, in the order they are enforced.
    const CHECKPOINTS: &'static [&'static SessionCheckpoint];

    /// The handler's record of having seen `SessionMiddleware`.
    fn probe() -> &'static SessionProbe;
}

/// Extracted only when every checkpoint of `G` lets the request through; otherwise the
/// extraction fails with the response of the checkpoint that refused it.
#[derive(Debug)]
pub struct Admitted<G>(PhantomData<G>);

impl<G: SessionGate> FromRequest for Admitted<G> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    #[inline]
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match enforce_sessions(G::CHECKPOINTS, req, G::probe()) {
            ControlFlow::Continue(()) => Ok(Admitted(PhantomData)),
            ControlFlow::Break(response) => Err(refusal(response)),
        })
    }
}

#[cold]
#[inline(never)]
fn refusal(response: actix_web::HttpResponse) -> actix_web::Error {
    InternalError::from_response("refused by a checkpoint", response).into()
}
