//! Crash safety of the SQLite store: a process killed with SIGKILL in the
//! middle of its writes loses nothing it was told was committed and leaves
//! nothing half-written.
//!
//! The test re-executes its own binary as the writer: `crash_child` does
//! nothing unless `OMSKIT_CRASH_CHILD` names a database file, in which case it
//! writes to that file until it is killed, printing a line to stdout after
//! every use case that returned `Ok`. The parent kills it at a random moment,
//! reopens the file and checks what is there against what the child reported.
//! The harness is `omskit_testkit::crash`; this file says where the file is.

use std::ffi::OsString;
use std::path::PathBuf;

use omskit_core::Oms;
use omskit_sqlite::SqliteStore;
use omskit_testkit::crash::{self, CrashTarget};
use omskit_testkit::fixtures::TempDir;

/// Names the database file the child writes to; absent in a normal test run.
const CHILD_ENV: &str = "OMSKIT_CRASH_CHILD";

/// Not a test of its own: the writer process of
/// [`sigkill_never_loses_a_reported_order_nor_leaves_a_partial_one`]. Without
/// `OMSKIT_CRASH_CHILD` it returns at once.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    // synchronous=FULL, the default.
    crash::run_child("open", || SqliteStore::open(&path));
}

/// One database file in a directory of its own (removed at the end).
struct File {
    _dir: TempDir,
    path: PathBuf,
}

impl CrashTarget for File {
    type Store = SqliteStore;
    const HOLDER: &'static str = "file";

    fn child_env(&self) -> Vec<(&'static str, OsString)> {
        vec![(CHILD_ENV, self.path.clone().into_os_string())]
    }

    fn open(&self) -> Oms<SqliteStore> {
        Oms::new(SqliteStore::open(&self.path).expect("open the database"))
    }
}

/// A writer process SIGKILLed at a random moment (25 times, 5 to 80 ms into
/// its writes, on one file) never loses an order it was told was committed
/// (nor a reported cancel or edit), and never leaves a partial one behind:
/// after every kill the file opens, every order is whole (lines, consistent
/// totals, reservations covering its open units), each order has exactly
/// one `OrderPlaced` event, the invariants hold and the audit chain
/// verifies. Orders committed but killed before they were reported are
/// counted (at most the one call in flight per kill).
#[test]
fn sigkill_never_loses_a_reported_order_nor_leaves_a_partial_one() {
    crash::run(|| {
        let dir = TempDir::new("crash");
        let path = dir.join("shop.db");
        File { _dir: dir, path }
    });
}
