//! The route table: every route is added through [`Routes`], which records its method, path
//! and who may use it, so the route-matrix test can walk all of them and a new route cannot
//! be added without declaring its access.

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{self, MethodRouter},
};

use crate::app::App;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: sign-in pages, static files, health checks.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// Signed-in admins only.
    Admin,
    /// Routes with their own authentication (webhooks, the ICS feed token).
    OwnAuth,
}

/// One route's declared expectation.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A router under construction together with its table.
pub struct Routes {
    router: Router<App>,
    table: Vec<RouteInfo>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<App>,
    ) -> Routes {
        self.router = self.router.route(path, handler);
        self.table.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    pub fn get<H: Handler<T, App>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(Method::GET, path, access, routing::get(handler))
    }

    pub fn post<H: Handler<T, App>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(Method::POST, path, access, routing::post(handler))
    }

    pub fn patch<H: Handler<T, App>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(Method::PATCH, path, access, routing::patch(handler))
    }

    pub fn delete<H: Handler<T, App>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(Method::DELETE, path, access, routing::delete(handler))
    }

    pub fn into_parts(self) -> (Router<App>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}
