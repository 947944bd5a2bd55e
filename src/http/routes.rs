//! The route table: every route is added through [`Routes`], which records its method, path
//! and who may use it, so the route-matrix test can walk all of them and a new route cannot
//! be added without declaring its access. An API route is added with its OpenAPI operation in
//! the same step ([`Routes::api`]): its path and method are written once, in the handler's
//! `#[utoipa::path]`, and the document is made from the table.

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{self, MethodRouter},
};
use utoipa::openapi::{
    RefOr,
    path::{PathItem, Paths},
    schema::Schema,
};
use utoipa_axum::router::UtoipaMethodRouter;

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
    pub path: String,
    pub access: Access,
}

/// A router under construction together with its table and the OpenAPI operations of its
/// API routes.
pub struct Routes {
    router: Router<App>,
    table: Vec<RouteInfo>,
    operations: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
            operations: Paths::new(),
            schemas: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &str,
        access: Access,
        handler: MethodRouter<App>,
    ) -> Routes {
        self.router = self.router.route(path, handler);
        self.table.push(RouteInfo {
            method,
            path: path.to_string(),
            access,
        });
        self
    }

    /// Adds API operations with their access: `operations` is `utoipa_axum::routes!(handler)`
    /// (several handlers when they share a path and an access rule), which takes each
    /// handler's path and method from its `#[utoipa::path]` and brings its OpenAPI entry along.
    pub fn api(mut self, access: Access, operations: UtoipaMethodRouter<App>) -> Routes {
        let (schemas, paths, handler) = operations;
        for (path, item) in &paths.paths {
            for method in methods(item) {
                self.table.push(RouteInfo {
                    method,
                    path: path.clone(),
                    access,
                });
            }
            self.router = self.router.route(path, handler.clone());
        }
        self.operations.merge(paths);
        self.schemas.extend(schemas);
        self
    }

    /// Adds every route of `other` (one resource's routes, declared beside its handlers).
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self.operations.merge(other.operations);
        self.schemas.extend(other.schemas);
        self
    }

    pub fn get<H: Handler<T, App>, T: 'static>(
        self,
        path: &str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(Method::GET, path, access, routing::get(handler))
    }

    pub fn post<H: Handler<T, App>, T: 'static>(
        self,
        path: &str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(Method::POST, path, access, routing::post(handler))
    }

    /// The router, the table, and the API's OpenAPI operations with the schemas they name.
    pub fn into_parts(self) -> (Router<App>, Vec<RouteInfo>, ApiOperations) {
        let operations = ApiOperations {
            paths: self.operations,
            schemas: self.schemas,
        };
        (self.router, self.table, operations)
    }
}

/// What the API routes contribute to the OpenAPI document.
pub struct ApiOperations {
    pub paths: Paths,
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

/// The methods a path item has operations for.
fn methods(item: &PathItem) -> Vec<Method> {
    [
        (Method::GET, &item.get),
        (Method::POST, &item.post),
        (Method::PUT, &item.put),
        (Method::PATCH, &item.patch),
        (Method::DELETE, &item.delete),
    ]
    .into_iter()
    .filter(|(_, operation)| operation.is_some())
    .map(|(method, _)| method)
    .collect()
}
