//! Carriers: the built-in table-rate carrier (standard or configured from
//! JSON), carriers implemented in C as a struct of callbacks, and the list
//! of registered carriers.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use omskit::shipping::{
    check_tracking_number, Carrier, Label, RateQuote, RateRequest, ServiceLevel, TableRateCarrier,
    TableRateConfig,
};
use omskit::{Currency, Decimal, Error};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::boundary::{from_json_doc, guard, out_string, text, to_json};
use crate::handle::{handle, Oms};
use crate::status::{c_string, Failure, Status};

/// Registers the built-in table-rate carrier under the name `table-rate`,
/// prices in `currency` (an ISO 4217 code such as `"USD"`, rounded to its
/// minor unit), replacing any carrier of that name:
///
/// | service (transit)  | zone (countries)      | ≤ 1 kg | ≤ 5 kg | ≤ 20 kg | ≤ 70 kg |
/// |--------------------|-----------------------|-------:|-------:|--------:|--------:|
/// | `ground` (5 days)  | `domestic` (`US`)     |   5.00 |   8.50 |   15.00 |   40.00 |
/// | `express` (1 day)  | `domestic` (`US`)     |  10.00 |  17.00 |   30.00 |   80.00 |
/// | `ground` (5 days)  | `international` (`*`) |  15.00 |  25.00 |   45.00 |  120.00 |
/// | `express` (1 day)  | `international` (`*`) |  30.00 |  50.00 |   90.00 |  240.00 |
///
/// The weight is the sum of the parcels' billable weights (the larger of
/// the actual weight and length × width × height / 5000); heavier than
/// 70 kg is not quoted. Delivery is promised after the transit days
/// (Monday to Friday) at 23:59:59 UTC.
///
/// Errors: `UNKNOWN_CURRENCY` for a code that is not in omskit's ISO 4217
/// table.
///
/// # Safety
/// `oms` is a live handle; `currency` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn omskit_register_standard_carrier(
    oms: *const Oms,
    currency: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, currency) = unsafe { (handle(oms)?, text(currency, "currency")?) };
        let currency = Currency::from_code(currency)?;
        h.oms.register_carrier(Arc::new(TableRateCarrier::standard(currency)));
        Ok(())
    })
}

/// Registers a table-rate carrier configured by `config_json`, replacing
/// any carrier of the same name:
///
/// ```json
/// {"name": "local-courier", "currency": "EUR",
///  "zones": [{"name": "home", "countries": ["DE", "AT"]},
///            {"name": "world", "countries": ["*"]}],
///  "services": [{"name": "next-day", "transit_days": 1}],
///  "rates": [{"service": "next-day", "zone": "home", "up_to_kg": "10", "price": "6.90"}],
///  "transit_days": [{"service": "next-day", "zone": "world", "days": 4}]}
/// ```
///
/// `"*"` among a zone's countries makes it the zone of every country no
/// zone lists; `transit_days` (per-zone overrides) may be left out.
///
/// Errors: `INVALID_ARGUMENT` when `config_json` is not JSON; `VALIDATION`
/// naming the field (`name`, `services[0].name`, `zones[1].countries[0]`,
/// `rates[2].price`, `transit_days[0].days`, `currency`...).
///
/// # Safety
/// `oms` is a live handle; `config_json` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn omskit_register_table_rate_carrier(
    oms: *const Oms,
    config_json: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, config) = unsafe { (handle(oms)?, text(config_json, "config_json")?) };
        let config: TableRateConfig = from_json_doc(config, "config_json")?;
        h.oms.register_carrier(Arc::new(TableRateCarrier::from_config(&config)?));
        Ok(())
    })
}

/// The names of the registered carriers, sorted, as a JSON array:
/// `["local-courier", "table-rate"]`.
///
/// # Safety
/// `oms` is a live handle; `out_json` is valid for writing a pointer. Free
/// the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_carriers(oms: *const Oms, out_json: *mut *mut c_char) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h) = unsafe { (out_string(out_json, "out_json")?, handle(oms)?) };
        *slot = to_json(&h.oms.carriers())?;
        Ok(())
    })
}

/// Quotes a shipment (see `omskit_carrier`). Returns an `omskit_status`
/// value.
pub type CarrierQuoteFn = Option<
    unsafe extern "C" fn(
        request_json: *const c_char,
        user_data: *mut c_void,
        out_json: *mut *mut c_char,
    ) -> i32,
