//! The SIP service: request decoding, LiveKit's validation rules, the in-memory
//! store and the RPC handlers (livekit `pkg/service/sip.go`, protocol
//! `livekit/sip.go`, `livekit/types.go`, `livekit/sip_validation.go`, `sip/sip.go`).

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::proto::*;
use crate::twirp::TwirpError;

/// The `livekit.SIP` methods the double implements.
pub const METHODS: &[&str] = &[
    "CreateSIPInboundTrunk",
    "CreateSIPOutboundTrunk",
    "UpdateSIPInboundTrunk",
    "UpdateSIPOutboundTrunk",
    "GetSIPInboundTrunk",
    "GetSIPOutboundTrunk",
    "ListSIPInboundTrunk",
    "ListSIPOutboundTrunk",
    "DeleteSIPTrunk",
    "CreateSIPDispatchRule",
    "UpdateSIPDispatchRule",
    "ListSIPDispatchRule",
    "DeleteSIPDispatchRule",
];

/// `livekit.SIP` methods that exist in LiveKit but that the double answers with
/// `unimplemented`.
pub const UNIMPLEMENTED_METHODS: &[&str] = &[
    "ListSIPTrunk",
    "CreateSIPParticipant",
    "TransferSIPParticipant",
];

pub const MSG_TRUNK_NOT_FOUND: &str = "requested sip trunk does not exist";
pub const MSG_RULE_NOT_FOUND: &str = "requested sip dispatch rule does not exist";

const DECODE_PREFIX: &str = "the json request could not be decoded";

/// A decoded request.
#[derive(Debug, Clone)]
pub enum Request {
    CreateInbound(CreateSipInboundTrunkRequest),
    CreateOutbound(CreateSipOutboundTrunkRequest),
    UpdateInbound(UpdateSipInboundTrunkRequest),
    UpdateOutbound(UpdateSipOutboundTrunkRequest),
    GetInbound(TrunkIdRequest),
    GetOutbound(TrunkIdRequest),
    ListInbound(ListTrunkRequest),
    ListOutbound(ListTrunkRequest),
    DeleteTrunk(TrunkIdRequest),
    CreateRule(CreateSipDispatchRuleRequest),
    UpdateRule(UpdateSipDispatchRuleRequest),
    ListRules(ListSipDispatchRuleRequest),
    DeleteRule(DeleteSipDispatchRuleRequest),
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Decodes a JSON body strictly: unknown fields are `malformed` errors naming the
/// field (LiveKit itself would drop them silently).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, TwirpError> {
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|e| TwirpError::malformed(format!("{DECODE_PREFIX}: {e}")))?;
    if !value.is_object() {
        return Err(TwirpError::malformed(format!(
            "{DECODE_PREFIX}: the body must be a JSON object"
        )));
    }
    strip_nulls(&mut value);
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        if path == "." {
            return TwirpError::malformed(format!("{DECODE_PREFIX}: {inner}"));
        }
        if inner.starts_with("unknown field") {
            TwirpError::malformed(format!(
                "{DECODE_PREFIX}: {path}: {inner} (ori-livekit-double rejects unknown fields; \
                 real LiveKit would silently drop it)"
            ))
            .with_meta("argument", path)
        } else {
            TwirpError::malformed(format!("{DECODE_PREFIX}: {path}: {inner}"))
                .with_meta("argument", path)
        }
    })
}

fn oneof_twice(message: &str) -> TwirpError {
    TwirpError::malformed(format!("{DECODE_PREFIX}: oneof {message} is already set"))
}

fn check_rule_oneof(rule: Option<&SipDispatchRule>) -> Result<(), TwirpError> {
    match rule {
        Some(r) if r.members_set() > 1 => Err(oneof_twice("livekit.SIPDispatchRule.rule")),
        _ => Ok(()),
    }
}

