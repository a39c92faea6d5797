//! The OpenAPI schema of each field rule, built from the constants and the
//! variants its parser checks, so the document states exactly the rules the
//! API enforces and cannot drift from them. DTO fields use these through
//! `#[schema(schema_with = …)]`.
//!
//! Request fields are nullable where the API reads `null` as "absent"
//! (create: take the default; PATCH: keep), so that the document accepts
//! exactly what the server accepts.

use serde_json::json;
use utoipa::ToSchema;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

use crate::accounts::{AGENT_NAME_MAX, BOT_NAME_MAX, EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN, Role};
use crate::carrier::{
    ALLOWED_IPS_MAX, ALLOWED_PREFIX_MIN_V4, ALLOWED_PREFIX_MIN_V6, Burst, Channels, Cps,
    InboundAuth, NAME_MAX, SIP_ADDRESS_MAX, TEXT_MAX, Transport,
};
use crate::dto::{PAGE_DEFAULT, PAGE_MAX, SEARCH_MAX};
use crate::number::{DIGITS_MAX, DIGITS_MIN, Direction, LABEL_MAX, NumberFormat, TYPED_MAX};
use crate::text::HIDDEN_RANGES;
use crate::tokens::{EXPIRES_DAYS_MAX, EXPIRES_DAYS_MIN, TOKEN_NAME_MAX};
use crate::two_factor::{CODE_DIGITS, CODE_INPUT_MAX};

/// No control characters (what `char::is_control` refuses: Unicode Cc).
const NO_CONTROL: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
/// The characters `text::check_visible` refuses, as a regex class body.
fn invisible_class() -> String {
    let mut class = String::from(r"\u0000-\u001F\u007F-\u009F");
    for (lo, hi) in HIDDEN_RANGES {
        class.push_str(&format!(r"\u{:04X}-\u{:04X}", u32::from(lo), u32::from(hi)));
    }
    class
}

/// A name: something besides white space, and nothing `check_visible` refuses.
fn visible_not_blank() -> String {
    let class = invisible_class();
    format!(r"^[^{class}]*[^\s{class}][^{class}]*$")
}

/// An optional label: nothing `check_visible` refuses.
fn visible() -> String {
    format!(r"^[^{}]*$", invisible_class())
}

/// The shape of a SIP address: a host name, IPv4 or IPv6 literal (bracketed
/// with a port), an optional `:port`; no scheme, user part, parameters or
/// spaces. The parser checks the rest (labels, octets, port range).
const SIP_ADDRESS_SHAPE: &str =
    r"^(?:\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?|[0-9A-Za-z.-]+(?::[0-9]{1,5})?|[0-9A-Fa-f:.]+)$";

fn of_type(ty: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([ty, Type::Null])
    } else {
        SchemaType::new(ty)
    }
}

fn text(nullable: bool, max: usize, pattern: impl Into<String>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::String, nullable))
        .max_length(Some(max))
        .pattern(Some(pattern))
}

fn decimal(nullable: bool, min: f64, max: f64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::Number, nullable))
        .minimum(Some(min))
        .maximum(Some(max))
}

fn whole(nullable: bool, min: u32, max: u32) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::Integer, nullable))
        .minimum(Some(min as usize))
        .maximum(Some(max as usize))
}

fn done(builder: ObjectBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::Object(builder.build()))
}

/// One of an enum's values, or `null` (absent), as a reference to the
/// enum's own schema so request and response share one type.
fn enum_or_null<T: ToSchema>() -> OneOfBuilder {
    OneOfBuilder::new()
        .item(Ref::from_schema_name(T::name()))
        .item(ObjectBuilder::new().schema_type(Type::Null))
}

fn done_one_of(builder: OneOfBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::OneOf(builder.build()))
}

// --- Carrier ---------------------------------------------------------------------------

pub fn transport_create() -> RefOr<Schema> {
    done_one_of(
        enum_or_null::<Transport>()
            .description(Some(
                "SIP transport; `auto` (the default) lets LiveKit choose.",
            ))
            .default(Some(json!(Transport::default().as_str()))),
    )
}

