use actix_web::{get, route, Responder};
use checkpoint_runtime::{checkpoint, login_not_required, login_required};

// The route attribute above: expanded first, out of sight.
#[get("/below")]
#[login_not_required]
async fn route_above() -> impl Responder { "hi" }

// No route attribute at all.
#[login_not_required]
async fn no_route() -> &'static str { "hi" }

#[login_not_required(name = "x")]
#[get("/options")]
async fn options() -> impl Responder { "hi" }

#[login_not_required]
#[get("/contradiction")]
#[login_required]
async fn contradiction() -> impl Responder { "hi" }

#[login_not_required]
#[route("/guarded", method = "GET", guard = "some_guard")]
async fn guarded() -> impl Responder { "hi" }

#[checkpoint(api_key = "k")]
#[login_not_required]
#[login_not_required]
#[get("/twice")]
async fn twice() -> impl Responder { "hi" }

fn main() {}
