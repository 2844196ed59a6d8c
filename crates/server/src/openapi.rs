//! The OpenAPI 3.1 document. Paths come from the same `#[utoipa::path]` annotations the router
//! is built from ([`crate::api_router`]), so the document and the routes cannot drift.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The document's fixed parts; paths and schemas are added by the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tenggat API",
        description = "Service desk with SLA clocks that are exactly right. Errors are \
                       application/problem+json with a stable `code`. Authenticate with an API \
                       token (`Authorization: Bearer tgt_…`, from POST /api/v1/tokens) or a \
                       session cookie (POST /api/v1/sessions). POST requests accept an \
                       `Idempotency-Key` header.",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "tickets", description = "Report, read and work tickets; SLA clocks"),
        (name = "attachments", description = "Files of tickets"),
        (name = "account", description = "Sessions, API tokens, the signed-in user"),
        (name = "organisations", description = "The provider and its customers"),
        (name = "users", description = "People and roles"),
        (name = "contracts", description = "Customers bound to policies"),
        (name = "policies", description = "SLA policies: presets and uploads"),
        (name = "calendars", description = "Business calendars and holidays"),
        (name = "notifications", description = "In-app inbox, delivery state, outgoing webhooks"),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer`, `session` and `basic` security schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tgt_<64 hex digits>")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}