>;

/// Buys a label (see `omskit_carrier`). Returns an `omskit_status` value.
pub type CarrierLabelFn = Option<
    unsafe extern "C" fn(
        request_json: *const c_char,
        service: *const c_char,
        user_data: *mut c_void,
        out_json: *mut *mut c_char,
    ) -> i32,
>;

/// Voids a label (see `omskit_carrier`). Returns an `omskit_status` value.
pub type CarrierVoidFn = Option<
    unsafe extern "C" fn(
        tracking_number: *const c_char,
        user_data: *mut c_void,
        out_error: *mut *mut c_char,
    ) -> i32,
>;

/// Releases a carrier's `user_data` (see `omskit_carrier`).
pub type CarrierFreeFn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// A shipping carrier implemented by the application (a real carrier's
/// API), for `omskit_register_carrier`. omskit calls it outside any storage
/// transaction, so a callback may block on the network.
///
/// Every callback returns an `omskit_status` value (declared `int32_t`, so
/// that any value is safe to return): `OMSKIT_STATUS_OK` on success.
///
/// **Documents.** `request_json` is what to quote or label:
///
/// ```json
/// {"origin": "WH-EAST",
///  "destination": {"name": "Ada Lovelace", "line1": "12 Analytical Row",
///                  "line2": null, "city": "Springfield", "region": "IL",
///                  "postal_code": "62701", "country": "US"},
///  "parcels": [{"weight_kg": "1.2", "length_cm": "30", "width_cm": "20",
///               "height_cm": "10"}],
///  "ship_at": "2026-01-05T14:30:00.123456Z"}
/// ```
///
/// `quote` answers with a JSON array of quotes, one per service that can
/// carry the parcels (`[]` when none can); `carrier` may be left out (omskit
/// sets it to the registered name):
///
/// ```json
/// [{"service": "overnight", "cost": "24.00", "currency": "USD",
///   "transit_days": 1, "promised_delivery": "2026-01-06T23:59:59Z"}]
/// ```
///
/// `create_label` buys a label for `service` and answers with it (the
/// tracking number must be new: it identifies the shipment from then on):
///
/// ```json
/// {"tracking_number": "1Z999AA10123456784", "label_reference": "lbl-77",
///  "cost": "24.00", "currency": "USD",
///  "promised_delivery": "2026-01-06T23:59:59Z"}
/// ```
///
/// `void_label` voids a label omskit bought but could not record (the
/// shipment failed to commit); its failure is not reported to the caller
/// of `omskit_ship`.
///
/// **Ownership.** The strings omskit passes in (`request_json`, `service`,
/// `tracking_number`) belong to omskit and are valid only during the call.
/// `*out_json` / `*out_error` is NULL on entry; a callback that answers
/// stores there a NUL-terminated UTF-8 string **allocated with `malloc`**
/// (`strdup`, for instance), which omskit frees with `free` once it has
/// read it, whatever the status. On success it is the answer above; on
/// failure it is optional and describes the error, either as plain text
/// (the message) or as a JSON object `{"message": "...", "field": "..."}`.
///
/// **Failures** become omskit errors of the function that called the
/// carrier (`omskit_quote_shipment`, `omskit_ship`, `omskit_ship_with`):
/// `OMSKIT_STATUS_VALIDATION` stays `VALIDATION` (field as given, else
/// `carrier`), `OMSKIT_STATUS_NOT_FOUND` becomes `NOT_FOUND` (entity
/// `carrier service` for `create_label`, `label` for `void_label`,
/// `carrier` for `quote`), `OMSKIT_STATUS_CONFLICT` stays `CONFLICT`,
/// `OMSKIT_STATUS_STORAGE` means a transient failure of the carrier's API
/// and stays `STORAGE` (retryable); any other value, and an answer that is
/// missing, not UTF-8 or not JSON of the shape above, becomes `STORAGE`
/// (not retryable) whose message names the carrier, the callback and the
/// status.
///
/// **Threads.** Callbacks may run on any thread that uses the handle, and
/// several at once; `user_data` must allow that. They may call omskit
/// functions on the same handle (but not free it). They must return
/// normally: no `longjmp`, and no C++ exception may leave them.
///
/// **Lifetime.** On success, `omskit_register_carrier` takes `user_data`:
/// `free_user_data` (when not NULL) is called with it exactly once, when
/// omskit no longer uses the carrier: when the handle is freed, or after
/// another carrier is registered under the same name and the calls still
/// using this one have returned. It must not call omskit functions on the
/// handle. On failure nothing is taken: `user_data` is still the caller's.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CarrierCallbacks {
    /// The carrier's name, as quotes, shipments and `omskit_ship` name it:
    /// 1 to 128 characters, no whitespace. Copied.
    pub name: *const c_char,
    /// Passed to every callback, and to `free_user_data`.
    pub user_data: *mut c_void,
    /// Quotes the shipment in `request_json`; required.
    pub quote: CarrierQuoteFn,
    /// Buys a label for `service`; required.
    pub create_label: CarrierLabelFn,
    /// Voids the label of `tracking_number`; required.
    pub void_label: CarrierVoidFn,
    /// Releases `user_data`; may be NULL.
    pub free_user_data: CarrierFreeFn,
    /// The services the carrier sells, as a JSON array of
    /// `{"name": "ground", "transit_days": 5}`; may be NULL (none listed).
    /// Copied. With it, shipping by a listed service the carrier does not
    /// quote for a shipment is `VALIDATION` (field `service`) rather than
    /// `NOT_FOUND`. Last, so initializers written without it stay valid.
    pub services_json: *const c_char,
}

