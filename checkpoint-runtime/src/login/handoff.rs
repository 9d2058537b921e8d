//! The user a login check loaded, handed to the handler's [`CurrentUser`](crate::CurrentUser)
//! without a stop in the request's extensions.
//!
//! Behind `#[login_required]`, the wrapper runs the check and then builds the handler's
//! extractors in one future ([`enforce_then_extract`](crate::__private::enforce_then_extract)).
//! The check loads the user in a box of the manager's loader, which the manager needs anyway
//! (its loaders are of any type; the loader keeps its emptied boxes, [`PooledLoad`]); handed
//! over in that box, the user costs no allocation and no search of the extensions, each way.
//! The wrapper arms the handoff for its request ([`arm`]); the check offers the loaded user
//! ([`offer`]), which goes to the extensions as before unless the handoff is armed for this very
//! request; [`CurrentUser`](crate::CurrentUser) takes it ([`take`]) when its extractor is built,
//! and [`Armed::finish`] then puts anything left into the extensions, before the first await
//! after the check: the handoff never holds a user across a point where another request could
//! run.
//!
//! One slot per worker thread, keyed by the request (the address of its head, unique among the
//! requests alive): a request never takes another's user. A request whose handoff another
//! request re-armed meanwhile (both waiting on their loaders) finds the slot not armed for it,
//! and its user goes to the extensions, the slower way.

use std::{
    any::Any,
    cell::{Cell, RefCell},
};

use actix_web::HttpRequest;

use crate::login::{current_user::PooledLoad, state::LoadedUser};

/// A request, by the address of its head: the same for the request's whole life, and no other
/// living request's. Never 0.
fn key(req: &HttpRequest) -> usize {
    std::ptr::from_ref(req.head()) as usize
}

/// What a worker thread's handoff holds.
type Left = Option<(usize, PooledLoad)>;

thread_local! {
    /// The request whose check may leave its user here (its [`key`]), 0 for none. A plain
    /// `Cell`: asked on every `CurrentUser` extraction, it costs a load.
    static ARMED: Cell<usize> = const { Cell::new(0) };
    /// The user that request's check left, in its loader's box, with the request's key.
    static LEFT: RefCell<Left> = const { RefCell::new(None) };
}

/// The handoff, armed for one request: [`finish`](Self::finish) it once the handler's
/// extractors are built. Dropped unfinished (the request's future dropped, or a panic), it
/// drops what was left for the request.
#[must_use = "finish the handoff once the extractors are built"]
pub(crate) struct Armed {
    request: usize,
}

/// Arms the handoff for `req`, whose login check runs next and whose extractors are built right
/// after it.
pub(crate) fn arm(req: &HttpRequest) -> Armed {
    let request = key(req);
    ARMED.set(request);
    Armed { request }
}

impl Armed {
    /// Ends the handoff: a user left for the request goes to its extensions, for whatever asks
    /// for it later in the request.
    pub(crate) fn finish(self, req: &HttpRequest) {
        if let Some(mut left) = self.disarm() {
            left.as_mut().into_request(req, true);
        }
        std::mem::forget(self);
    }

    /// Disarms the handoff if it is still this request's, and gives back what was left for this
    /// request, whichever request the handoff is armed for now: nothing left for a request
    /// outlives its [`Armed`].
    fn disarm(&self) -> Option<PooledLoad> {
        if ARMED.get() == self.request {
            ARMED.set(0);
        }
        LEFT.with_borrow_mut(|left| match left {
            Some((left_for, _)) if *left_for == self.request => left.take().map(|(_, load)| load),
            _ => None,
        })
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        // Dropped here, outside the thread's cell: a user's `Drop` may run anything.
        drop(self.disarm());
    }
}

/// The user `load` holds, which `req`'s login check verified: left for the handler's
/// [`CurrentUser`](crate::CurrentUser) when the handoff is armed for `req`, else put in the
/// request's extensions.
pub(crate) fn offer(req: &HttpRequest, mut load: PooledLoad) {
    let request = key(req);
    if ARMED.get() != request {
        load.as_mut().into_request(req, true);
        return;
    }
    match LEFT.replace(Some((request, load))) {
        // Left by a second login check of the same wrapper: to the extensions.
        Some((left_for, mut earlier)) if left_for == request => {
            earlier.as_mut().into_request(req, true)
        }
        // Left for another request, which will load its user again: never passed on.
        other => drop(other),
    }
}

/// The user of type `U` left for `req`, if one.
pub(crate) fn take<U: 'static>(req: &HttpRequest) -> Option<LoadedUser<U>> {
    let request = key(req);
    if ARMED.get() != request {
        return None;
    }
    let mut taken: Option<LoadedUser<U>> = None;
    LEFT.with_borrow_mut(|left| {
        if let Some((left_for, load)) = left {
            if *left_for == request {
                load.as_mut().take_into(&mut taken as &mut dyn Any);
            }
        }
    });
    taken
}

#[cfg(test)]
mod tests {
    use std::{future::poll_fn, rc::Rc};

    use actix_web::{test::TestRequest, HttpMessage};
    use futures_util::FutureExt;

    use super::*;
    use crate::login::{current_user::UserLoader, state::Standing};