/// Decodes the body of `method` (one of [`METHODS`]).
pub fn decode_request(method: &str, body: &[u8]) -> Result<Request, TwirpError> {
    let req = match method {
        "CreateSIPInboundTrunk" => Request::CreateInbound(decode_json(body)?),
        "CreateSIPOutboundTrunk" => Request::CreateOutbound(decode_json(body)?),
        "UpdateSIPInboundTrunk" => {
            let r: UpdateSipInboundTrunkRequest = decode_json(body)?;
            if r.replace.is_some() && r.update.is_some() {
                return Err(oneof_twice("livekit.UpdateSIPInboundTrunkRequest.action"));
            }
            Request::UpdateInbound(r)
        }
        "UpdateSIPOutboundTrunk" => {
            let r: UpdateSipOutboundTrunkRequest = decode_json(body)?;
            if r.replace.is_some() && r.update.is_some() {
                return Err(oneof_twice("livekit.UpdateSIPOutboundTrunkRequest.action"));
            }
            Request::UpdateOutbound(r)
        }
        "GetSIPInboundTrunk" => Request::GetInbound(decode_json(body)?),
        "GetSIPOutboundTrunk" => Request::GetOutbound(decode_json(body)?),
        "ListSIPInboundTrunk" => Request::ListInbound(decode_json(body)?),
        "ListSIPOutboundTrunk" => Request::ListOutbound(decode_json(body)?),
        "DeleteSIPTrunk" => Request::DeleteTrunk(decode_json(body)?),
        "CreateSIPDispatchRule" => {
            let r: CreateSipDispatchRuleRequest = decode_json(body)?;
            check_rule_oneof(r.dispatch_rule.as_ref().and_then(|d| d.rule.as_ref()))?;
            Request::CreateRule(r)
        }
        "UpdateSIPDispatchRule" => {
            let r: UpdateSipDispatchRuleRequest = decode_json(body)?;
            if r.replace.is_some() && r.update.is_some() {
                return Err(oneof_twice("livekit.UpdateSIPDispatchRuleRequest.action"));
            }
            check_rule_oneof(r.replace.as_ref().and_then(|d| d.rule.as_ref()))?;
            check_rule_oneof(r.update.as_ref().and_then(|d| d.rule.as_ref()))?;
            Request::UpdateRule(r)
        }
        "ListSIPDispatchRule" => Request::ListRules(decode_json(body)?),
        "DeleteSIPDispatchRule" => Request::DeleteRule(decode_json(body)?),
        other => {
            return Err(TwirpError::unimplemented(format!(
                "ori-livekit-double does not implement {other}"
            )));
        }
    };
    Ok(req)
}

// ---------------------------------------------------------------------------
// Validation rules
// ---------------------------------------------------------------------------

/// LiveKit's `NormalizeNumber`: for inputs matching `^\+?[\d\- ()]+$`, strip
/// spaces, `-`, `(` and `)` and add a leading `+`; anything else is returned as-is.
pub fn normalize_number(num: &str) -> String {
    if num.is_empty() {
        return String::new();
    }
    let rest = num.strip_prefix('+').unwrap_or(num);
    let matches = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'));
    if !matches {
        return num.to_owned();
    }
    let cleaned: String = num
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if cleaned.starts_with('+') {
        cleaned
    } else {
        format!("+{cleaned}")
    }
}

/// `ListUpdate.Validate` (types.go).
pub fn validate_list_update(u: &ListUpdate) -> Result<(), String> {
    let change = !u.set.is_empty() || !u.add.is_empty() || !u.remove.is_empty();
    if !u.clear && !change {
        return Err("unsupported list update operation".into());
    }
    if u.clear && change {
        return Err("cannot clear and change the list at the same time".into());
    }
    if !u.set.is_empty() && (!u.add.is_empty() || !u.remove.is_empty()) {
        return Err("cannot set and change the list at the same time".into());
    }
    if u.set
        .iter()
        .chain(&u.add)
        .chain(&u.remove)
        .any(String::is_empty)
    {
        return Err("empty element in the list".into());
    }
    Ok(())
}

fn validate_opt_list_update(u: Option<&ListUpdate>) -> Result<(), String> {
    u.map_or(Ok(()), validate_list_update)
}

/// `applyListUpdate` (types.go).
pub fn apply_list_update(dst: &mut Vec<String>, u: Option<&ListUpdate>) {
    let Some(u) = u else { return };
    if u.clear {
        dst.clear();
        return;
    }
    if !u.set.is_empty() {
        *dst = u.set.clone();
        return;
    }
    for v in &u.remove {
        if let Some(i) = dst.iter().position(|x| x == v) {
            dst.remove(i);
        }
    }
    for v in &u.add {
        if !dst.contains(v) {
            dst.push(v.clone());
        }
    }
}

fn validate_hostname_format(value: &str, field: &str) -> Result<(), String> {
    if value.contains("transport=") {
        return Err(format!("{field} should not contain transport parameter"));
    }
    if value.contains(['@', ';']) || value.starts_with("sip:") || value.starts_with("sips:") {
        return Err(format!("{field} should be a hostname or IP, not SIP URI"));
    }
    Ok(())
}

const FORBIDDEN_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "allow",
    "allow-events",
    "call-id",
    "contact",
    "content-encoding",
    "content-length",
    "content-type",
    "cseq",
    "event",
    "expires",
    "from",
    "max-forwards",
    "record-route",
    "refer-to",
    "reply-to",
    "k",
    "l",
    "m",
    "o",
    "r",
    "t",
    "u",
    "v",
];

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

fn validate_header_name(name: &str, check_forbidden: bool) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".into());
    }
    if name.len() > 255 {
        return Err("header name too long (max 255 characters)".into());
    }
    for c in name.chars() {
        if !c.is_ascii() {
            return Err(format!(
                "header name {name} contains invalid characters: char {} out of range, consider explicilty adding utf8 characters",
                u32::from(c)
            ));
        }
        if !is_token_char(c) {
            return Err(format!(
                "header name {name} contains invalid characters: char {} not allowed",
                u32::from(c)
            ));
        }
    }
    if check_forbidden && FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!("header name {name} not supported"));
    }
    Ok(())
}

