//! The logged-in user as an extractor: Flask-Login's `current_user` and `user_loader`.

use std::{
    any::{Any, TypeId},
    cell::RefCell,
    fmt,
    future::{ready, Future, Ready},
    ops::Deref,
    pin::Pin,
    rc::{Rc, Weak},
    task::{Context, Poll},
};

use actix_web::{
    dev::Payload, error::InternalError, FromRequest, HttpMessage, HttpRequest, HttpResponse,
};
use futures_util::future::{Either, Fuse, FutureExt, LocalBoxFuture};
use pin_project_lite::pin_project;

use crate::{
    error::CheckpointError,
    login::{
        handoff,
        manager::{app_data, LoginManager},
        state::{authenticate, Judge, LoadedUser, LoginChanged, Standing},
    },
};

type LoadUser<U> = dyn Fn(String) -> LocalBoxFuture<'static, (String, Option<U>)>;

type IsActive<U> = dyn Fn(&U) -> bool;

type RevocationStamp<U> = dyn Fn(&U) -> String;

type LoadIntoRequest<U> = dyn Fn(String, Rc<UserLoader<U>>) -> PooledLoad;

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

    /// Empties the box (the loader's future, the user: dropped now) and gives it back to its
    /// loader's pool for a later load, or frees it.
    fn recycle(self: Pin<Box<Self>>);
}

/// A [`UserLoad`] in its box, which goes back to its loader's pool when dropped.
pub(crate) struct PooledLoad(Pin<Box<dyn UserLoad>>);

impl PooledLoad {
    /// The load in the box.
    pub(crate) fn as_mut(&mut self) -> Pin<&mut dyn UserLoad> {
        self.0.as_mut()
    }
}

impl Drop for PooledLoad {
    fn drop(&mut self) {
        // `Recycled` is zero-sized: its box allocates nothing.
        std::mem::replace(&mut self.0, Box::pin(Recycled)).recycle();
    }
}

/// What a [`PooledLoad`] holds while it is dropped: no user.
struct Recycled;

impl UserLoad for Recycled {
    fn poll_load(self: Pin<&mut Self>, _: &mut Context<'_>, _: Judge<'_>) -> Poll<Standing> {
        Poll::Ready(Standing::NoUser)
    }

    fn into_request(self: Pin<&mut Self>, _: &HttpRequest, _: bool) {}

    fn take_into(self: Pin<&mut Self>, _: &mut dyn Any) {}

    fn recycle(self: Pin<Box<Self>>) {}
}

/// How many emptied boxes a loader keeps for its next loads (per worker thread: the loader is
/// the app's, which each worker builds): as many as the loads a worker runs at once, up to this.
///
/// Hand-written rather than a pool crate's, for what no general pool gives: a pinned,
/// type-erased box emptied in place. It pays: the box of every login check's load was the
/// login layer's one allocation and free (about 150 instructions a request, BENCHMARKS.md).
const POOLED_LOADS: usize = 64;

/// A loader's emptied boxes.
type LoadPool<F, U> = RefCell<Vec<Pin<Box<LoadInto<F, U>>>>>;

pin_project! {
    /// [`UserLoad`] for the future `F` of a loader loading the user `U` (giving the id back with
    /// it); empty (no future, no loader, no user) in its loader's pool.
    struct LoadInto<F, U> {
        #[pin]
        future: Fuse<F>,
        // Asked what it says of the user (active, stamp); `None` only while in the pool.
        loader: Option<Rc<UserLoader<U>>>,
        verdict: Option<Standing>,
        loaded: Option<LoadedUser<U>>,
        pool: Weak<LoadPool<F, U>>,
    }
}

impl<F: Future, U> LoadInto<F, U> {
    /// Writes every field of the box but its pool: a load (`future`, with the `loader` to ask
    /// of its user) when it is taken from the pool, nothing (`Fuse::terminated()`, `None`) when
    /// it goes back; what it held is dropped now.
    fn fill(self: Pin<&mut Self>, future: Fuse<F>, loader: Option<Rc<UserLoader<U>>>) {
        let mut this = self.project();
        this.future.set(future);
        *this.loader = loader;
        *this.verdict = None;
        *this.loaded = None;
    }
}

