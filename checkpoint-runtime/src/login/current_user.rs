//! The logged-in user as an extractor: Flask-Login's `current_user` and `user_loader`.

use std::{
    any::{Any, TypeId},
    fmt,
    future::{ready, Future, Ready},
    ops::Deref,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_web::{
    dev::Payload, error::InternalError, FromRequest, HttpMessage, HttpRequest, HttpResponse,
};
use futures_util::future::{Either, LocalBoxFuture};
use pin_project_lite::pin_project;

use crate::{
    error::CheckpointError,
    login::{
        handoff,
        manager::{app_data, LoginManager},
        state::{authenticate, Judge, LoadedUser, LoginChanged, Standing},
    },
};

type LoadUser<U> = dyn Fn(String) -> LocalBoxFuture<'static, Option<U>>;

type IsActive<U> = dyn Fn(&U) -> bool;

type RevocationStamp<U> = dyn Fn(&U) -> String;

type LoadIntoRequest<U> = dyn Fn(String, Rc<UserLoader<U>>) -> Pin<Box<dyn UserLoad>>;

/// A user being loaded for a login check (the manager's loader, of any user type), then the
/// loaded user itself, in the same box.
pub(crate) trait UserLoad {
    /// Polls the loader; once it answers, `judge` decides on the user and the verdict is kept
    /// with it (answered again if polled again).
    fn poll_load(self: Pin<&mut Self>, cx: &mut Context<'_>, judge: Judge<'_>) -> Poll<Standing>;

    /// Moves the loaded user, if any, into `req`'s extensions ([`LoadedUser`]), `verified` when
    /// a login check let its login stand: only then may [`CurrentUser`] serve it without asking
    /// again.
    fn into_request(self: Pin<&mut Self>, req: &HttpRequest, verified: bool);

    /// Moves the loaded user into `out` if `out` is an empty `Option<LoadedUser<U>>` of its
    /// user type (its `verified` is left to the caller: the handoff holds only users a login
    /// check verified).
    fn take_into(self: Pin<&mut Self>, out: &mut dyn Any);
}

pin_project! {
    /// [`UserLoad`] for the user loader's future `F`.
    struct LoadInto<F, U> {
        #[pin]
        future: F,
        // The id, moved to the loaded user when the loader answers.
        id: String,
        loader: Rc<UserLoader<U>>,
        verdict: Option<Standing>,
        loaded: Option<LoadedUser<U>>,
    }
}

impl<F: Future<Output = Option<U>>, U: 'static> UserLoad for LoadInto<F, U> {
    fn poll_load(self: Pin<&mut Self>, cx: &mut Context<'_>, judge: Judge<'_>) -> Poll<Standing> {
        let this = self.project();
        if let Some(verdict) = *this.verdict {
            return Poll::Ready(verdict);
        }
        let Poll::Ready(user) = this.future.poll(cx) else {
            return Poll::Pending;
        };
        let id = std::mem::take(this.id);
        let verdict = match user {
            None => judge(&id, None),
            Some(user) => {
                let facts = this.loader.facts(&user);
                let verdict = judge(&id, Some(&facts));
                *this.loaded = Some(LoadedUser {
                    id,
                    user: Some(user),
                    facts,
                    verified: false,
                });
                verdict
            }
        };
        *this.verdict = Some(verdict);
        Poll::Ready(verdict)
    }

    fn into_request(self: Pin<&mut Self>, req: &HttpRequest, verified: bool) {
        if let Some(loaded) = self.project().loaded.take() {
            req.extensions_mut()
                .insert(LoadedUser { verified, ..loaded });
        }
    }

    fn take_into(self: Pin<&mut Self>, out: &mut dyn Any) {
        if let Some(out @ None) = out.downcast_mut::<Option<LoadedUser<U>>>() {
            *out = self.project().loaded.take();
        }
    }
}

