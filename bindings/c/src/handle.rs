//! The engine handle: opening, connecting, hold rules, freeing.

use std::collections::HashMap;
use std::ffi::c_char;
use std::sync::Mutex;
use std::time::Duration;

use omskit::postgres::PgOptions as CorePgOptions;
use omskit::sqlite::{SqliteOptions as CoreSqliteOptions, Synchronous as CoreSynchronous};
use omskit::{Currency, Decimal, HoldRule, HoldRules, Money, SubscriptionId};
use serde::Deserialize;

use crate::boundary::{from_json, guard, opt_text, out, text};
use crate::status::{Failure, Status};

/// An order-management engine over one store. Opaque: create it with
/// `omskit_oms_in_memory`, `omskit_oms_open`, `omskit_oms_open_with`,
/// `omskit_oms_connect` or `omskit_oms_connect_with`; free it with
/// `omskit_oms_free`.
///
/// One handle may be used from several threads at once: every function
/// that takes a `const omskit_oms *` is thread-safe. Functions that take a
/// non-const `omskit_oms *` (`omskit_oms_set_hold_rules`, `omskit_oms_free`)
/// need the handle to themselves.
pub struct Oms {
    pub(crate) oms: omskit::Oms,
    /// Subscriptions by the number handed to C.
    pub(crate) subscriptions: Mutex<Subscriptions>,
}

/// The subscriptions of a handle.
#[derive(Default)]
pub(crate) struct Subscriptions {
    pub(crate) next: u64,
    pub(crate) active: HashMap<u64, SubscriptionId>,
}

// The handle is shared between threads through `const omskit_oms *`.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Oms>();
};

impl Oms {
    fn boxed(oms: omskit::Oms) -> *mut Oms {
        Box::into_raw(Box::new(Oms { oms, subscriptions: Mutex::new(Subscriptions::default()) }))
    }
}

/// The handle behind a pointer, for a call that shares it.
///
/// # Safety
/// `ptr` is NULL or a live handle from one of the `omskit_oms_*` constructors.
pub(crate) unsafe fn handle<'a>(ptr: *const Oms) -> Result<&'a Oms, Failure> {
    // SAFETY: the caller promises a live handle when it is not NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null("oms"))
}

/// How hard SQLite works to make a commit survive a crash
/// (`omskit_sqlite_options.synchronous`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Every commit survives a power loss (SQLite `synchronous=FULL`); the default.
    Full = 0,
    /// Commits survive an application crash; the last ones may be lost on
    /// power loss (SQLite `synchronous=NORMAL`). Faster.
    Normal = 1,
}

/// Options for `omskit_oms_open_with`. A zeroed struct means the defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SqliteOptions {
    /// An `omskit_synchronous` value; 0 (`OMSKIT_SYNCHRONOUS_FULL`) by default.
    pub synchronous: u32,
    /// How long a writer waits for another process's write lock, in
    /// milliseconds; 0 means the default of 5000.
    pub busy_timeout_ms: u32,
}

/// Options for `omskit_oms_connect_with`. A zeroed struct means the defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PgOptions {
    /// The PostgreSQL schema to keep omskit's tables in (created if
    /// missing), or NULL for the connection's default search path.
    pub schema: *const c_char,
    /// Most connections open at once; 0 means the default of 16.
    pub pool_size: u32,
}

/// Creates an engine over a fresh in-memory store: fast, and gone when the
/// handle is freed.
///
/// # Safety
/// `out_oms` is valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_in_memory(out_oms: *mut *mut Oms) -> Status {
    guard(|| {
        // SAFETY: the caller's promise.
        let slot = unsafe { out(out_oms, "out_oms") }?;
        *slot = std::ptr::null_mut();
        *slot = Oms::boxed(omskit::Oms::in_memory());
        Ok(())
    })
}

/// Opens (creating it if missing) the SQLite database file at `path`, with
/// `synchronous=FULL`: every commit survives a power loss.
///
/// Errors: `STORAGE` when the file cannot be opened; `UNSUPPORTED_SCHEMA`
/// when a newer omskit wrote it.
///
/// # Safety
/// `path` is a NUL-terminated string; `out_oms` is valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_open(path: *const c_char, out_oms: *mut *mut Oms) -> Status {
    // SAFETY: the caller's promises.
    unsafe { omskit_oms_open_with(path, std::ptr::null(), out_oms) }
}

