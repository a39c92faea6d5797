//! Ori carrier console: the browser entry point.

mod api;
mod app;
mod auth;
mod components;
mod json;
mod pages;
mod routes;

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