fn validate_header_value(name: &str, value: &str) -> Result<(), String> {
    if value.len() > 1024 {
        return Err(format!(
            "header {name}: value too long (max 1024 characters)"
        ));
    }
    for c in value.chars() {
        let ok = !c.is_ascii() || c == '\t' || (' '..='~').contains(&c);
        if !ok {
            return Err(format!(
                "header {name}: value: char {} not allowed",
                u32::from(c)
            ));
        }
    }
    Ok(())
}

fn validate_headers(headers: &StringMap) -> Result<(), String> {
    for (name, value) in headers {
        validate_header_name(name, true).map_err(|e| format!("invalid header name: {e}"))?;
        validate_header_value(name, value)
            .map_err(|e| format!("invalid header value for {name}: {e}"))?;
    }
    Ok(())
}

fn validate_header_maps(
    headers: &StringMap,
    headers_to_attributes: &StringMap,
    attributes_to_headers: &StringMap,
) -> Result<(), String> {
    validate_headers(headers)?;
    for name in attributes_to_headers.values() {
        validate_header_name(name, false).map_err(|e| format!("invalid header name: {e}"))?;
    }
    for name in headers_to_attributes.keys() {
        validate_header_name(name, false).map_err(|e| format!("invalid header name: {e}"))?;
    }
    Ok(())
}

/// `SIPInboundTrunkInfo.Validate`.
pub fn validate_inbound(t: &SipInboundTrunkInfo) -> Result<(), String> {
    let has_auth = !t.auth_username.is_empty() || !t.auth_password.is_empty();
    let has_cidr = !t.allowed_addresses.is_empty();
    let has_numbers = !t.numbers.is_empty();
    if !has_auth && !has_cidr && !has_numbers {
        return Err("for security, one of the fields must be set: AuthUsername+AuthPassword, AllowedAddresses or Numbers".into());
    }
    validate_header_maps(
        &t.headers,
        &t.headers_to_attributes,
        &t.attributes_to_headers,
    )
}

/// `SIPOutboundTrunkInfo.Validate`.
pub fn validate_outbound(t: &SipOutboundTrunkInfo) -> Result<(), String> {
    if t.numbers.is_empty() {
        return Err("no trunk numbers specified".into());
    }
    if t.address.is_empty() {
        return Err("no outbound address specified".into());
    }
    validate_hostname_format(&t.address, "trunk address")?;
    validate_hostname_format(&t.from_host, "from_host")?;
    validate_header_maps(
        &t.headers,
        &t.headers_to_attributes,
        &t.attributes_to_headers,
    )
}

/// `SIPDispatchRuleInfo.Validate`.
pub fn validate_rule(r: &SipDispatchRuleInfo) -> Result<(), String> {
    if r.rule.is_none() {
        return Err("missing rule".into());
    }
    Ok(())
}

fn print_id(id: &str) -> String {
    if id.is_empty() {
        "<new>".into()
    } else {
        id.into()
    }
}

fn go_quote_list(items: &[String]) -> String {
    if items.is_empty() {
        return "<any>".into();
    }
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", inner.join(" "))
}

/// `ValidateTrunksIter`: inbound trunks that share a (normalised) called number
/// must have different, non-overlapping `allowed_numbers`.
fn validate_trunks(list: &[&SipInboundTrunkInfo]) -> Result<(), TwirpError> {
    let mut by_number: HashMap<String, HashMap<String, &SipInboundTrunkInfo>> = HashMap::new();
    for t in list {
        let numbers: Vec<String> = if t.numbers.is_empty() {
            vec![String::new()]
        } else {
            t.numbers.iter().map(|n| normalize_number(n)).collect()
        };
        for num in numbers {
            let by_inbound = by_number.entry(num).or_default();
            if t.allowed_numbers.is_empty() {
                if let Some(t2) = by_inbound.get("") {
                    return Err(TwirpError::invalid_argument(format!(
                        "Conflicting inbound SIP Trunks: {:?} and {:?}, using the same number(s) {} without AllowedNumbers set",
                        print_id(&t.sip_trunk_id),
                        print_id(&t2.sip_trunk_id),
                        go_quote_list(&t.numbers)
                    )));
                }
                by_inbound.insert(String::new(), t);
            } else {
                for allowed in &t.allowed_numbers {
                    let key = normalize_number(allowed);
                    if let Some(t2) = by_inbound.get(&key) {
                        return Err(TwirpError::invalid_argument(format!(
                            "Conflicting inbound SIP Trunks: {:?} and {:?}, using the same number(s) {} and AllowedNumber {:?}",
                            print_id(&t.sip_trunk_id),
                            print_id(&t2.sip_trunk_id),
                            go_quote_list(&t.numbers),
                            allowed
                        )));
                    }
                    by_inbound.insert(key, t);
                }
            }
        }
    }
    Ok(())
}

/// The `numbers` filter of `ListSIPInboundTrunkRequest` (matches wildcard trunks too).
fn inbound_matches_numbers(t: &SipInboundTrunkInfo, numbers: &[String]) -> bool {
    if numbers.is_empty() || t.numbers.is_empty() {
        return true;
    }
    t.numbers.iter().any(|num| {
        numbers.contains(num) || {
            let norm = normalize_number(num);
            numbers.iter().any(|n| normalize_number(n) == norm)
        }
    })
}