/// Registers a carrier implemented by the application (see
/// `omskit_carrier` for the callbacks' contract), replacing any carrier of
/// the same name. The struct is copied; on success omskit owns `user_data`
/// until it calls `free_user_data`.
///
/// ```c
/// static int32_t quote(const char *request_json, void *user, char **out_json) {
///     *out_json = strdup("[{\"service\": \"overnight\", \"cost\": \"24.00\","
///                        " \"currency\": \"USD\", \"transit_days\": 1,"
///                        " \"promised_delivery\": \"2026-01-06T23:59:59Z\"}]");
///     return *out_json ? OMSKIT_STATUS_OK : OMSKIT_STATUS_STORAGE;
/// }
/// ...
/// omskit_carrier carrier = {"acme", &acme_client, quote, create_label, void_label, NULL,
///                           "[{\"name\": \"overnight\", \"transit_days\": 1}]"};
/// omskit_status st = omskit_register_carrier(oms, &carrier);
/// ```
///
/// Errors: `INVALID_ARGUMENT` when `carrier`, `carrier->name` or one of the
/// three required callbacks is NULL (field `carrier.name`,
/// `carrier.quote`...) or the name is not UTF-8; `VALIDATION` (field
/// `carrier.name`) for an empty name, one longer than 128 characters or
/// with whitespace.
///
/// # Safety
/// `oms` is a live handle; `carrier` points to an `omskit_carrier` whose
/// `name` is NUL-terminated and whose callbacks honour its contract with
/// its `user_data`.
#[no_mangle]
pub unsafe extern "C" fn omskit_register_carrier(
    oms: *const Oms,
    carrier: *const CarrierCallbacks,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let h = unsafe { handle(oms) }?;
        // SAFETY: the caller promises a valid struct when not NULL.
        let callbacks = unsafe { carrier.as_ref() }.ok_or_else(|| Failure::null("carrier"))?;
        // SAFETY: the caller's promise.
        let name = unsafe { text(callbacks.name, "carrier.name") }?;
        check_name(name)?;
        let quote = callbacks.quote.ok_or_else(|| Failure::null("carrier.quote"))?;
        let create_label =
            callbacks.create_label.ok_or_else(|| Failure::null("carrier.create_label"))?;
        let void_label = callbacks.void_label.ok_or_else(|| Failure::null("carrier.void_label"))?;
        let services = if callbacks.services_json.is_null() {
            Vec::new()
        } else {
            // SAFETY: the caller promises a NUL-terminated string when not NULL.
            let json = unsafe { text(callbacks.services_json, "carrier.services_json") }?;
            parse_services(json)?
        };
        h.oms.register_carrier(Arc::new(CCarrier {
            name: name.to_owned(),
            services,
            user_data: UserData(callbacks.user_data),
            quote,
            create_label,
            void_label,
            free_user_data: callbacks.free_user_data,
        }));
        Ok(())
    })
}

/// The longest carrier name, as the core's identifiers.
const MAX_NAME_CHARS: usize = 128;