/// Loads the app's user from an identity id (Flask-Login's `user_loader`), and says whether a
/// user may be logged in: [`is_active`](Self::is_active) (Flask-Login's `is_active`) and
/// [`revocation_stamp`](Self::revocation_stamp) (Django's session auth hash).
///
/// Give it to the [`LoginManager`] ([`LoginManager::user_loader`], which also takes the bare
/// closure), so that every login check verifies the login with it. Registered as app data on its
/// own (`App::app_data(UserLoader::new(...))`, the older way) it serves
/// [`CurrentUser<U>`] only.
///
/// ```
/// use actix_web::App;
/// use checkpoint_runtime::{LoginManager, UserLoader};
///
/// #[derive(Clone)]
/// struct User { name: String, active: bool, sessions_epoch: u32 }
///
/// let users = UserLoader::new(|id: String| async move {
///     // Look the user up in the database; `None` if there is no such user any more.
///     (id == "alice").then(|| User { name: id, active: true, sessions_epoch: 1 })
/// })
/// .is_active(|user: &User| user.active)
/// // Bumped on a password change or "log out everywhere": every older login ends.
/// .revocation_stamp(|user: &User| user.sessions_epoch.to_string());
/// let app = App::new().app_data(LoginManager::new().user_loader(users));
/// # let _ = app;
/// ```
pub struct UserLoader<U> {
    pub(crate) load: Rc<LoadUser<U>>,
    /// Loads a user for the login check, judged on what the given loader's hooks say of it: the
    /// user's own future in one box, not a box in a box, which then holds the user.
    pub(crate) load_into_request: Rc<LoadIntoRequest<U>>,
    pub(crate) is_active: Option<Rc<IsActive<U>>>,
    pub(crate) revocation_stamp: Option<Rc<RevocationStamp<U>>>,
}

impl<U: 'static> UserLoader<U> {
    /// A loader calling `load` with the identity id; every user it finds is active, with no
    /// revocation stamp.
    pub fn new<F, Fut>(load: F) -> Self
    where
        F: Fn(String) -> Fut + 'static,
        Fut: Future<Output = Option<U>> + 'static,
    {
        let load = Rc::new(load);
        let load_user = Rc::clone(&load);
        Self {
            load: Rc::new(move |id| Box::pin(load_user(id)) as LocalBoxFuture<'static, Option<U>>),
            load_into_request: Rc::new(move |id: String, loader: Rc<Self>| {
                // The loader takes a copy; the loaded user keeps this id, for `CurrentUser::id`.
                Box::pin(LoadInto {
                    future: load(id.clone()),
                    id,
                    loader,
                    verdict: None,
                    loaded: None,
                }) as Pin<Box<dyn UserLoad>>
            }),
            is_active: None,
            revocation_stamp: None,
        }
    }
}

impl<U> UserLoader<U> {
    /// Whether a user may log in (Flask-Login's `UserMixin.is_active`): an inactive user is
    /// anonymous to every login check, and [`Login::login`](crate::Login::login) refuses one
    /// unless [forced](crate::Login::force).
    #[must_use]
    pub fn is_active(mut self, is_active: impl Fn(&U) -> bool + 'static) -> Self {
        self.is_active = Some(Rc::new(is_active));
        self
    }

    /// A value the app changes to end every login of a user at once: a counter bumped on a
    /// password change or "log out everywhere", the time of the last password change. A login
    /// (session or [remember cookie](crate::RememberMe)) records the stamp its user had when it
    /// was made, and every login check compares it with the user's stamp now: a login with
    /// another stamp is anonymous (Django's session auth hash).
    ///
    /// The stamp is stored in the session and the remember cookie: do not use a secret (the
    /// password hash itself) as one.
    #[must_use]
    pub fn revocation_stamp(mut self, stamp: impl Fn(&U) -> String + 'static) -> Self {
        self.revocation_stamp = Some(Rc::new(stamp));
        self
    }

    /// Whether logging a user in needs the user: it must be active, or its stamp recorded.
    pub(crate) fn checks_users(&self) -> bool {
        self.is_active.is_some() || self.revocation_stamp.is_some()
    }

    /// What the login layer needs to know of `user`.
    pub(crate) fn facts(&self, user: &U) -> UserFacts {
        UserFacts {
            active: self
                .is_active
                .as_ref()
                .is_none_or(|is_active| is_active(user)),
            stamp: self.revocation_stamp.as_ref().map(|stamp| stamp(user)),
        }
    }
}