/// The `numbers` filter of `ListSIPOutboundTrunkRequest` (exact match; wildcard trunks too).
fn outbound_matches_numbers(t: &SipOutboundTrunkInfo, numbers: &[String]) -> bool {
    numbers.is_empty() || t.numbers.is_empty() || t.numbers.iter().any(|n| numbers.contains(n))
}

fn after_id(page: Option<&Pagination>) -> &str {
    page.map_or("", |p| p.after_id.as_str())
}

/// A response body, serialised in proto field order (not via `Value`, whose maps sort keys).
pub type Body = String;

fn to_json<T: serde::Serialize>(v: &T) -> Result<Body, TwirpError> {
    serde_json::to_string(v).map_err(|e| TwirpError::internal(e.to_string()))
}

#[derive(serde::Serialize)]
struct TrunkResponse<'a, T> {
    trunk: &'a T,
}

#[derive(serde::Serialize)]
struct ItemsResponse<'a, T> {
    items: Vec<&'a T>,
}

// ---------------------------------------------------------------------------
// Store and handlers
// ---------------------------------------------------------------------------

/// LiveKit's id alphabet (shortuuid's base57).
const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// `prefix` + 12 random base57 characters, like `utils/guid`.
pub fn new_guid(prefix: &str) -> String {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    let bytes = a.as_bytes().iter().chain(b.as_bytes()).take(12);
    let mut id = String::with_capacity(prefix.len() + 12);
    id.push_str(prefix);
    for byte in bytes {
        id.push(char::from(
            ID_ALPHABET[usize::from(*byte) % ID_ALPHABET.len()],
        ));
    }
    id
}

/// The double's LiveKit state.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub inbound: BTreeMap<String, SipInboundTrunkInfo>,
    pub outbound: BTreeMap<String, SipOutboundTrunkInfo>,
    pub rules: BTreeMap<String, SipDispatchRuleInfo>,
}

impl Store {
    fn fresh_id(&self, prefix: &str) -> String {
        loop {
            let id = new_guid(prefix);
            if !self.inbound.contains_key(&id)
                && !self.outbound.contains_key(&id)
                && !self.rules.contains_key(&id)
            {
                return id;
            }
        }
    }

    /// Assigns an id when empty and stores without any validation.
    pub fn plant_inbound(&mut self, mut t: SipInboundTrunkInfo) -> String {
        if t.sip_trunk_id.is_empty() {
            t.sip_trunk_id = self.fresh_id("ST_");
        }
        let id = t.sip_trunk_id.clone();
        self.inbound.insert(id.clone(), t);
        id
    }

    /// Assigns an id when empty and stores without any validation.
    pub fn plant_outbound(&mut self, mut t: SipOutboundTrunkInfo) -> String {
        if t.sip_trunk_id.is_empty() {
            t.sip_trunk_id = self.fresh_id("ST_");
        }
        let id = t.sip_trunk_id.clone();
        self.outbound.insert(id.clone(), t);
        id
    }

    /// Assigns an id when empty and stores without any validation.
    pub fn plant_rule(&mut self, mut r: SipDispatchRuleInfo) -> String {
        if r.sip_dispatch_rule_id.is_empty() {
            r.sip_dispatch_rule_id = self.fresh_id("SDR_");
        }
        let id = r.sip_dispatch_rule_id.clone();
        self.rules.insert(id.clone(), r);
        id
    }

    /// Removes an object of any kind; true if something was removed.
    pub fn remove_any(&mut self, id: &str) -> bool {
        let a = self.inbound.remove(id).is_some();
        let b = self.outbound.remove(id).is_some();
        let c = self.rules.remove(id).is_some();
        a || b || c
    }