pub fn transport_patch() -> RefOr<Schema> {
    done_one_of(enum_or_null::<Transport>().description(Some("SIP transport.")))
}

pub fn number_format_create() -> RefOr<Schema> {
    done_one_of(
        enum_or_null::<NumberFormat>().default(Some(json!(NumberFormat::default().as_str()))),
    )
}

pub fn number_format_patch() -> RefOr<Schema> {
    done_one_of(enum_or_null::<NumberFormat>())
}

pub fn inbound_auth_write() -> RefOr<Schema> {
    done_one_of(enum_or_null::<InboundAuth>().description(Some(
        "On create it defaults to `ip_allowlist` when allowed IPs are given without a \
         password, otherwise `digest`.",
    )))
}

fn carrier_name_schema() -> ObjectBuilder {
    text(false, NAME_MAX, visible_not_blank())
        .min_length(Some(1))
        .description(Some(format!(
            "Display name: not blank, at most {NAME_MAX} characters, no control characters; \
             surrounding spaces are trimmed."
        )))
        .examples([json!("Primary trunk — IN")])
}

pub fn carrier_name() -> RefOr<Schema> {
    done(carrier_name_schema())
}

fn sip_address_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .min_length(Some(1))
        .max_length(Some(SIP_ADDRESS_MAX))
        .pattern(Some(SIP_ADDRESS_SHAPE))
        .description(Some(
            "Host name or IP literal with an optional `:port` (1–65535), without `sip:`, a user \
             part, parameters or spaces; an IPv6 literal with a port goes in brackets. \
             Unspecified, link-local, multicast and broadcast addresses are refused, and so \
             are loopback ones unless the server sets `ORI_ALLOW_LOOPBACK_SIP`.",
        ))
        .examples([json!("sip.example.com:5060"), json!("[2001:db8::1]:5061")])
}

pub fn sip_address() -> RefOr<Schema> {
    done(sip_address_schema())
}

pub fn destination_country() -> RefOr<Schema> {
    done(
        text(true, TEXT_MAX, NO_CONTROL)
            .description(Some(
                "Free text: a country code or name, e.g. IN, US, GB. A code lets numbers typed \
                 without `+` get their E.164 form. Blank or `null` clears it.",
            ))
            .examples([json!("IN")]),
    )
}

pub fn username() -> RefOr<Schema> {
    done(
        text(true, TEXT_MAX, NO_CONTROL)
            .description(Some(
                "SIP digest username for outbound calls. Blank or `null` clears it.",
            ))
            .examples([json!("ori-trunk")]),
    )
}

pub fn sip_password() -> RefOr<Schema> {
    done(
        text(true, TEXT_MAX, NO_CONTROL)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .write_only(true)
            .description(Some(
                "SIP digest password for outbound calls. Write-only: never returned, only \
                 `has_password`. Absent, empty or `null` sets none on create and keeps the \
                 stored one on PATCH.",
            )),
    )
}

fn allowed_ip_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .format(Some(SchemaFormat::Custom("ip-or-cidr".into())))
        .pattern(Some(r"^\s*[0-9A-Fa-f:.]+(/[0-9]{1,3})?\s*$"))
        .description(Some(format!(
            "An IPv4 or IPv6 address, or a CIDR range without host bits set, at most \
             /{ALLOWED_PREFIX_MIN_V4} wide for IPv4 and /{ALLOWED_PREFIX_MIN_V6} for IPv6 \
             (e.g. `192.0.2.10`, `203.0.113.0/24`, `2001:db8::/32`)."
        )))
        .examples([json!("203.0.113.0/24")])
}

/// Response field: the allowlist as stored.
pub fn allowed_ips() -> RefOr<Schema> {
    done_array(false)
}

/// Request field: `null` is the same as absent.
pub fn allowed_ips_write() -> RefOr<Schema> {
    done_array(true)
}

fn done_array(nullable: bool) -> RefOr<Schema> {
    let array = ArrayBuilder::new()
        .schema_type(of_type(Type::Array, nullable))
        .items(RefOr::T(Schema::Object(allowed_ip_schema().build())))
        .max_items(Some(ALLOWED_IPS_MAX))
        .unique_items(true)
        .description(Some(format!(
            "IP addresses or CIDR ranges the carrier sends inbound calls from; at most \
             {ALLOWED_IPS_MAX}, no duplicates. Required (at least one) when `inbound_auth` is \
             `ip_allowlist`."
        )));
    RefOr::T(Schema::Array(array.build()))
}

