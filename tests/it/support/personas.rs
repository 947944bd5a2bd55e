//! People for tests: created through the services, signed in through the real sign-in form,
//! each with their own cookie jar.

use ops_desktop::{
    db::entities::user,
    services::users::{self, NewUser},
};
use serde_json::Value;

use super::TestApp;

/// The password every test person gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in person with their own browser-like client.
pub struct Persona {
    pub client: reqwest::Client,
    pub user: user::Model,
    /// The session's CSRF token, for form posts.
    pub csrf: String,
}

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Creates an active user with [`PASSWORD`].
pub async fn create_user(app: &TestApp, email: &str, name: &str, role: &str) -> user::Model {
    users::create_user(
        app.db(),
        NewUser {
            email: email.into(),
            name: name.into(),
            role: role.into(),
            password: Some(PASSWORD.into()),
        },
    )
    .await
    .unwrap_or_else(|error| panic!("creating {email}: {error:?}"))
}

/// The value of the first `name="_csrf"` hidden field in a page.
pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    html[start..start + 64].to_string()
}

/// Signs in through the password form; panics if that fails.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = new_client();
    let response = sign_in_with(app, &client, email, password).await;
    assert_eq!(response.status(), 302, "sign-in of {email} succeeded");
    client
}

/// Posts the password form with `client` (fetching the form first for its CSRF token).
pub async fn sign_in_with(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = client
        .get(app.url("/auth/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&page);
    client
        .post(app.url("/auth/signin/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

/// Creates a person with `role` and signs them in.
pub async fn persona(app: &TestApp, email: &str, role: &str) -> Persona {
    let user = create_user(app, email, email.split('@').next().unwrap(), role).await;
    let client = sign_in(app, email, PASSWORD).await;
    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["data"]["csrfToken"]
        .as_str()
        .expect("a session has a CSRF token")
        .to_string();
    Persona { client, user, csrf }
}

pub async fn admin(app: &TestApp) -> Persona {
    persona(app, "ada.admin@example.com", "ADMIN").await
}

pub async fn staff(app: &TestApp) -> Persona {
    persona(app, "sam.staff@example.com", "STAFF").await
}

impl Persona {
    /// A JSON write as a browser page's script would send it (cookie, JSON, our Origin).
    pub fn api(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, app.url(path))
            .header("origin", app.base_url.clone())
    }

    /// A form post with this session's CSRF token added.
    pub async fn post_form(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(app.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}