    /// Runs a decoded request against the store.
    pub fn execute(&mut self, req: Request) -> Result<Body, TwirpError> {
        match req {
            Request::CreateInbound(r) => self.create_inbound(r),
            Request::CreateOutbound(r) => self.create_outbound(r),
            Request::UpdateInbound(r) => self.update_inbound(r),
            Request::UpdateOutbound(r) => self.update_outbound(r),
            Request::GetInbound(r) => {
                let t = self.load_inbound(&r.sip_trunk_id)?;
                to_json(&TrunkResponse { trunk: t })
            }
            Request::GetOutbound(r) => {
                let t = self.load_outbound(&r.sip_trunk_id)?;
                to_json(&TrunkResponse { trunk: t })
            }
            Request::ListInbound(r) => {
                let after = after_id(r.page.as_ref());
                let items: Vec<&SipInboundTrunkInfo> = self
                    .inbound
                    .values()
                    .filter(|t| after.is_empty() || t.sip_trunk_id.as_str() > after)
                    .filter(|t| r.trunk_ids.is_empty() || r.trunk_ids.contains(&t.sip_trunk_id))
                    .filter(|t| inbound_matches_numbers(t, &r.numbers))
                    .collect();
                to_json(&ItemsResponse { items })
            }
            Request::ListOutbound(r) => {
                let after = after_id(r.page.as_ref());
                let items: Vec<&SipOutboundTrunkInfo> = self
                    .outbound
                    .values()
                    .filter(|t| after.is_empty() || t.sip_trunk_id.as_str() > after)
                    .filter(|t| r.trunk_ids.is_empty() || r.trunk_ids.contains(&t.sip_trunk_id))
                    .filter(|t| outbound_matches_numbers(t, &r.numbers))
                    .collect();
                to_json(&ItemsResponse { items })
            }
            Request::DeleteTrunk(r) => {
                if r.sip_trunk_id.is_empty() {
                    return Err(TwirpError::invalid_argument("trunk ID is required"));
                }
                // Like LiveKit's Redis HDEL: an unknown id is not an error.
                self.inbound.remove(&r.sip_trunk_id);
                self.outbound.remove(&r.sip_trunk_id);
                to_json(&LegacySipTrunkInfo::id_only(&r.sip_trunk_id))
            }
            Request::CreateRule(r) => self.create_rule(r),
            Request::UpdateRule(r) => self.update_rule(r),
            Request::ListRules(r) => {
                let after = after_id(r.page.as_ref());
                let items: Vec<&SipDispatchRuleInfo> = self
                    .rules
                    .values()
                    .filter(|x| after.is_empty() || x.sip_dispatch_rule_id.as_str() > after)
                    .filter(|x| {
                        r.dispatch_rule_ids.is_empty()
                            || r.dispatch_rule_ids.contains(&x.sip_dispatch_rule_id)
                    })
                    .filter(|x| {
                        r.trunk_ids.is_empty()
                            || x.trunk_ids.is_empty()
                            || x.trunk_ids.iter().any(|id| r.trunk_ids.contains(id))
                    })
                    .collect();
                to_json(&ItemsResponse { items })
            }
            Request::DeleteRule(r) => {
                if r.sip_dispatch_rule_id.is_empty() {
                    return Err(TwirpError::invalid_argument("dispatch rule ID is required"));
                }
                match self.rules.remove(&r.sip_dispatch_rule_id) {
                    Some(info) => to_json(&info),
                    None => Err(TwirpError::not_found(MSG_RULE_NOT_FOUND)),
                }
            }
        }
    }

    fn load_inbound(&self, id: &str) -> Result<&SipInboundTrunkInfo, TwirpError> {
        if id.is_empty() {
            return Err(TwirpError::invalid_argument("trunk ID is required"));
        }
        self.inbound
            .get(id)
            .ok_or_else(|| TwirpError::not_found(MSG_TRUNK_NOT_FOUND))
    }

    fn load_outbound(&self, id: &str) -> Result<&SipOutboundTrunkInfo, TwirpError> {
        if id.is_empty() {
            return Err(TwirpError::invalid_argument("trunk ID is required"));
        }
        self.outbound
            .get(id)
            .ok_or_else(|| TwirpError::not_found(MSG_TRUNK_NOT_FOUND))
    }

    /// Conflict check for an inbound trunk about to be stored. Candidates are the
    /// stored trunks LiveKit would list with `numbers = candidate.numbers`
    /// (sorted by id), with `candidate` in place of its stored version (update) or
    /// appended (create, id still empty).
    fn check_inbound_conflicts(&self, candidate: &SipInboundTrunkInfo) -> Result<(), TwirpError> {
        let mut list: Vec<&SipInboundTrunkInfo> = self
            .inbound
            .values()
            .filter(|t| t.sip_trunk_id != candidate.sip_trunk_id)
            .filter(|t| inbound_matches_numbers(t, &candidate.numbers))
            .collect();
        if candidate.sip_trunk_id.is_empty() {
            list.push(candidate);
        } else {
            let pos = list.partition_point(|t| t.sip_trunk_id < candidate.sip_trunk_id);
            list.insert(pos, candidate);
        }
        validate_trunks(&list)
    }