fn check_name(name: &str) -> Result<(), Failure> {
    let problem = if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!("at most {MAX_NAME_CHARS} characters"))
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("must not contain spaces or control characters".to_owned())
    } else {
        None
    };
    match problem {
        Some(message) => Err(Error::validation("carrier.name", message).into()),
        None => Ok(()),
    }
}

/// The caller's pointer, handed back to the callbacks on any thread.
struct UserData(*mut c_void);

// SAFETY: omskit never dereferences the pointer; `omskit_carrier`'s contract
// makes the application responsible for using it from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// A carrier whose work is done by C callbacks.
struct CCarrier {
    name: String,
    services: Vec<ServiceLevel>,
    user_data: UserData,
    quote: unsafe extern "C" fn(*const c_char, *mut c_void, *mut *mut c_char) -> i32,
    create_label:
        unsafe extern "C" fn(*const c_char, *const c_char, *mut c_void, *mut *mut c_char) -> i32,
    void_label: unsafe extern "C" fn(*const c_char, *mut c_void, *mut *mut c_char) -> i32,
    free_user_data: CarrierFreeFn,
}

impl Drop for CCarrier {
    fn drop(&mut self) {
        if let Some(free) = self.free_user_data {
            // SAFETY: `omskit_register_carrier`'s caller promised a function
            // that releases this user data, called once, here.
            unsafe { free(self.user_data.0) }
        }
    }
}

extern "C" {
    /// The C library's `free`, for the answers callbacks allocate with `malloc`.
    fn free(ptr: *mut c_void);
}

/// What a callback answered: its status and the text it allocated, if any.
struct Answer {
    code: i32,
    text: Result<Option<String>, String>,
}

/// Calls a callback with a fresh out-slot, takes the text it stored there
/// (freeing it) and returns both.
fn call(invoke: impl FnOnce(*mut *mut c_char) -> i32) -> Answer {
    let mut slot: *mut c_char = std::ptr::null_mut();
    let code = invoke(&mut slot);
    let text = if slot.is_null() {
        Ok(None)
    } else {
        // SAFETY: the callback's contract: a NUL-terminated string from
        // `malloc`, now ours; it is read, then freed once.
        let owned = unsafe { CStr::from_ptr(slot) }
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|e| format!("not valid UTF-8 ({e})"));
        // SAFETY: as above.
        unsafe { free(slot.cast()) };
        owned
    };
    Answer { code, text }
}

/// A callback's error description: plain text, or `{"message", "field"}`.
#[derive(Deserialize)]
struct Described {
    message: Option<String>,
    field: Option<String>,
}

impl CCarrier {
    /// The error a failed callback stands for. `not_found` gives the entity
    /// and id of a `NOT_FOUND`.
    fn failure(&self, what: &str, answer: Answer, not_found: (&'static str, String)) -> Error {
        let described = match &answer.text {
            Ok(Some(text)) => match serde_json::from_str::<Described>(text) {
                Ok(d) => d,
                Err(_) => Described { message: Some(text.clone()), field: None },
            },
            _ => Described { message: None, field: None },
        };
        let message =
            described.message.unwrap_or_else(|| format!("carrier {} failed to {what}", self.name));
        match answer.code {
            c if c == Status::NotFound as i32 => Error::not_found(not_found.0, not_found.1),
            c if c == Status::Validation as i32 => {
                Error::validation(described.field.unwrap_or_else(|| "carrier".to_owned()), message)
            }
            c if c == Status::Conflict as i32 => {
                Error::conflict(described.field.as_deref(), message)
            }
            c if c == Status::Storage as i32 => Error::Storage {
                message: format!("carrier {}: {what}: {message}", self.name),
                retryable: true,
            },
            code => {
                // SAFETY: `omskit_status_name` returns a static NUL-terminated string.
                let status = unsafe { CStr::from_ptr(crate::status::omskit_status_name(code)) };
                Error::storage(format!(
                    "carrier {}: {what} failed with status {code} ({}): {message}",
                    self.name,
                    status.to_string_lossy()
                ))
            }
        }
    }

    /// The document a successful callback answered.
    fn document<T: DeserializeOwned>(&self, what: &str, answer: Answer) -> Result<T, Error> {
        let bad = |why: String| {
            Error::storage(format!("carrier {} answered {what} with {why}", self.name))
        };
        let text = answer.text.map_err(bad)?.ok_or_else(|| bad("nothing".to_owned()))?;
        let mut de = serde_json::Deserializer::from_str(&text);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| bad(format!("JSON of the wrong shape at {}: {}", e.path(), e.inner())))?;
        de.end().map_err(|e| bad(format!("text that is not JSON: {e}")))?;
        Ok(value)
    }
}

