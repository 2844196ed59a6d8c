//! The portal's admin pages (issue 7, item 3). Each page reads and changes things through the
//! REST API's own handlers called with the viewer's `Principal`, so the API decides who may see
//! and do what; the portal only refuses early what the API would refuse anyway.
//!
//! - `/admin/calendars` ([`calendars`]): the built-in business calendars, and for one of them
//!   the next 30 days drawn as bars over the day, with holidays named and the zone shown.
//! - `/admin/contracts` ([`contracts`]): the contracts and their policies; a preset chosen or a
//!   policy file uploaded per contract (the provider's administrators).
//! - `/admin/users` ([`users`]): organisations and their users; create (with the one-time
//!   setup link), disable and enable (the provider's administrators; a customer's
//!   administrator for their own organisation).
//! - `/account/tokens` ([`tokens`]): anyone's own API tokens; create (the secret shown once)
//!   and revoke.

mod calendars;
pub mod contracts;
pub mod tokens;
pub mod users;

use axum::response::Redirect;

pub use calendars::page as calendars_page;

use super::Viewer;

/// `GET /admin`: the first admin page.
pub async fn index(_viewer: Viewer) -> Redirect {
    Redirect::to("/admin/calendars")
}