    /// `ValidateDispatchRulesIter`: no two rules may share (pin, trunk, calling
    /// number, called number); empty lists act as a wildcard key.
    fn check_rule_conflicts(&self, candidate: &SipDispatchRuleInfo) -> Result<(), TwirpError> {
        let mut list: Vec<&SipDispatchRuleInfo> = self
            .rules
            .values()
            .filter(|r| r.sip_dispatch_rule_id != candidate.sip_dispatch_rule_id)
            .collect();
        if candidate.sip_dispatch_rule_id.is_empty() {
            list.push(candidate);
        } else {
            let pos =
                list.partition_point(|r| r.sip_dispatch_rule_id < candidate.sip_dispatch_rule_id);
            list.insert(pos, candidate);
        }
        let wildcard = vec![String::new()];
        let mut by_key: HashMap<(String, String, String, String), &SipDispatchRuleInfo> =
            HashMap::new();
        for r in list {
            let Some(pin) = r.rule.as_ref().and_then(SipDispatchRule::pin) else {
                // A bare Go error from GetPinAndRoom: Twirp answers it as `unknown`.
                return Err(TwirpError::unknown("Unsupported SIP Dispatch Rule: <nil>"));
            };
            let trunks = if r.trunk_ids.is_empty() {
                &wildcard
            } else {
                &r.trunk_ids
            };
            let inbound = if r.inbound_numbers.is_empty() {
                &wildcard
            } else {
                &r.inbound_numbers
            };
            let numbers = if r.numbers.is_empty() {
                &wildcard
            } else {
                &r.numbers
            };
            for trunk in trunks {
                for inb in inbound {
                    for num in numbers {
                        let key = (
                            pin.to_owned(),
                            trunk.clone(),
                            normalize_number(inb),
                            normalize_number(num),
                        );
                        if let Some(r2) = by_key.get(&key) {
                            let name = if r2.name.is_empty() {
                                "<blank name>"
                            } else {
                                r2.name.as_str()
                            };
                            return Err(TwirpError::invalid_argument(format!(
                                "Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in dispatch rule {:?} {:?}",
                                print_id(&r2.sip_dispatch_rule_id),
                                name
                            )));
                        }
                        by_key.insert(key, r);
                    }
                }
            }
        }
        Ok(())
    }

    fn create_inbound(&mut self, req: CreateSipInboundTrunkRequest) -> Result<Body, TwirpError> {
        let Some(mut info) = req.trunk else {
            return Err(TwirpError::invalid_argument("missing trunk"));
        };
        if !info.sip_trunk_id.is_empty() {
            return Err(TwirpError::invalid_argument("trunk id must not be set"));
        }
        validate_inbound(&info).map_err(TwirpError::invalid_argument)?;
        self.check_inbound_conflicts(&info)?;
        info.sip_trunk_id = self.fresh_id("ST_");
        let out = to_json(&info)?;
        self.inbound.insert(info.sip_trunk_id.clone(), info);
        Ok(out)
    }

    fn create_outbound(&mut self, req: CreateSipOutboundTrunkRequest) -> Result<Body, TwirpError> {
        let Some(mut info) = req.trunk else {
            return Err(TwirpError::invalid_argument("missing trunk"));
        };
        if !info.sip_trunk_id.is_empty() {
            return Err(TwirpError::invalid_argument("trunk id must not be set"));
        }
        validate_outbound(&info).map_err(TwirpError::invalid_argument)?;
        // LiveKit does no conflict check for outbound trunks.
        info.sip_trunk_id = self.fresh_id("ST_");
        let out = to_json(&info)?;
        self.outbound.insert(info.sip_trunk_id.clone(), info);
        Ok(out)
    }

    fn update_inbound(&mut self, req: UpdateSipInboundTrunkRequest) -> Result<Body, TwirpError> {
        let id = req.sip_trunk_id;
        if id.is_empty() {
            return Err(TwirpError::invalid_argument("trunk id must be set"));
        }
        match (&req.replace, &req.update) {
            (None, None) => {
                return Err(TwirpError::invalid_argument(
                    "missing or unsupported update action",
                ));
            }
            (Some(info), _) => {
                if !info.sip_trunk_id.is_empty() && info.sip_trunk_id != id {
                    return Err(TwirpError::invalid_argument(
                        "trunk id in the info must be empty or match the id in the update",
                    ));
                }
                validate_inbound(info).map_err(TwirpError::invalid_argument)?;
            }
            (None, Some(diff)) => {
                validate_opt_list_update(diff.numbers.as_ref())
                    .and_then(|()| validate_opt_list_update(diff.allowed_addresses.as_ref()))
                    .and_then(|()| validate_opt_list_update(diff.allowed_numbers.as_ref()))
                    .map_err(TwirpError::invalid_argument)?;
            }
        }
        let current = self
            .inbound
            .get(&id)
            .ok_or_else(|| TwirpError::not_found(MSG_TRUNK_NOT_FOUND))?;
        let updated = match (req.replace, req.update) {
            (Some(mut info), _) => {
                info.sip_trunk_id = id.clone();
                info
            }
            (None, Some(diff)) => {
                let mut info = current.clone();
                apply_list_update(&mut info.numbers, diff.numbers.as_ref());
                apply_list_update(&mut info.allowed_addresses, diff.allowed_addresses.as_ref());
                apply_list_update(&mut info.allowed_numbers, diff.allowed_numbers.as_ref());
                if let Some(v) = diff.auth_username {
                    info.auth_username = v;
                }
                if let Some(v) = diff.auth_password {
                    info.auth_password = v;
                }
                if let Some(v) = diff.name {
                    info.name = v;
                }
                if let Some(v) = diff.metadata {
                    info.metadata = v;
                }
                if let Some(v) = diff.media_encryption {
                    info.media_encryption = v;
                }
                if let Some(v) = diff.media {
                    info.media = Some(v);
                }
                // Found only after applying: a bare error, which Twirp answers as `unknown`.
                validate_inbound(&info).map_err(TwirpError::unknown)?;
                info
            }
            (None, None) => {
                return Err(TwirpError::invalid_argument(
                    "missing or unsupported update action",
                ));
            }
        };
        self.check_inbound_conflicts(&updated)?;
        let out = to_json(&updated)?;
        self.inbound.insert(id, updated);
        Ok(out)
    }

