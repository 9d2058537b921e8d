//! Running the protected handler once its checkpoints let the request through.

use actix_web::{dev::Payload, Either, FromRequest, Handler, HttpRequest, HttpResponse};

/// Extracts `handler`'s arguments from the request and calls it, as actix-web would have.
///
/// The `#[checkpoint]` wrapper takes only the request and the not-yet-read payload, so no
/// extractor of the handler runs (and no body is read) before every checkpoint has passed. An
/// extractor failure answers the same error response actix-web gives.
pub async fn call_handler<F, Args>(
    handler: F,
    req: HttpRequest,
    mut payload: Payload,
) -> Either<HttpResponse, F::Output>
where
    F: Handler<Args>,
    Args: FromRequest,
{
    match Args::from_request(&req, &mut payload).await {
        Ok(args) => Either::Right(handler.call(args).await),
        Err(error) => Either::Left(HttpResponse::from_error(error.into())),
    }
}