fn cps_schema(nullable: bool) -> ObjectBuilder {
    decimal(nullable, Cps::MIN, Cps::MAX).description(Some("Outbound calls per second."))
}

pub fn cps() -> RefOr<Schema> {
    done(cps_schema(false))
}

pub fn cps_create() -> RefOr<Schema> {
    done(cps_schema(true).default(Some(json!(Cps::DEFAULT.get()))))
}

pub fn cps_patch() -> RefOr<Schema> {
    done(cps_schema(true))
}

fn burst_schema(nullable: bool) -> ObjectBuilder {
    whole(nullable, Burst::MIN, Burst::MAX)
        .description(Some("Calls allowed in an immediate spike above CPS."))
}

pub fn burst() -> RefOr<Schema> {
    done(burst_schema(false))
}

pub fn burst_create() -> RefOr<Schema> {
    done(burst_schema(true).default(Some(json!(Burst::DEFAULT.get()))))
}

pub fn burst_patch() -> RefOr<Schema> {
    done(burst_schema(true))
}

fn channels_schema(nullable: bool) -> ObjectBuilder {
    whole(nullable, Channels::MIN, Channels::MAX)
        .description(Some("Concurrent calls, ringing plus connected."))
}

pub fn channels() -> RefOr<Schema> {
    done(channels_schema(false))
}

pub fn channels_create() -> RefOr<Schema> {
    done(channels_schema(true).default(Some(json!(Channels::DEFAULT.get()))))
}

pub fn channels_patch() -> RefOr<Schema> {
    done(channels_schema(true))
}

// --- Phone numbers -------------------------------------------------------------------

fn phone_number_schema(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::String, nullable))
        .max_length(Some(TYPED_MAX))
        .pattern(Some(format!(
            r"^\s*\+?[ .-]*(?:[0-9][ .-]*){{{DIGITS_MIN},{DIGITS_MAX}}}\s*$"
        )))
        .examples([json!("+14155551234")])
}

pub fn phone_number() -> RefOr<Schema> {
    done(phone_number_schema(false).description(Some(format!(
        "E.164 such as `+14155551234`, or the carrier's local format: {DIGITS_MIN}–{DIGITS_MAX} \
         digits, an optional leading `+`, spaces, dots or dashes. Unique across all carriers \
         (409 names the carrier that has it)."
    ))))
}

/// A PATCH may repeat the number, never change it.
pub fn phone_number_patch() -> RefOr<Schema> {
    done(phone_number_schema(true).description(Some(
        "Accepted only when it is the stored number: a number cannot change; remove it and add \
         the right one.",
    )))
}

/// The canonical E.164 form the server derives.
pub fn e164() -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(of_type(Type::String, true))
            .pattern(Some(format!(r"^\+[0-9]{{{DIGITS_MIN},{DIGITS_MAX}}}$")))
            .read_only(true)
            .description(Some(
                "The canonical E.164 form (`+…`), derived from the number and the carrier's \
                 Destination Country; `null` when it cannot be. The outbound trunk (caller id) \
                 gets this, and it decides which numbers are the same line.",
            ))
            .examples([json!("+918012345678")]),
    )
}

pub fn number_label() -> RefOr<Schema> {
    done(
        text(true, LABEL_MAX, visible())
            .description(Some(
                "A short name, e.g. \"Sales line\". Blank or `null` clears it.",
            ))
            .examples([json!("Sales line")]),
    )
}

pub fn direction_create() -> RefOr<Schema> {
    done_one_of(enum_or_null::<Direction>().default(Some(json!(Direction::default().as_str()))))
}

pub fn direction_patch() -> RefOr<Schema> {
    done_one_of(enum_or_null::<Direction>())
}

// --- Accounts and bots -----------------------------------------------------------------

pub fn email() -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .min_length(Some(3))
            .max_length(Some(EMAIL_MAX))
            .examples([json!("admin@example.com")]),
    )
}