/// Opens the SQLite database file at `path` with `options` (NULL: the
/// defaults, as `omskit_oms_open`).
///
/// ```c
/// omskit_sqlite_options options = {0};
/// options.synchronous = OMSKIT_SYNCHRONOUS_NORMAL;
/// omskit_oms *oms = NULL;
/// omskit_status st = omskit_oms_open_with("shop.db", &options, &oms);
/// ```
///
/// # Safety
/// `path` is a NUL-terminated string; `options` is NULL or points to an
/// `omskit_sqlite_options`; `out_oms` is valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_open_with(
    path: *const c_char,
    options: *const SqliteOptions,
    out_oms: *mut *mut Oms,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let slot = unsafe { out(out_oms, "out_oms") }?;
        *slot = std::ptr::null_mut();
        // SAFETY: the caller's promise.
        let path = unsafe { text(path, "path") }?;
        let mut core = CoreSqliteOptions::default();
        // SAFETY: the caller promises a valid struct when not NULL.
        if let Some(options) = unsafe { options.as_ref() } {
            core.synchronous = match options.synchronous {
                0 => CoreSynchronous::Full,
                1 => CoreSynchronous::Normal,
                other => {
                    return Err(Failure::invalid_argument(
                        "options.synchronous",
                        format_args!("{other} is not an omskit_synchronous value"),
                    ))
                }
            };
            if options.busy_timeout_ms != 0 {
                core.busy_timeout = Duration::from_millis(u64::from(options.busy_timeout_ms));
            }
        }
        *slot = Oms::boxed(omskit::Oms::open_with(path, core)?);
        Ok(())
    })
}

/// Connects to the PostgreSQL database at `url`
/// (`postgresql://user@host:port/db`) and brings its schema up to date.
///
/// Errors: `VALIDATION` (field `url`) for a malformed URL; `STORAGE` when
/// the server cannot be reached; `UNSUPPORTED_SCHEMA` when a newer omskit
/// wrote the schema.
///
/// # Safety
/// `url` is a NUL-terminated string; `out_oms` is valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_connect(url: *const c_char, out_oms: *mut *mut Oms) -> Status {
    // SAFETY: the caller's promises.
    unsafe { omskit_oms_connect_with(url, std::ptr::null(), out_oms) }
}

/// Connects to PostgreSQL with `options` (NULL: the defaults, as
/// `omskit_oms_connect`).
///
/// # Safety
/// `url` is a NUL-terminated string; `options` is NULL or points to an
/// `omskit_pg_options` whose `schema` is NULL or a NUL-terminated string;
/// `out_oms` is valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_connect_with(
    url: *const c_char,
    options: *const PgOptions,
    out_oms: *mut *mut Oms,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let slot = unsafe { out(out_oms, "out_oms") }?;
        *slot = std::ptr::null_mut();
        // SAFETY: the caller's promise.
        let url = unsafe { text(url, "url") }?;
        let mut core = CorePgOptions::default();
        // SAFETY: the caller promises a valid struct when not NULL.
        if let Some(options) = unsafe { options.as_ref() } {
            // SAFETY: the caller's promise.
            core.schema = unsafe { opt_text(options.schema, "options.schema") }?.map(str::to_owned);
            if options.pool_size != 0 {
                core.pool_size = options.pool_size as usize;
            }
        }
        *slot = Oms::boxed(omskit::Oms::connect_with(url, core)?);
        Ok(())
    })
}

/// One hold rule as JSON, named as the hold it places records it.
#[derive(Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
enum RuleJson {
    GrandTotalAbove { amount: Decimal, currency: Currency },
    LineQuantityAbove { quantity: u32 },
}

/// Replaces the hold rules checked on every new or edited order; an order
/// that matches a rule is placed `on_hold` (still reserved) until
/// `omskit_release_hold`. `rules_json` is an array, empty for no rules:
///
/// ```json
/// [{"rule": "grand_total_above", "amount": "500.00", "currency": "USD"},
///  {"rule": "line_quantity_above", "quantity": 10}]
/// ```
///
/// Call it right after opening, before the handle is shared between
/// threads: it needs the handle to itself.
///
/// # Safety
/// `oms` is a live handle that no other thread uses during the call;
/// `rules_json` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_set_hold_rules(
    oms: *mut Oms,
    rules_json: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller promises a live handle used by no one else.
        let handle = unsafe { oms.as_mut() }.ok_or_else(|| Failure::null("oms"))?;
        // SAFETY: the caller's promise.
        let rules: Vec<RuleJson> =
            from_json(unsafe { text(rules_json, "rules_json") }?, "rules_json")?;
        let rules = rules.into_iter().fold(HoldRules::new(), |rules, rule| {
            rules.with(match rule {
                RuleJson::GrandTotalAbove { amount, currency } => {
                    HoldRule::GrandTotalAbove(Money::new(amount, currency))
                }
                RuleJson::LineQuantityAbove { quantity } => HoldRule::LineQuantityAbove(quantity),
            })
        });
        let engine = std::mem::replace(&mut handle.oms, omskit::Oms::in_memory());
        handle.oms = engine.with_hold_rules(rules);
        Ok(())
    })
}

/// Closes the store and frees the handle. `omskit_oms_free(NULL)` does
/// nothing. Subscriptions end with it.
///
/// # Safety
/// `oms` is NULL or a live handle that no other thread uses any more; it
/// must not be used after this call.
#[no_mangle]
pub unsafe extern "C" fn omskit_oms_free(oms: *mut Oms) {
    if oms.is_null() {
        return;
    }
    // SAFETY: the caller hands back a handle from `Oms::boxed`, once.
    let boxed = unsafe { Box::from_raw(oms) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(boxed)));
}