    /// The user `id` (a `String`), loaded and verified, in its loader's box.
    fn loaded(id: &str) -> PooledLoad {
        let loader = Rc::new(UserLoader::new(async |id: &str| Some(id.to_owned())));
        let mut load = (loader.load_into_request)(id.to_owned(), Rc::clone(&loader));
        let judge = |_: &str, _: Option<&_>| Standing::Stands;
        let verdict = poll_fn(|cx| load.as_mut().poll_load(cx, &judge)).now_or_never();
        assert_eq!(verdict, Some(Standing::Stands));
        load
    }

    fn in_extensions(req: &HttpRequest) -> Option<String> {
        let extensions = req.extensions();
        let loaded = extensions.get::<LoadedUser<String>>()?;
        loaded.user.clone()
    }

    fn two_requests() -> (HttpRequest, HttpRequest) {
        let request = || TestRequest::default().to_http_request();
        (request(), request())
    }

    fn taken(req: &HttpRequest) -> Option<String> {
        take::<String>(req).and_then(|loaded| loaded.user)
    }

    #[test]
    fn not_armed_the_user_goes_to_the_extensions() {
        let req = TestRequest::default().to_http_request();
        offer(&req, loaded("ada"));
        assert_eq!(taken(&req), None);
        assert_eq!(in_extensions(&req).as_deref(), Some("ada"));
    }

    #[test]
    fn only_the_armed_request_takes_and_only_its_user_type() {
        let (a, b) = two_requests();
        let armed = arm(&a);
        offer(&a, loaded("ada"));
        assert_eq!(in_extensions(&a), None, "handed over, not stored");
        assert_eq!(taken(&b), None, "another request");
        assert!(take::<u32>(&a).is_none(), "another user type");
        assert_eq!(taken(&a).as_deref(), Some("ada"));
        assert_eq!(taken(&a), None, "taken once");
        armed.finish(&a);
        assert_eq!(in_extensions(&a), None);
    }

    #[test]
    fn finished_what_is_left_goes_to_the_extensions() {
        let req = TestRequest::default().to_http_request();
        let armed = arm(&req);
        offer(&req, loaded("ada"));
        armed.finish(&req);
        assert_eq!(in_extensions(&req).as_deref(), Some("ada"));
        let _again = arm(&req);
        assert_eq!(taken(&req), None, "nothing left behind");
    }

    #[test]
    fn dropped_unfinished_nothing_is_left() {
        let req = TestRequest::default().to_http_request();
        let armed = arm(&req);
        offer(&req, loaded("ada"));
        drop(armed);
        assert_eq!(ARMED.get(), 0);
        let _again = arm(&req);
        assert_eq!(taken(&req), None);
        assert_eq!(in_extensions(&req), None);
    }

    #[test]
    fn rearmed_by_another_request_the_first_stores_its_user() {
        let (a, b) = two_requests();
        let armed_a = arm(&a);
        // `b` arms while `a` waits on its loader.
        let armed_b = arm(&b);
        offer(&a, loaded("ada"));
        assert_eq!(in_extensions(&a).as_deref(), Some("ada"));
        assert_eq!(taken(&a), None);
        assert_eq!(taken(&b), None);
        offer(&b, loaded("bob"));
        assert_eq!(taken(&b).as_deref(), Some("bob"));
        armed_a.finish(&a);
        assert_eq!(ARMED.get(), key(&b), "`a` does not disarm `b`");
        armed_b.finish(&b);
        assert_eq!(ARMED.get(), 0);
    }

    #[test]
    fn a_second_offer_of_a_request_stores_the_first() {
        let req = TestRequest::default().to_http_request();
        let armed = arm(&req);
        offer(&req, loaded("ada"));
        offer(&req, loaded("ada, again"));
        assert_eq!(in_extensions(&req).as_deref(), Some("ada"));
        assert_eq!(taken(&req).as_deref(), Some("ada, again"));
        armed.finish(&req);
    }

    #[test]
    fn a_request_disarming_takes_only_what_was_left_for_it() {
        let (a, b) = two_requests();
        let armed_b = arm(&b);
        offer(&b, loaded("bob"));
        // Were `a` to arm and finish while `b`'s user is left (it cannot be):
        let armed_a = arm(&a);
        armed_a.finish(&a);
        assert_eq!(in_extensions(&a), None, "`b`'s user in `a`'s extensions");
        drop(arm(&a));
        assert_eq!(in_extensions(&a), None);
        ARMED.set(key(&b));
        assert_eq!(
            taken(&b).as_deref(),
            Some("bob"),
            "`b`'s user still left for it"
        );
        armed_b.finish(&b);
    }

    #[test]
    fn a_user_left_for_another_request_is_never_passed_on() {
        let (a, b) = two_requests();
        let armed_b = arm(&b);
        offer(&b, loaded("bob"));
        // Were `b` to wait with its user left (it does not), and `a` to run its check:
        let armed_a = arm(&a);
        offer(&a, loaded("ada"));
        assert_eq!(in_extensions(&a), None, "`b`'s user in `a`'s extensions");
        assert_eq!(taken(&a).as_deref(), Some("ada"));
        armed_a.finish(&a);
        armed_b.finish(&b);
        assert_eq!(in_extensions(&b), None, "dropped, not stored");
        assert_eq!(in_extensions(&a), None);
    }
}