/// Whether a loaded user may be logged in, and its revocation stamp.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UserFacts {
    pub(crate) active: bool,
    pub(crate) stamp: Option<String>,
}

/// What [`LoginManager::user_loader`] takes: a [`UserLoader<U>`], or the bare loading closure
/// (`|id: String| async move { ... }`, every user active, no stamp).
pub trait IntoUserLoader<U> {
    /// The loader.
    fn into_user_loader(self) -> UserLoader<U>;
}

impl<U> IntoUserLoader<U> for UserLoader<U> {
    fn into_user_loader(self) -> UserLoader<U> {
        self
    }
}

impl<U: 'static, F, Fut> IntoUserLoader<U> for F
where
    F: Fn(String) -> Fut + 'static,
    Fut: Future<Output = Option<U>> + 'static,
{
    fn into_user_loader(self) -> UserLoader<U> {
        UserLoader::new(self)
    }
}

impl<U> Clone for UserLoader<U> {
    fn clone(&self) -> Self {
        Self {
            load: Rc::clone(&self.load),
            load_into_request: Rc::clone(&self.load_into_request),
            is_active: self.is_active.clone(),
            revocation_stamp: self.revocation_stamp.clone(),
        }
    }
}

impl<U> fmt::Debug for UserLoader<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserLoader")
            .field("is_active", &self.is_active.is_some())
            .field("revocation_stamp", &self.revocation_stamp.is_some())
            .finish_non_exhaustive()
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
        // Handed over by the check of this handler (which hands over only a user it verified),
        // else left in the request by a check.
        if let Some(LoadedUser {
            id,
            user: Some(user),
            ..
        }) = handoff::take::<U>(req)
        {
            return Some(Self { id, user });
        }
        Self::take(req, |_| true)
    }

    /// The user loaded for the identity `id`, taken out of the request.
    fn loaded_as(req: &HttpRequest, id: &str) -> Option<Self> {
        Self::take(req, |loaded| loaded == id)
    }

    /// The user a login check loaded and verified for this request, taken out of it when
    /// `wanted` accepts its identity.
    fn take(req: &HttpRequest, wanted: impl Fn(&str) -> bool) -> Option<Self> {
        let mut extensions = req.extensions_mut();
        let loaded = extensions.get_mut::<LoadedUser<U>>()?;
        if !loaded.verified || !wanted(&loaded.id) {
            return None;
        }
        let user = loaded.user.take()?;
        Some(Self {
            id: std::mem::take(&mut loaded.id),
            user,
        })
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
            let manager = LoginManager::of(&req);
            let by_manager = manager
                .user_loader
                .as_ref()
                .is_some_and(|loader| loader.user_type == TypeId::of::<U>());
            let app_loader = app_data::<UserLoader<U>>(&req).cloned();
            if !by_manager {
                let user_type = std::any::type_name::<U>();
                match &app_loader {
                    None => {
                        return Err(fail_closed(CheckpointError::UserLoaderMissing {
                            user_type,
                        }))
                    }
                    Some(loader) if loader.checks_users() => {
                        return Err(fail_closed(CheckpointError::UserChecksOutsideManager {
                            user_type,
                        }))
                    }
                    Some(_) => {}
                }
            }
            let anonymous = || -> actix_web::Error {
                InternalError::from_response("not logged in", HttpResponse::Unauthorized().finish())
                    .into()
            };
            // With the manager's loader, `authenticate` loads the user and keeps it in the
            // request.
            // No body: an extractor cannot read it from under the handler.
            let identity = authenticate(&req, &manager, None)
                .await
                .map_err(fail_closed)?;
            let identity = identity.ok_or_else(anonymous)?;
            let id = identity.into_id(&req).ok_or_else(anonymous)?;
            if let Some(user) = Self::loaded_as(&req, &id) {
                return Ok(user);
            }
            let loader = app_loader.ok_or_else(anonymous)?;
            let user = (loader.load)(id.clone()).await.ok_or_else(anonymous)?;
            Ok(Self { id, user })
        }))
    }
}