    fn update_outbound(&mut self, req: UpdateSipOutboundTrunkRequest) -> Result<Body, TwirpError> {
        let id = req.sip_trunk_id;
        if id.is_empty() {
            return Err(TwirpError::invalid_argument("trunk id must be set"));
        }
        match (&req.replace, &req.update) {
            (None, None) => {
                return Err(TwirpError::invalid_argument(
                    "missing or unsupported update action",
                ));
            }
            (Some(info), _) => {
                if !info.sip_trunk_id.is_empty() && info.sip_trunk_id != id {
                    return Err(TwirpError::invalid_argument(
                        "trunk id in the info must be empty or match the id in the update",
                    ));
                }
                validate_outbound(info).map_err(TwirpError::invalid_argument)?;
            }
            (None, Some(diff)) => {
                validate_opt_list_update(diff.numbers.as_ref())
                    .map_err(TwirpError::invalid_argument)?;
            }
        }
        let current = self
            .outbound
            .get(&id)
            .ok_or_else(|| TwirpError::not_found(MSG_TRUNK_NOT_FOUND))?;
        let updated = match (req.replace, req.update) {
            (Some(mut info), _) => {
                info.sip_trunk_id = id.clone();
                info
            }
            (None, Some(diff)) => {
                let mut info = current.clone();
                if let Some(v) = diff.address {
                    info.address = v;
                }
                if let Some(v) = diff.transport {
                    info.transport = v;
                }
                if let Some(v) = diff.destination_country {
                    info.destination_country = v;
                }
                apply_list_update(&mut info.numbers, diff.numbers.as_ref());
                if let Some(v) = diff.auth_username {
                    info.auth_username = v;
                }
                if let Some(v) = diff.auth_password {
                    info.auth_password = v;
                }
                if let Some(v) = diff.name {
                    info.name = v;
                }
                if let Some(v) = diff.metadata {
                    info.metadata = v;
                }
                if let Some(v) = diff.media_encryption {
                    info.media_encryption = v;
                }
                if let Some(v) = diff.from_host {
                    info.from_host = v;
                }
                if let Some(v) = diff.media {
                    info.media = Some(v);
                }
                validate_outbound(&info).map_err(TwirpError::unknown)?;
                info
            }
            (None, None) => {
                return Err(TwirpError::invalid_argument(
                    "missing or unsupported update action",
                ));
            }
        };
        let out = to_json(&updated)?;
        self.outbound.insert(id, updated);
        Ok(out)
    }

    fn create_rule(&mut self, req: CreateSipDispatchRuleRequest) -> Result<Body, TwirpError> {
        let deprecated = req.deprecated_fields();
        if !deprecated.is_empty() {
            return Err(TwirpError::invalid_argument(format!(
                "ori-livekit-double: deprecated top-level field(s) {} in CreateSIPDispatchRuleRequest; \
                 LiveKit ignores them when dispatch_rule is set - put them inside dispatch_rule",
                deprecated.join(", ")
            )));
        }
        let Some(mut info) = req.dispatch_rule else {
            return Err(TwirpError::invalid_argument("missing rule"));
        };
        if !info.sip_dispatch_rule_id.is_empty() {
            return Err(TwirpError::invalid_argument("rule id must not be set"));
        }
        validate_rule(&info).map_err(TwirpError::invalid_argument)?;
        self.check_rule_conflicts(&info)?;
        info.sip_dispatch_rule_id = self.fresh_id("SDR_");
        let out = to_json(&info)?;
        self.rules.insert(info.sip_dispatch_rule_id.clone(), info);
        Ok(out)
    }

