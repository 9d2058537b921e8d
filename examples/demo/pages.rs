//! The demo's HTML: minijinja templates, embedded in the binary, autoescaped (`.html`).

use actix_session::Session;
use actix_web::{http::StatusCode, HttpResponse};
use checkpoint_runtime::FlashMessages;
use minijinja::{context, Environment, Value};

use crate::accounts::User;

const TEMPLATES: [(&str, &str); 5] = [
    ("base.html", include_str!("templates/base.html")),
    ("index.html", include_str!("templates/index.html")),
    ("login.html", include_str!("templates/login.html")),
    ("profile.html", include_str!("templates/profile.html")),
    ("admin.html", include_str!("templates/admin.html")),
];

/// The session key `#[include_csrf]` keeps its token under (the default).
const CSRF_KEY: &str = "csrf";

/// The compiled templates.
pub struct Pages {
    templates: Environment<'static>,
}

impl Pages {
    /// Compiles every template.
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut templates = Environment::new();
        for (name, source) in TEMPLATES {
            templates.add_template(name, source)?;
        }
        Ok(Self { templates })
    }

    /// The page `template`, titled `title`: `200 OK`, no user, no notes until said otherwise.
    pub fn page<'a>(&'a self, template: &'a str, title: &'a str) -> Page<'a> {
        Page {
            pages: self,
            template,
            title,
            status: StatusCode::OK,
            user: None,
            notes: Vec::new(),
            extra: context! {},
        }
    }
}

/// A page to render: what the templates show, set with the builder methods.
pub struct Page<'a> {
    pages: &'a Pages,
    template: &'a str,
    title: &'a str,
    status: StatusCode,
    user: Option<&'a User>,
    notes: Vec<(&'a str, &'a str)>,
    extra: Value,
}

impl<'a> Page<'a> {
    /// The logged-in user, shown in the navigation bar.
    pub fn user(mut self, user: Option<&'a User>) -> Self {
        self.user = user;
        self
    }

    /// Shows (and so consumes) the session's flash messages.
    pub fn flashes(mut self, flashes: &'a FlashMessages) -> Self {
        self.notes
            .extend(flashes.iter().map(|note| (note.category(), note.message())));
        self
    }

    /// Shows one more message, rendered like a flash message of `category`.
    pub fn note(mut self, category: &'a str, message: &'a str) -> Self {
        self.notes.push((category, message));
        self
    }

    /// Answers `status` instead of `200 OK`.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// More template variables.
    pub fn with(mut self, extra: Value) -> Self {
        self.extra = extra;
        self
    }

    /// The HTML response, with the session's CSRF token for the forms; `500` if the template
    /// fails (logged).
    pub fn render(self, session: &Session) -> HttpResponse {
        let Self {
            pages,
            template,
            title,
            status,
            user,
            notes,
            extra,
        } = self;
        let csrf = session
            .get::<String>(CSRF_KEY)
            .ok()
            .flatten()
            .unwrap_or_default();
        let flashes: Vec<_> = notes
            .iter()
            .map(|&(category, message)| context! { category, message })
            .collect();
        let page = pages
            .templates
            .get_template(template)
            .and_then(|page| page.render(context! { title, user, csrf, flashes, ..extra }));
        match page {
            Ok(html) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(html),
            Err(error) => {
                log::error!("cannot render {template}: {error:#}");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}