/// A new account password.
pub fn new_password() -> RefOr<Schema> {
    done(new_password_schema(false))
}

pub fn new_password_optional() -> RefOr<Schema> {
    done(new_password_schema(true))
}

fn new_password_schema(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::String, nullable))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .min_length(Some(PASSWORD_MIN))
        .max_length(Some(PASSWORD_MAX))
        .write_only(true)
}

/// A password to check (login, the current one): any text, never returned.
pub fn given_password() -> RefOr<Schema> {
    done(given_password_schema(false))
}

pub fn given_password_optional() -> RefOr<Schema> {
    done(given_password_schema(true))
}

fn given_password_schema(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::String, nullable))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .write_only(true)
}

/// A two-factor code: the app's six digits, or a recovery code.
pub fn two_factor_code() -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .write_only(true)
            .min_length(Some(CODE_DIGITS))
            .max_length(Some(CODE_INPUT_MAX))
            .description(Some(
                "The 6-digit code from the authenticator app (spaces ignored), or one of the \
                 account's recovery codes (12 letters and digits; case, dashes and spaces ignored). \
                 A code works once.",
            ))
            .examples([json!("123456")]),
    )
}

/// An optional two-factor code (login: only for accounts that have it on).
pub fn two_factor_code_optional() -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = two_factor_code() else {
        unreachable!("two_factor_code is an object schema")
    };
    object.schema_type = of_type(Type::String, true);
    RefOr::T(Schema::Object(object))
}

pub fn role_patch() -> RefOr<Schema> {
    done_one_of(enum_or_null::<Role>())
}

pub fn timezone() -> RefOr<Schema> {
    done(timezone_schema(false))
}

pub fn timezone_optional() -> RefOr<Schema> {
    done(timezone_schema(true))
}

fn timezone_schema(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::String, nullable))
        .min_length(Some(1))
        .max_length(Some(TEXT_MAX))
        .description(Some("An IANA time zone name; times are shown in it."))
        .examples([json!("Asia/Kolkata")])
}

fn bot_name_schema(nullable: bool) -> ObjectBuilder {
    text(nullable, BOT_NAME_MAX, visible_not_blank())
        .min_length(Some(1))
        .examples([json!("Receptionist")])
}

pub fn bot_name() -> RefOr<Schema> {
    done(bot_name_schema(false))
}

pub fn bot_name_patch() -> RefOr<Schema> {
    done(bot_name_schema(true))
}

fn agent_name_schema(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of_type(Type::String, nullable))
        .pattern(Some(format!(
            r"^\s*[A-Za-z0-9._-]{{1,{AGENT_NAME_MAX}}}\s*$"
        )))
        .description(Some(
            "The LiveKit agent dispatched for calls to this bot's numbers: letters, digits, \
             dashes, dots and underscores.",
        ))
        .examples([json!("inbound-agent")])
}

pub fn agent_name() -> RefOr<Schema> {
    done(agent_name_schema(false))
}

pub fn agent_name_patch() -> RefOr<Schema> {
    done(agent_name_schema(true))
}

// --- API tokens ------------------------------------------------------------------------

pub fn token_name() -> RefOr<Schema> {
    done(
        text(false, TOKEN_NAME_MAX, visible_not_blank())
            .min_length(Some(1))
            .description(Some("What the token is for."))
            .examples([json!("CRM sync")]),
    )
}

pub fn token_expiry() -> RefOr<Schema> {
    done(
        whole(true, EXPIRES_DAYS_MIN, EXPIRES_DAYS_MAX)
            .description(Some(
                "Whole days until it expires; absent or `null`: never.",
            ))
            .examples([json!(90)]),
    )
}

// --- Lists -----------------------------------------------------------------------------

/// The `limit` query parameter of the list endpoints.
pub fn page_limit() -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .minimum(Some(1usize))
            .maximum(Some(PAGE_MAX as usize))
            .default(Some(json!(PAGE_DEFAULT))),
    )
}

/// A list's search text (`q`, the audit's `target`).
pub fn search_text() -> RefOr<Schema> {
    done(text(false, SEARCH_MAX, NO_CONTROL))
}
