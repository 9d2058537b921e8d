//! The logged-in user as an extractor: Flask-Login's `current_user` and `user_loader`.

use std::{
    any::TypeId,
    fmt,
    future::{ready, Future, Ready},
    ops::Deref,
    rc::Rc,
};

use actix_web::{
    dev::Payload, error::InternalError, FromRequest, HttpMessage, HttpRequest, HttpResponse,
};
use futures_util::future::{Either, LocalBoxFuture};

use crate::{
    error::CheckpointError,
    login::{
        manager::{app_data, LoginManager},
        state::{authenticate, LoadedUser, LoginChanged},
    },
};

type LoadUser<U> = dyn Fn(String) -> LocalBoxFuture<'static, Option<U>>;

/// Loads the app's user from an identity id (Flask-Login's `user_loader`), for
/// [`CurrentUser<U>`]. Register it with `App::app_data(UserLoader::new(...))` (or in a
/// `web::Data`).
///
/// ```
/// use actix_web::App;
/// use checkpoint_runtime::UserLoader;
///
/// #[derive(Clone)]
/// struct User { name: String }
///
/// let loader = UserLoader::new(|id: String| async move {
///     // Look the user up in the database; `None` if there is no such user any more.
///     (id == "alice").then(|| User { name: id })
/// });
/// let app = App::new().app_data(loader);
/// # let _ = app;
/// ```
pub struct UserLoader<U> {
    pub(crate) load: Rc<LoadUser<U>>,
}

impl<U> UserLoader<U> {
    /// A loader calling `load` with the identity id.
    pub fn new<F, Fut>(load: F) -> Self
    where
        F: Fn(String) -> Fut + 'static,
        Fut: Future<Output = Option<U>> + 'static,
    {
        Self {
            load: Rc::new(move |id| Box::pin(load(id)) as LocalBoxFuture<'static, Option<U>>),
        }
    }
}

impl<U> Clone for UserLoader<U> {
    fn clone(&self) -> Self {
        Self {
            load: Rc::clone(&self.load),
        }
    }
}

impl<U> fmt::Debug for UserLoader<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserLoader").finish_non_exhaustive()
    }
}

/// The logged-in user (Flask-Login's `current_user`), loaded by the app's [`UserLoader<U>`] from
/// the session identity, or from the [`LoginManager::request_loader`]'s identity when the
/// session has none.
///
/// Extraction fails with `401 Unauthorized` when nobody is logged in (or the loader finds no
/// such user); take `Option<CurrentUser<U>>` to serve anonymous requests too. Without a
/// registered `UserLoader<U>` or `IdentityMiddleware` it fails with `500`, logged.
///
/// ```
/// use actix_web::{get, Responder};
/// use checkpoint_runtime::CurrentUser;
///
/// #[derive(Clone)]
/// struct User { name: String }
///
/// #[get("/")]
/// async fn index(user: Option<CurrentUser<User>>) -> impl Responder {
///     match user {
///         Some(user) => format!("Hello, {}", user.name),
///         None => "Hello, stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CurrentUser<U> {
    id: String,
    user: U,
}

impl<U> CurrentUser<U> {
    /// The identity id the user was loaded from.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The user.
    pub fn into_inner(self) -> U {
        self.user
    }
}

impl<U> Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.user
    }
}

impl<U: 'static> CurrentUser<U> {
    /// The user the login check loaded for this request with the manager's loader
    /// ([`LoginManager::user_loader`]), taken out of the request.
    fn loaded(req: &HttpRequest) -> Option<Self> {
        // Logged in or out since: only a user loaded for the identity now logged in will do.
        if req.extensions().contains::<LoginChanged>() {
            return None;
        }
        Self::take(req, |_| true)
    }

    /// The user loaded for the identity `id`, taken out of the request.
    fn loaded_as(req: &HttpRequest, id: &str) -> Option<Self> {
        Self::take(req, |loaded| loaded == id)
    }

    /// The user loaded for this request, taken out of it when `wanted` accepts its identity.
    fn take(req: &HttpRequest, wanted: impl Fn(&str) -> bool) -> Option<Self> {
        let mut extensions = req.extensions_mut();
        if !wanted(&extensions.get::<LoadedUser<U>>()?.id) {
            return None;
        }
        let LoadedUser { id, user } = extensions.remove::<LoadedUser<U>>()?;
        Some(Self { id, user })
    }
}

impl<U: 'static> FromRequest for CurrentUser<U> {
    type Error = actix_web::Error;
    type Future = Either<
        Ready<Result<Self, Self::Error>>,
        LocalBoxFuture<'static, Result<Self, Self::Error>>,
    >;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Behind a login check, the user it loaded: no second load, no future to box.
        if let Some(user) = Self::loaded(req) {
            return Either::Left(ready(Ok(user)));
        }
        let req = req.clone();
        Either::Right(Box::pin(async move {
            let fail_closed = |error: CheckpointError| {
                tracing::error!(
                    method = %req.method(),
                    path = req.path(),
                    error = %error,
                    "CurrentUser cannot be extracted for {} {}: {error}",
                    req.method(),
                    req.path()
                );
                actix_web::Error::from(error)
            };
            let manager = LoginManager::of(&req).into_owned();
            let by_manager = manager
                .user_loader
                .as_ref()
                .is_some_and(|loader| loader.user_type == TypeId::of::<U>());
            let app_loader = app_data::<UserLoader<U>>(&req).cloned();
            if !by_manager && app_loader.is_none() {
                return Err(fail_closed(CheckpointError::UserLoaderMissing {
                    user_type: std::any::type_name::<U>(),
                }));
            }
            let anonymous = || -> actix_web::Error {
                InternalError::from_response("not logged in", HttpResponse::Unauthorized().finish())
                    .into()
            };
            // With the manager's loader, `authenticate` loads the user and keeps it in the
            // request.
            let identity = authenticate(&req, &manager).await.map_err(fail_closed)?;
            let id = identity.ok_or_else(anonymous)?.id;
            if let Some(user) = Self::loaded_as(&req, &id) {
                return Ok(user);
            }
            let loader = app_loader.ok_or_else(anonymous)?;
            let user = (loader.load)(id.clone()).await.ok_or_else(anonymous)?;
            Ok(Self { id, user })
        }))
    }
}