/// A quote as a callback writes it: `carrier`, if there, is ignored (as
/// any other field omskit does not know).
#[derive(Deserialize)]
struct QuoteJson {
    service: String,
    cost: Decimal,
    currency: Currency,
    transit_days: u32,
    promised_delivery: Value,
}

impl Carrier for CCarrier {
    fn name(&self) -> &str {
        &self.name
    }

    /// As given in `services_json` at registration.
    fn services(&self) -> Vec<ServiceLevel> {
        self.services.clone()
    }

    fn quote(&self, request: &RateRequest) -> omskit::Result<Vec<RateQuote>> {
        let request = c_string(&serde_json::to_string(request).map_err(Error::storage)?);
        let answer = call(|slot| {
            // SAFETY: the registration's promise: a quote callback for this user data.
            unsafe { (self.quote)(request.as_ptr(), self.user_data.0, slot) }
        });
        if answer.code != Status::Ok as i32 {
            return Err(self.failure("quote", answer, ("carrier", self.name.clone())));
        }
        let quotes: Vec<QuoteJson> = self.document("quote", answer)?;
        quotes
            .into_iter()
            .enumerate()
            .map(|(i, q)| {
                let promised_delivery =
                    serde_json::from_value(q.promised_delivery).map_err(|e| {
                        Error::storage(format!(
                            "carrier {} answered quote with a bad [{i}].promised_delivery: {e}",
                            self.name
                        ))
                    })?;
                Ok(RateQuote {
                    carrier: self.name.clone(),
                    service: q.service,
                    cost: q.cost,
                    currency: q.currency,
                    transit_days: q.transit_days,
                    promised_delivery,
                })
            })
            .collect()
    }

    fn create_label(&self, request: &RateRequest, service: &str) -> omskit::Result<Label> {
        let request = c_string(&serde_json::to_string(request).map_err(Error::storage)?);
        let service_c = c_string(service);
        let answer = call(|slot| {
            // SAFETY: the registration's promise: a label callback for this user data.
            unsafe {
                (self.create_label)(request.as_ptr(), service_c.as_ptr(), self.user_data.0, slot)
            }
        });
        if answer.code != Status::Ok as i32 {
            let id = format!("{}/{service}", self.name);
            return Err(self.failure("create a label", answer, ("carrier service", id)));
        }
        let label: Label = self.document("create_label", answer)?;
        if let Err(e) = check_tracking_number(&label.tracking_number) {
            // The label was bought but cannot be shipped under: give it back.
            let _ = self.void_label(&label.tracking_number);
            return Err(Error::storage(format!(
                "carrier {} answered create_label with an unusable tracking number {:?}: {e}",
                self.name, label.tracking_number
            )));
        }
        Ok(label)
    }

    fn void_label(&self, tracking_number: &str) -> omskit::Result<()> {
        let number = c_string(tracking_number);
        let answer = call(|slot| {
            // SAFETY: the registration's promise: a void callback for this user data.
            unsafe { (self.void_label)(number.as_ptr(), self.user_data.0, slot) }
        });
        if answer.code != Status::Ok as i32 {
            return Err(self.failure(
                "void a label",
                answer,
                ("label", tracking_number.to_owned()),
            ));
        }
        Ok(())
    }
}

/// The services of `services_json`: a JSON array of service levels with
/// distinct, non-empty names.
fn parse_services(json: &str) -> Result<Vec<ServiceLevel>, Failure> {
    const FIELD: &str = "carrier.services_json";
    let services: Vec<ServiceLevel> = serde_json::from_str(json).map_err(|e| {
        Failure::from(Error::validation(FIELD, format!("not a list of services: {e}")))
    })?;
    for (i, service) in services.iter().enumerate() {
        if service.name.trim().is_empty() {
            return Err(Error::validation(format!("{FIELD}[{i}].name"), "must not be empty").into());
        }
        if services[..i].iter().any(|s| s.name == service.name) {
            return Err(Error::validation(
                format!("{FIELD}[{i}].name"),
                format!("service {:?} is listed twice", service.name),
            )
            .into());
        }
    }
    Ok(services)
}