impl<F: Future<Output = (String, Option<U>)>, U: 'static> UserLoad for LoadInto<F, U> {
    fn poll_load(self: Pin<&mut Self>, cx: &mut Context<'_>, judge: Judge<'_>) -> Poll<Standing> {
        let this = self.project();
        if let Some(verdict) = *this.verdict {
            return Poll::Ready(verdict);
        }
        let Poll::Ready((id, user)) = this.future.poll(cx) else {
            return Poll::Pending;
        };
        let verdict = match (user, this.loader.as_deref()) {
            (Some(user), Some(loader)) => {
                let facts = loader.facts(&user);
                let verdict = judge(&id, Some(&facts));
                *this.loaded = Some(LoadedUser {
                    id,
                    user: Some(user),
                    facts,
                    verified: false,
                });
                verdict
            }
            // No user, or (never: only a box in the pool has none) no loader to ask of it.
            _ => judge(&id, None),
        };
        *this.verdict = Some(verdict);
        Poll::Ready(verdict)
    }

    fn into_request(self: Pin<&mut Self>, req: &HttpRequest, verified: bool) {
        if let Some(loaded) = self.project().loaded.take() {
            // A user stored earlier is dropped after the extensions' borrow: its `Drop` may run
            // anything.
            let replaced = req
                .extensions_mut()
                .insert(LoadedUser { verified, ..loaded });
            drop(replaced);
        }
    }

    fn take_into(self: Pin<&mut Self>, out: &mut dyn Any) {
        if let Some(out @ None) = out.downcast_mut::<Option<LoadedUser<U>>>() {
            *out = self.project().loaded.take();
        }
    }

    fn recycle(mut self: Pin<Box<Self>>) {
        // Emptied before the pool is borrowed: a user's `Drop` may run anything.
        self.as_mut().fill(Fuse::terminated(), None);
        let Some(pool) = self.pool.upgrade() else {
            return;
        };
        // Never borrowed elsewhere now (the pool is borrowed only to push or pop, which run no
        // code of the app's); were it, the box would be freed rather than the request fail.
        if let Ok(mut idle) = pool.try_borrow_mut() {
            if idle.len() < POOLED_LOADS {
                idle.push(self);
            }
        };
    }
}

/// Loads the user `id` with `load`, giving the id back with the user: the loader borrows it.
async fn load_with<U, L: AsyncFn(&str) -> Option<U>>(
    load: Rc<L>,
    id: String,
) -> (String, Option<U>) {
    let user = load(&id).await;
    (id, user)
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
/// let users = UserLoader::new(async |id: &str| {
///     // Look the user up in the database (the id is lent); `None` if there is no such user
///     // any more.
///     (id == "alice").then(|| User { name: id.to_owned(), active: true, sessions_epoch: 1 })
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
    /// How many emptied boxes the loader keeps.
    #[cfg(test)]
    idle_loads: Rc<dyn Fn() -> usize>,
}

impl<U: 'static> UserLoader<U> {
    /// A loader calling `load` with the identity id (an `async` closure or function borrowing
    /// it); every user it finds is active, with no revocation stamp.
    ///
    /// A login check's load is boxed (the manager holds loaders of any type), and the box is
    /// kept for the next load rather than freed: each worker keeps up to 64 of them, each the
    /// size of `load`'s future.
    pub fn new<L>(load: L) -> Self
    where
        L: AsyncFn(&str) -> Option<U> + 'static,
    {
        let load = Rc::new(load);
        let load_user = Rc::clone(&load);
        let pool: Rc<LoadPool<_, U>> = Rc::new(RefCell::new(Vec::new()));
        #[cfg(test)]
        let idle = Rc::downgrade(&pool);
        Self {
            load: Rc::new(move |id| Box::pin(load_with(Rc::clone(&load_user), id))),
            load_into_request: Rc::new(move |id: String, loader: Rc<Self>| {
                let future = load_with(Rc::clone(&load), id);
                // As in `recycle`: a pool borrowed elsewhere (never) gives a new box.
                let idle = pool.try_borrow_mut().ok().and_then(|mut idle| idle.pop());
                let slot = match idle {
                    Some(mut slot) => {
                        slot.as_mut().fill(future.fuse(), Some(loader));
                        slot
                    }
                    None => Box::pin(LoadInto {
                        future: future.fuse(),
                        loader: Some(loader),
                        verdict: None,
                        loaded: None,
                        pool: Rc::downgrade(&pool),
                    }),
                };
                PooledLoad(slot)
            }),
            is_active: None,
            revocation_stamp: None,
            #[cfg(test)]
            idle_loads: Rc::new(move || idle.upgrade().map_or(0, |pool| pool.borrow().len())),
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
/// (`async |id: &str| ...`, every user active, no stamp).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a user loader of `{U}`",
    label = "not a `UserLoader<{U}>`, nor an async closure `async |id: &str| -> Option<{U}>`",
    note = "a user loader borrows the identity id: `async |id: &str| users.find(id).await`, or an \
            `async fn load(id: &str) -> Option<User>`"
)]
pub trait IntoUserLoader<U> {
    /// The loader.
    fn into_user_loader(self) -> UserLoader<U>;
}

impl<U> IntoUserLoader<U> for UserLoader<U> {
    fn into_user_loader(self) -> UserLoader<U> {
        self
    }
}

