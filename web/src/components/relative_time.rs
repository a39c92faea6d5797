//! "3 minutes ago", with the absolute time in the user's time zone on hover.
//!
//! The browser does the calendar work: its clock for "now" and `Intl` (through
//! `Date.prototype.toLocaleString`) for the user's time zone, so no date library is
//! bundled.

use std::time::Duration;

use js_sys::{Date, Function, Object, Reflect};
use leptos::prelude::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wasm_bindgen::{JsCast, JsValue};

use crate::auth::use_auth;

/// How long ago, in words, for `elapsed` seconds (negative = clock skew, "just now").
pub fn relative(elapsed: i64) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    const MONTH: i64 = 30 * DAY;
    const YEAR: i64 = 365 * DAY;
    let (count, unit) = match elapsed {
        ..45 => return "just now".into(),
        45..HOUR => (elapsed / MINUTE, "minute"),
        HOUR..DAY => (elapsed / HOUR, "hour"),
        DAY..MONTH => (elapsed / DAY, "day"),
        MONTH..YEAR => (elapsed / MONTH, "month"),
        _ => (elapsed / YEAR, "year"),
    };
    let count = count.max(1);
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

fn unix_ms(at: OffsetDateTime) -> f64 {
    (at.unix_timestamp_nanos() / 1_000_000) as f64
}

/// `at` as the user reads it in `timezone`, e.g. "2 Dec 2026, 14:05:09 GMT+5:30";
/// in the browser's own zone if `timezone` is missing or unknown to the browser.
pub fn absolute(at: OffsetDateTime, timezone: Option<&str>) -> String {
    locale_string(at, timezone, Some("long"))
}

/// The calendar day of `at` in `timezone`, e.g. "2 Dec 2026".
pub fn day(at: OffsetDateTime, timezone: Option<&str>) -> String {
    locale_string(at, timezone, None)
}

fn locale_string(at: OffsetDateTime, timezone: Option<&str>, time_style: Option<&str>) -> String {
    let date = Date::new(&JsValue::from_f64(unix_ms(at)));
    let options = Object::new();
    let set = |key: &str, value: &str| {
        let _ = Reflect::set(&options, &key.into(), &value.into());
    };
    set("dateStyle", "medium");
    if let Some(style) = time_style {
        set("timeStyle", style);
    }
    if let Some(zone) = timezone {
        set("timeZone", zone);
    }
    // Called through `Function::call2`, which catches: an unknown zone throws a RangeError.
    let formatted = Reflect::get(&date, &"toLocaleString".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call2(&date, &JsValue::UNDEFINED, &options).ok())
        .and_then(|s| s.as_string());
    match formatted {
        Some(text) => text,
        None if timezone.is_some() => locale_string(at, None, time_style),
        None => String::from(date.to_string()),
    }
}

/// Seconds since `at`, by the browser's clock.
fn elapsed_secs(at: OffsetDateTime) -> i64 {
    ((Date::now() - unix_ms(at)) / 1000.0) as i64
}

/// A signal that changes every `period`, so relative times re-render.
pub fn use_clock(period: Duration) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0_u64);
    if let Ok(handle) = set_interval_with_handle(move || set_tick.update(|t| *t += 1), period) {
        on_cleanup(move || handle.clear());
    }
    tick
}

/// "3 minutes ago" in a `<time>` element whose tooltip is the absolute time in the
/// signed-in user's time zone; "—" when there is no time.
#[component]
pub fn RelativeTime(#[prop(into)] at: Signal<Option<OffsetDateTime>>) -> impl IntoView {
    let auth = use_auth();
    let clock = use_clock(Duration::from_secs(30));
    move || {
        clock.track();
        match at.get() {
            None => view! { <span class="muted">"—"</span> }.into_any(),
            Some(at) => {
                let machine = at.format(&Rfc3339).unwrap_or_default();
                let title = absolute(at, auth.timezone().as_deref());
                view! {
                    <time datetime=machine title=title>{relative(elapsed_secs(at))}</time>
                }
                .into_any()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn words_for_each_range() {
        assert_eq!(relative(-5), "just now");
        assert_eq!(relative(0), "just now");
        assert_eq!(relative(44), "just now");
        assert_eq!(relative(45), "1 minute ago");
        assert_eq!(relative(89), "1 minute ago");
        assert_eq!(relative(3 * 60), "3 minutes ago");
        assert_eq!(relative(59 * 60 + 50), "59 minutes ago");
        assert_eq!(relative(3600), "1 hour ago");
        assert_eq!(relative(5 * 3600), "5 hours ago");
        assert_eq!(relative(24 * 3600), "1 day ago");
        assert_eq!(relative(2 * 24 * 3600), "2 days ago");
        assert_eq!(relative(45 * 24 * 3600), "1 month ago");
        assert_eq!(relative(800 * 24 * 3600), "2 years ago");
    }
}
