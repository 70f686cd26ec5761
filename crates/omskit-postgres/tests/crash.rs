//! Crash safety of the PostgreSQL store: a client process killed with
//! SIGKILL in the middle of its transactions loses nothing it was told was
//! committed and leaves nothing half-written (the server aborts the killed
//! client's open transaction).
//!
//! The test re-executes its own binary as the client: `crash_child` does
//! nothing unless `OMSKIT_PG_CRASH_CHILD` names a schema, in which case it
//! writes to that schema until it is killed, printing a line to stdout after
//! every use case that returned `Ok`. The parent kills it at a random moment,
//! waits until the server has ended the child's sessions, connects afresh and
//! checks what is there against what the child reported. The harness is
//! `omskit_testkit::crash`; this file says where the schema is and waits for
//! the killed sessions to end.

use std::ffi::OsString;
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::Oms;
use omskit_postgres::{PgOptions, PgStore};
use omskit_testkit::crash::{self, CrashTarget, ROUNDS};
use omskit_testkit::fixtures::pg_test_url;

/// Names the schema the child writes to; absent in a normal test run.
const CHILD_ENV: &str = "OMSKIT_PG_CRASH_CHILD";
/// The child's connection URL (the server's, with an application name).
const URL_ENV: &str = "OMSKIT_PG_CRASH_URL";

/// Not a test of its own: the client process of
/// [`sigkill_never_loses_a_reported_order_nor_leaves_a_partial_one`]. Without
/// `OMSKIT_PG_CRASH_CHILD` it returns at once.
#[test]
fn crash_child() {
    let Some(schema) = std::env::var(CHILD_ENV).ok() else { return };
    let url = std::env::var(URL_ENV).expect("the parent passes the URL");
    let options = PgOptions { pool_size: 2, schema: Some(schema) };
    crash::run_child("connect", || PgStore::connect_with(&url, options));
}

/// `url` with `application_name` set, so the test can find the sessions it opened.
fn with_application_name(url: &str, name: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}application_name={name}")
}

/// Waits until the server has no session named `name` left (the killed
/// child's backend has noticed the closed socket and aborted its
/// transaction); returns how long that took.
fn wait_for_sessions_to_end(admin: &mut postgres::Client, name: &str) -> Duration {
    let started = Instant::now();
    loop {
        let row = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .expect("query pg_stat_activity");
        if row.get::<_, i64>(0) == 0 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the killed child's sessions are still on the server after 30 s"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// One schema of the test server, the child's sessions named so that the
/// parent can wait for the server to end them after each kill.
struct Schema {
    server_url: String,
    schema: String,
    /// The `application_name` of the child's sessions.
    app: String,
    child_url: String,
    admin: postgres::Client,
    /// How long the server took to end the killed sessions, over all rounds.
    session_ends: Duration,
}

impl CrashTarget for Schema {
    type Store = PgStore;
    const HOLDER: &'static str = "schema";

    fn child_env(&self) -> Vec<(&'static str, OsString)> {
        vec![(CHILD_ENV, self.schema.clone().into()), (URL_ENV, self.child_url.clone().into())]
    }

    fn open(&self) -> Oms<PgStore> {
        let options = PgOptions { pool_size: 2, schema: Some(self.schema.clone()) };
        Oms::new(PgStore::connect_with(&self.server_url, options).expect("connect after SIGKILL"))
    }

    fn after_kill(&mut self) -> String {
        let session_end = wait_for_sessions_to_end(&mut self.admin, &self.app);
        self.session_ends += session_end;
        format!(", session gone {session_end:?} later")
    }

    fn summary_note(&self) -> String {
        format!(
            ", sessions ended {:?} after the kill on average",
            self.session_ends / ROUNDS as u32
        )
    }
}

/// A client process SIGKILLed at a random moment (25 times, 5 to 80 ms into
/// its writes, on one schema) never loses an order it was told was
/// committed (nor a reported cancel or edit), and never leaves a partial one
/// behind: once the server has ended the killed session, a fresh
/// `PgStore::connect_with` to the schema sees every reported order whole
/// (lines, consistent totals, reservations covering its open units), each
/// order has exactly one `OrderPlaced` event, the invariants hold and the
/// audit chain verifies over the whole log. Orders committed but killed
/// before they were reported are counted (at most the call in flight).
#[test]
fn sigkill_never_loses_a_reported_order_nor_leaves_a_partial_one() {
    let Some(server_url) = pg_test_url() else { return };
    let mut target = crash::run(|| {
        let pid = std::process::id();
        let app = format!("omskit_crash_child_{pid}");
        Schema {
            schema: format!("crash_{pid}"),
            child_url: with_application_name(&server_url, &app),
            app,
            admin: postgres::Client::connect(&server_url, postgres::NoTls)
                .expect("admin connection"),
            server_url,
            session_ends: Duration::ZERO,
        }
    });
    let drop_schema = format!("DROP SCHEMA {} CASCADE", target.schema);
    target.admin.batch_execute(&drop_schema).expect("drop the schema");
}
