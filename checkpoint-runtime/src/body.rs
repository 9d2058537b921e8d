//! Reading a request's body before the handler does, bounded, and handing it on intact: the CSRF
//! check's form field and the login layer's body-reading request loader.

use actix_web::{
    dev::Payload,
    error::PayloadError,
    web::{Bytes, BytesMut},
};
use futures_util::{stream, StreamExt as _};

/// Why a body was not read whole.
#[derive(Debug)]
pub(crate) enum Unread {
    /// It is larger than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The client's stream broke off.
    BrokeOff(String),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(f, "the body is larger than {limit} bytes"),
            Self::BrokeOff(error) => write!(f, "the body broke off: {error}"),
        }
    }
}

/// The whole body of `payload`, at most `limit` bytes. Whatever happens, `payload` is left as it
/// was for the handler: the bytes read are put back in front of the rest, a stream error after
/// them.
pub(crate) async fn read_bounded(payload: &mut Payload, limit: usize) -> Result<Bytes, Unread> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() <= limit => body.extend_from_slice(&chunk),
            Ok(chunk) => {
                body.extend_from_slice(&chunk);
                let rest = std::mem::replace(payload, Payload::None);
                let read = stream::once(async move { Ok(body.freeze()) });
                *payload = Payload::Stream {
                    payload: Box::pin(read.chain(rest)),
                };
                return Err(Unread::TooLarge { limit });
            }
            Err(error) => {
                let message = error.to_string();
                let read: [Result<Bytes, PayloadError>; 2] = [Ok(body.freeze()), Err(error)];
                *payload = Payload::Stream {
                    payload: Box::pin(stream::iter(read)),
                };
                return Err(Unread::BrokeOff(message));
            }
        }
    }
    let body = body.freeze();
    *payload = Payload::from(body.clone());
    Ok(body)
}

#[cfg(test)]
mod tests {
    use actix_web::{error::PayloadError, web::Bytes};
    use futures_util::{stream, StreamExt as _};

    use super::*;

    fn streamed(chunks: Vec<Result<Bytes, PayloadError>>) -> Payload {
        Payload::Stream {
            payload: Box::pin(stream::iter(chunks)),
        }
    }

    async fn rest(payload: &mut Payload) -> (Vec<u8>, bool) {
        let mut bytes = Vec::new();
        let mut failed = false;
        while let Some(chunk) = payload.next().await {
            match chunk {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(_) => failed = true,
            }
        }
        (bytes, failed)
    }

    #[actix_web::test]
    async fn a_body_within_the_limit_is_read_and_handed_on() {
        let mut payload = streamed(vec![Ok(Bytes::from("a=1&")), Ok(Bytes::from("b=2"))]);
        let body = read_bounded(&mut payload, 7).await.unwrap();
        assert_eq!(body, "a=1&b=2");
        assert_eq!(rest(&mut payload).await, (b"a=1&b=2".to_vec(), false));
    }

    #[actix_web::test]
    async fn a_body_over_the_limit_is_handed_on_whole() {
        let chunks = vec![
            Ok(Bytes::from("1234")),
            Ok(Bytes::from("5678")),
            Ok(Bytes::from("9")),
        ];
        let mut payload = streamed(chunks);
        assert!(matches!(
            read_bounded(&mut payload, 5).await,
            Err(Unread::TooLarge { limit: 5 })
        ));
        assert_eq!(rest(&mut payload).await, (b"123456789".to_vec(), false));
    }

    #[actix_web::test]
    async fn a_broken_body_is_handed_on_with_its_error() {
        let chunks = vec![Ok(Bytes::from("12")), Err(PayloadError::Incomplete(None))];
        let mut payload = streamed(chunks);
        assert!(matches!(
            read_bounded(&mut payload, 100).await,
            Err(Unread::BrokeOff(_))
        ));
        assert_eq!(rest(&mut payload).await, (b"12".to_vec(), true));
    }
}