    fn update_rule(&mut self, req: UpdateSipDispatchRuleRequest) -> Result<Body, TwirpError> {
        let id = req.sip_dispatch_rule_id;
        if id.is_empty() {
            return Err(TwirpError::invalid_argument("rule id must be set"));
        }
        match (&req.replace, &req.update) {
            (None, None) => {
                return Err(TwirpError::invalid_argument(
                    "missing or unsupported update action",
                ));
            }
            (Some(info), _) => {
                if !info.sip_dispatch_rule_id.is_empty() && info.sip_dispatch_rule_id != id {
                    return Err(TwirpError::invalid_argument(
                        "rule id in the info must be empty or match the id in the update",
                    ));
                }
                validate_rule(info).map_err(TwirpError::invalid_argument)?;
            }
            (None, Some(diff)) => {
                validate_opt_list_update(diff.trunk_ids.as_ref())
                    .map_err(TwirpError::invalid_argument)?;
            }
        }
        let current = self
            .rules
            .get(&id)
            .ok_or_else(|| TwirpError::not_found(MSG_RULE_NOT_FOUND))?;
        let updated = match (req.replace, req.update) {
            (Some(mut info), _) => {
                info.sip_dispatch_rule_id = id.clone();
                info
            }
            (None, Some(diff)) => {
                let mut info = current.clone();
                apply_list_update(&mut info.trunk_ids, diff.trunk_ids.as_ref());
                if let Some(v) = diff.rule {
                    info.rule = Some(v);
                }
                if let Some(v) = diff.media {
                    info.media = Some(v);
                }
                if let Some(v) = diff.name {
                    info.name = v;
                }
                if let Some(v) = diff.metadata {
                    info.metadata = v;
                }
                if let Some(v) = diff.media_encryption {
                    info.media_encryption = v;
                }
                for (k, v) in diff.attributes {
                    if v.is_empty() {
                        info.attributes.remove(&k);
                    } else {
                        info.attributes.insert(k, v);
                    }
                }
                validate_rule(&info).map_err(TwirpError::unknown)?;
                info
            }
            (None, None) => {
                return Err(TwirpError::invalid_argument(
                    "missing or unsupported update action",
                ));
            }
        };
        self.check_rule_conflicts(&updated)?;
        let out = to_json(&updated)?;
        self.rules.insert(id, updated);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize() {
        assert_eq!(normalize_number("+1 (555) 010-0100"), "+15550100100");
        assert_eq!(normalize_number("15550100"), "+15550100");
        assert_eq!(normalize_number("+15550100"), "+15550100");
        assert_eq!(normalize_number(""), "");
        assert_eq!(normalize_number("alice"), "alice");
        assert_eq!(normalize_number("+"), "+");
        assert_eq!(normalize_number("1.555"), "1.555");
    }

    #[test]
    fn list_update_rules() {
        let lu = |set: &[&str], add: &[&str], remove: &[&str], clear: bool| ListUpdate {
            set: set.iter().map(|s| s.to_string()).collect(),
            add: add.iter().map(|s| s.to_string()).collect(),
            remove: remove.iter().map(|s| s.to_string()).collect(),
            clear,
        };
        assert!(validate_list_update(&lu(&[], &[], &[], false)).is_err());
        assert!(validate_list_update(&lu(&["a"], &[], &[], true)).is_err());
        assert!(validate_list_update(&lu(&["a"], &["b"], &[], false)).is_err());
        assert!(validate_list_update(&lu(&[], &[""], &[], false)).is_err());
        assert!(validate_list_update(&lu(&[], &[], &[], true)).is_ok());
        assert!(validate_list_update(&lu(&[], &["a"], &["b"], false)).is_ok());

        let mut v = vec!["a".to_string(), "b".to_string()];
        apply_list_update(&mut v, Some(&lu(&[], &["c", "a"], &["b"], false)));
        assert_eq!(v, ["a", "c"]);
        apply_list_update(&mut v, Some(&lu(&["x"], &[], &[], false)));
        assert_eq!(v, ["x"]);
        apply_list_update(&mut v, Some(&lu(&[], &[], &[], true)));
        assert!(v.is_empty());
    }

    #[test]
    fn hostnames_and_headers() {
        assert!(validate_hostname_format("sip.example.com", "a").is_ok());
        assert!(validate_hostname_format("sip.example.com:5061", "a").is_ok());
        for bad in ["sip:x", "sips:x", "a@b", "x;y", "x transport=tcp"] {
            assert!(validate_hostname_format(bad, "a").is_err(), "{bad}");
        }
        let mut h = StringMap::new();
        h.insert("X-Carrier".into(), "a".into());
        assert!(validate_headers(&h).is_ok());
        h.insert("Contact".into(), "a".into());
        assert!(validate_headers(&h).unwrap_err().contains("not supported"));
        let mut h = StringMap::new();
        h.insert("X Bad".into(), "a".into());
        assert!(validate_headers(&h).is_err());
        let mut h = StringMap::new();
        h.insert("X-Long".into(), "a".repeat(1025));
        assert!(validate_headers(&h).is_err());
    }

    #[test]
    fn guid_shape() {
        let id = new_guid("ST_");
        assert_eq!(id.len(), 15);
        assert!(id[3..].bytes().all(|b| ID_ALPHABET.contains(&b)));
        assert_ne!(new_guid("ST_"), new_guid("ST_"));
    }

    #[test]
    fn strict_decoding_names_the_field() {
        let err = decode_json::<CreateSipOutboundTrunkRequest>(
            br#"{"trunk":{"adress":"x","numbers":["+1"]}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, "malformed");
        assert!(err.msg.contains("adress"), "{}", err.msg);
        assert!(err.meta["argument"].contains("trunk"), "{:?}", err.meta);
        // camelCase and null are accepted
        let ok = decode_json::<CreateSipOutboundTrunkRequest>(
            br#"{"trunk":{"authUsername":"u","media":null,"numbers":["+1"],"transport":2}}"#,
        )
        .unwrap();
        let t = ok.trunk.unwrap();
        assert_eq!(t.auth_username, "u");
        assert_eq!(t.transport, SipTransport::Tcp);
    }
}
