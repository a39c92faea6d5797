//! Ori carrier console: the browser entry point.

mod app;
mod components;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