impl<U: 'static, L> IntoUserLoader<U> for L
where
    L: AsyncFn(&str) -> Option<U> + 'static,
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
            #[cfg(test)]
            idle_loads: Rc::clone(&self.idle_loads),
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
            let (id, user) = (loader.load)(id).await;
            Ok(Self {
                user: user.ok_or_else(anonymous)?,
                id,
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::Cell, future::poll_fn};

    use actix_web::test::TestRequest;
    use futures_util::FutureExt;

    use super::*;

    /// A user that counts its drops.
    struct Counted(Rc<Cell<u32>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    /// A loader finding every user but `nobody`, counting the users' drops in `drops`.
    fn counting_loader(drops: &Rc<Cell<u32>>) -> Rc<UserLoader<Counted>> {
        let drops = Rc::clone(drops);
        Rc::new(UserLoader::new(async move |id: &str| {
            (id != "nobody").then(|| Counted(Rc::clone(&drops)))
        }))
    }

    /// The load of `id` by `loader`, answered, with its verdict (`judge`: whether it found one).
    fn load(loader: &Rc<UserLoader<Counted>>, id: &str) -> (PooledLoad, Standing) {
        let mut load = (loader.load_into_request)(id.to_owned(), Rc::clone(loader));
        let judge = |_: &str, facts: Option<&UserFacts>| match facts {
            Some(_) => Standing::Stands,
            None => Standing::NoUser,
        };
        let verdict = poll_fn(|cx| load.as_mut().poll_load(cx, &judge)).now_or_never();
        (load, verdict.expect("the loader answers at once"))
    }

    /// The id of the user `load` holds, taken out of it.
    fn taken_id(load: &mut PooledLoad) -> Option<String> {
        let mut taken: Option<LoadedUser<Counted>> = None;
        load.as_mut().take_into(&mut taken);
        taken.map(|loaded| loaded.id)
    }

    fn address(load: &PooledLoad) -> *const () {
        std::ptr::from_ref::<dyn UserLoad>(&*load.0).cast()
    }

    #[test]
    fn a_dropped_load_goes_back_emptied_and_serves_the_next() {
        let drops = Rc::new(Cell::new(0));
        let loader = counting_loader(&drops);
        let (first, verdict) = load(&loader, "ada");
        assert_eq!(verdict, Standing::Stands);
        let first_box = address(&first);
        drop(first);
        assert_eq!(
            drops.get(),
            1,
            "the user is dropped with the load, not kept in the pool"
        );
        assert_eq!((loader.idle_loads)(), 1);

        let (mut second, verdict) = load(&loader, "nobody");
        assert_eq!((loader.idle_loads)(), 0);
        assert_eq!(address(&second), first_box, "the box is reused");
        assert_eq!(
            verdict,
            Standing::NoUser,
            "nothing of the first load is left"
        );
        assert_eq!(
            taken_id(&mut second),
            None,
            "the first load's user is not in the box"
        );
    }

    #[test]
    fn a_refilled_box_holds_its_own_user() {
        let drops = Rc::new(Cell::new(0));
        let loader = counting_loader(&drops);
        drop(load(&loader, "ada").0);
        let (mut load, _) = load(&loader, "bob");
        assert_eq!(taken_id(&mut load).as_deref(), Some("bob"));
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_boxes() {
        let drops = Rc::new(Cell::new(0));
        let loader = counting_loader(&drops);
        let loads: Vec<_> = (0..POOLED_LOADS + 3)
            .map(|_| load(&loader, "ada").0)
            .collect();
        drop(loads);
        assert_eq!((loader.idle_loads)(), POOLED_LOADS);
        assert_eq!(drops.get(), u32::try_from(POOLED_LOADS + 3).unwrap());
    }

    #[test]
    fn a_load_outliving_its_loader_is_freed() {
        let drops = Rc::new(Cell::new(0));
        let loader = counting_loader(&drops);
        let idle_loads = Rc::clone(&loader.idle_loads);
        let (load, _) = load(&loader, "ada");
        drop(loader);
        drop(load);
        assert_eq!(drops.get(), 1);
        // Emptied, the box let go of the loader, which took its pool along: nothing holds the
        // box (a pool kept alive by its own boxes would hold it, and leak).
        assert_eq!(idle_loads(), 0, "the box is in a pool nothing else holds");
    }

    /// Runs its closure when dropped.
    struct OnDrop<F: FnMut()>(F);

    impl<F: FnMut()> Drop for OnDrop<F> {
        fn drop(&mut self) {
            (self.0)();
        }
    }

    #[test]
    fn a_cancelled_load_drops_its_future_when_its_box_goes_back() {
        // A loader waiting for ever on `slow` (a database that does not answer), holding a
        // guard that counts its drops; the request is dropped meanwhile (the client gone).
        let futures_dropped = Rc::new(Cell::new(0));
        let counter = Rc::clone(&futures_dropped);
        let loader = Rc::new(UserLoader::new(async move |id: &str| {
            let _guard = OnDrop(|| counter.set(counter.get() + 1));
            if id == "slow" {
                std::future::pending::<()>().await;
            }
            Some(Counted(Rc::new(Cell::new(0))))
        }));
        let judge = |_: &str, facts: Option<&UserFacts>| match facts {
            Some(_) => Standing::Stands,
            None => Standing::NoUser,
        };
        let mut cancelled = (loader.load_into_request)("slow".to_owned(), Rc::clone(&loader));
        let polled = poll_fn(|cx| Poll::Ready(cancelled.as_mut().poll_load(cx, &judge)));
        assert!(polled.now_or_never().is_some_and(|poll| poll.is_pending()));
        drop(cancelled);
        assert_eq!(
            futures_dropped.get(),
            1,
            "the waiting future is dropped, not pooled"
        );
        assert_eq!((loader.idle_loads)(), 1);
        assert_eq!(
            Rc::strong_count(&loader),
            1,
            "the pooled box let go of its loader"
        );

        let (mut next, verdict) = load(&loader, "ada");
        assert_eq!(
            verdict,
            Standing::Stands,
            "the reused box answers its own load"
        );
        assert_eq!(taken_id(&mut next).as_deref(), Some("ada"));
    }

    #[test]
    fn a_box_whose_loader_panicked_serves_the_next_load() {
        let loader = Rc::new(UserLoader::new(async |id: &str| {
            assert_ne!(id, "boom", "the loader panics");
            Some(Counted(Rc::new(Cell::new(0))))
        }));
        let judge = |_: &str, _: Option<&UserFacts>| Standing::Stands;
        let mut load_of_boom = (loader.load_into_request)("boom".to_owned(), Rc::clone(&loader));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            poll_fn(|cx| load_of_boom.as_mut().poll_load(cx, &judge)).now_or_never()
        }));
        assert!(panicked.is_err());
        drop(load_of_boom);
        assert_eq!((loader.idle_loads)(), 1);
        let (_, verdict) = load(&loader, "ada");
        assert_eq!(verdict, Standing::Stands);
    }

    thread_local! {
        /// The loader that [`LoadsOnDrop`] loads with.
        static LOADER: RefCell<Option<Rc<UserLoader<LoadsOnDrop>>>> = const { RefCell::new(None) };
    }

    /// A user whose `Drop` loads another with the same loader (any code of the app's may run in
    /// a `Drop`), unless it is that other one.
    struct LoadsOnDrop(bool);

    impl Drop for LoadsOnDrop {
        fn drop(&mut self) {
            if !self.0 {
                return;
            }
            let Some(loader) = LOADER.with_borrow(Clone::clone) else {
                return;
            };
            let judge = |_: &str, _: Option<&UserFacts>| Standing::Stands;
            let mut inner = (loader.load_into_request)("inner".to_owned(), Rc::clone(&loader));
            let answered = poll_fn(|cx| inner.as_mut().poll_load(cx, &judge)).now_or_never();
            assert_eq!(answered, Some(Standing::Stands));
        }
    }

    #[test]
    fn a_users_drop_that_loads_again_finds_the_pool_free() {
        let loader = Rc::new(UserLoader::new(async |id: &str| {
            Some(LoadsOnDrop(id == "outer"))
        }));
        LOADER.with_borrow_mut(|slot| *slot = Some(Rc::clone(&loader)));
        let judge = |_: &str, _: Option<&UserFacts>| Standing::Stands;
        let mut outer = (loader.load_into_request)("outer".to_owned(), Rc::clone(&loader));
        let answered = poll_fn(|cx| outer.as_mut().poll_load(cx, &judge)).now_or_never();
        assert_eq!(answered, Some(Standing::Stands));
        // Emptying `outer`'s box drops its user, whose `Drop` loads (and drops) `inner`: both
        // boxes go back, neither while the pool is borrowed.
        drop(outer);
        assert_eq!((loader.idle_loads)(), 2);
        LOADER.with_borrow_mut(|slot| *slot = None);
    }

    #[test]
    fn a_load_stored_in_the_request_leaves_an_empty_box() {
        let drops = Rc::new(Cell::new(0));
        let loader = counting_loader(&drops);
        let req = TestRequest::default().to_http_request();
        let (mut load, _) = load(&loader, "ada");
        load.as_mut().into_request(&req, true);
        drop(load);
        assert_eq!(drops.get(), 0, "the user lives on in the request");
        assert_eq!((loader.idle_loads)(), 1);
        assert!(req.extensions().contains::<LoadedUser<Counted>>());
    }
}
