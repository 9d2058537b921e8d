//! Handlers with arguments (the shapes most real handlers have): for each shape, the handler
//! unchecked, the check written by hand in it (its `Session` argument, 403), and the same handler
//! under `#[checkpoint]` (or `#[login_required]`). The no-argument shape is the `bool_value`
//! group.

use super::*;

/// The request of the shapes with a path argument: `GET /item/7`.
pub(super) fn item_request(cookie: &Cookie<'static>) -> actix_http::Request {
    test::TestRequest::get()
        .uri("/item/7")
        .cookie(cookie.clone())
        .to_request()
}

/// `POST /item/7` with a small JSON note.
pub(super) fn note_request(cookie: &Cookie<'static>) -> actix_http::Request {
    test::TestRequest::post()
        .uri("/item/7")
        .cookie(cookie.clone())
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"title":"Hello","body":"A short note."}"#)
        .to_request()
}

fn item_page(id: u32) -> HttpResponse {
    std::hint::black_box(id);
    page()
}

fn logged_in(session: &Session) -> bool {
    matches!(session.get::<bool>("logged_in"), Ok(Some(true)))
}

// One `Path`.

async fn path_unchecked(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

async fn path_hand_written(id: web::Path<u32>, session: Session) -> HttpResponse {
    if !logged_in(&session) {
        return forbidden();
    }
    item_page(id.into_inner())
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn path_checkpoint(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

// `Path` and a `Json` body.

#[derive(serde::Deserialize)]
pub(super) struct Note {
    title: String,
    body: String,
}

fn note_page(id: u32, note: Note) -> HttpResponse {
    std::hint::black_box((id, note.title.len(), note.body.len()));
    page()
}

async fn json_unchecked(id: web::Path<u32>, note: web::Json<Note>) -> HttpResponse {
    note_page(id.into_inner(), note.into_inner())
}

async fn json_hand_written(
    id: web::Path<u32>,
    note: web::Json<Note>,
    session: Session,
) -> HttpResponse {
    if !logged_in(&session) {
        return forbidden();
    }
    note_page(id.into_inner(), note.into_inner())
}

#[checkpoint(session_key = "logged_in", values = true)]
async fn json_checkpoint(id: web::Path<u32>, note: web::Json<Note>) -> HttpResponse {
    note_page(id.into_inner(), note.into_inner())
}

// `Data<T>` and `Session`: the handler reads the session itself, after the check.

pub(super) struct Catalogue {
    title: &'static str,
}

fn catalogue() -> web::Data<Catalogue> {
    web::Data::new(Catalogue { title: "Catalogue" })
}

fn catalogue_page(catalogue: &Catalogue, session: &Session) -> HttpResponse {
    std::hint::black_box((catalogue.title, session.entries().len()));
    page()
}

async fn data_unchecked(catalogue: web::Data<Catalogue>, session: Session) -> HttpResponse {
    catalogue_page(&catalogue, &session)
}

async fn data_hand_written(catalogue: web::Data<Catalogue>, session: Session) -> HttpResponse {
    if !matches!(session.get::<String>("user_type"),
                 Ok(Some(role)) if ["admin", "editor"].contains(&role.as_str()))
    {
        return forbidden();
    }
    catalogue_page(&catalogue, &session)
}

#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
async fn data_checkpoint(catalogue: web::Data<Catalogue>, session: Session) -> HttpResponse {
    catalogue_page(&catalogue, &session)
}

// Three stacked checkpoints and a `Path`.

async fn stacked_hand_written(id: web::Path<u32>, session: Session) -> HttpResponse {
    if !stack_holds(&session) {
        return forbidden();
    }
    item_page(id.into_inner())
}

#[checkpoint(session_key = "logged_in", values = true)]
#[checkpoint(session_key = "user_type", values = ["admin", "editor"])]
#[checkpoint(session_key = "plan", values = ["pro", "team"])]
async fn stacked_checkpoint(id: web::Path<u32>) -> HttpResponse {
    item_page(id.into_inner())
}

// `#[login_required]`, `CurrentUser<U>` and a `Path`.

async fn user_path_unchecked(id: web::Path<u32>) -> HttpResponse {
    std::hint::black_box(id.into_inner());
    HttpResponse::Ok().body("ada")
}

/// The login check and user load written by hand: the identity, then the user, once.
async fn user_path_hand_written(
    identity: Option<actix_identity::Identity>,
    id: web::Path<u32>,
) -> HttpResponse {
    let Some(user) = identity
        .and_then(|identity| identity.id().ok())
        .and_then(|id| find_user(&id))
    else {
        return HttpResponse::Unauthorized().finish();
    };
    std::hint::black_box(id.into_inner());
    HttpResponse::Ok().body(user.name)
}

#[checkpoint_runtime::login_required]
async fn user_path_login_required(
    user: checkpoint_runtime::CurrentUser<User>,
    id: web::Path<u32>,
) -> HttpResponse {
    std::hint::black_box(id.into_inner());
    HttpResponse::Ok().body(user.into_inner().name)
}

pub(super) mod path {
    use super::*;

    const REQUEST: MakeRequest = item_request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/item/{id}", web::get().to(path_unchecked))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/item/{id}", web::get().to(path_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/item/{id}", web::get().to(path_checkpoint))
    );
}

pub(super) mod path_json {
    use super::*;

    const REQUEST: MakeRequest = note_request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/item/{id}", web::post().to(json_unchecked))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/item/{id}", web::post().to(json_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/item/{id}", web::post().to(json_checkpoint))
    );
}

pub(super) mod data_session {
    use super::*;

    const REQUEST: MakeRequest = request;

    scenario!(
        a_no_check,
        no_check_count,
        app!()
            .app_data(catalogue())
            .route("/", web::get().to(data_unchecked))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!()
            .app_data(catalogue())
            .route("/", web::get().to(data_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!()
            .app_data(catalogue())
            .route("/", web::get().to(data_checkpoint))
    );
}

pub(super) mod stacked_path {
    use super::*;

    const REQUEST: MakeRequest = item_request;

    scenario!(
        a_no_check,
        no_check_count,
        app!().route("/item/{id}", web::get().to(path_unchecked))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        app!().route("/item/{id}", web::get().to(stacked_hand_written))
    );
    scenario!(
        c_checkpoint,
        checkpoint_count,
        app!().route("/item/{id}", web::get().to(stacked_checkpoint))
    );
}

pub(super) mod login_path {
    use super::*;

    const REQUEST: MakeRequest = item_request;
    const SEED: Seed = Seed::Login;

    scenario!(
        a_no_check,
        no_check_count,
        login_app!().route("/item/{id}", web::get().to(user_path_unchecked))
    );
    scenario!(
        b_hand_written,
        hand_written_count,
        login_app!().route("/item/{id}", web::get().to(user_path_hand_written))
    );
    scenario!(
        c_login_required,
        login_required_count,
        login_app!()
            .app_data(manager_with_loader())
            .route("/item/{id}", web::get().to(user_path_login_required))
    );
    scenario!(
        d_login_required_unprotected,
        unprotected_count,
        login_app!()
            .app_data(manager_with_loader().no_session_protection())
            .route("/item/{id}", web::get().to(user_path_login_required))
    );
}
