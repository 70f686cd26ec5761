//! A small connection pool: connections are opened on demand up to a limit,
//! reused, and dropped when broken.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use futures_util::future::join_all;
use omskit_core::{Error, Result};
use tokio::runtime::{self, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::codec::db;

/// Settings for connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Most connections open at once; callers beyond it wait. 16 by default.
    pub pool_size: usize,
    /// A schema to keep omskit's tables in (created if missing); `None`
    /// uses the connection's default search path.
    pub schema: Option<String>,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions { pool_size: 16, schema: None }
    }
}

/// One pooled connection: an asynchronous `tokio_postgres` client driven by
/// its own single-threaded runtime (as the blocking `postgres` crate does
/// internally), so that one call can send several requests before it waits
/// for the answers ([`Conn::pipeline`]); and its prepared statements.
pub(crate) struct Conn {
    runtime: Runtime,
    client: Client,
    /// By SQL text.
    statements: HashMap<String, Statement>,
    /// Statements that write pending rows, by shape (see `tx::pending`):
    /// a key much shorter than their text.
    flushes: HashMap<u8, Statement>,
}

/// A request of a [`Conn::pipeline`].
pub(crate) enum Request<'a> {
    /// A command in the simple protocol (`BEGIN`, `COMMIT`, a script).
    Command(&'a str),
    /// A prepared statement whose answer is its rows.
    Query(&'a Statement, &'a [&'a (dyn ToSql + Sync)]),
    /// A prepared statement whose answer is the number of rows it changed.
    Execute(&'a Statement, &'a [&'a (dyn ToSql + Sync)]),
}

/// The answer to a [`Request`] (a command's is `Done`).
pub(crate) enum Answer {
    Done,
    Rows(Vec<Row>),
    Changed(u64),
}

impl Answer {
    /// A query's rows (none for another request).
    pub(crate) fn rows(self) -> Vec<Row> {
        match self {
            Answer::Rows(rows) => rows,
            Answer::Done | Answer::Changed(_) => Vec::new(),
        }
    }

    /// How many rows a statement changed (0 for another request).
    pub(crate) fn changed(self) -> u64 {
        match self {
            Answer::Changed(n) => n,
            Answer::Done | Answer::Rows(_) => 0,
        }
    }
}

impl Conn {
    fn connect(config: &Config) -> Result<Conn> {
        let runtime =
            runtime::Builder::new_current_thread().enable_all().build().map_err(Error::storage)?;
        let (client, connection) = runtime.block_on(config.connect(NoTls)).map_err(db)?;
        // Runs while the runtime does, that is during each `block_on`: all
        // the client does happens there. A lost connection ends it, and
        // the client's requests then fail.
        runtime.spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn { runtime, client, statements: HashMap::new(), flushes: HashMap::new() })
    }

    /// The prepared statement for `sql`, prepared once per connection.
    pub(crate) fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.runtime.block_on(self.client.prepare(sql)).map_err(db)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// The prepared statement of the flushes of this `shape`, whose text
    /// `sql` gives, prepared once per connection.
    pub(crate) fn flush_statement(
        &mut self,
        shape: u8,
        sql: fn(u8) -> String,
    ) -> Result<Statement> {
        if let Some(statement) = self.flushes.get(&shape) {
            return Ok(statement.clone());
        }
        let statement = self.runtime.block_on(self.client.prepare(&sql(shape))).map_err(db)?;
        self.flushes.insert(shape, statement.clone());
        Ok(statement)
    }

    /// Runs a command (or several, `;`-separated) in the simple protocol;
    /// the error is the driver's, for callers that tell server errors apart.
    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.runtime.block_on(self.client.batch_execute(sql))
    }

    /// Runs `sql` (prepared once per connection) and returns its rows.
    pub(crate) fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        let answers = self.pipeline(&[Request::Query(&statement, params)])?;
        Ok(answers.into_iter().next().map_or_else(Vec::new, Answer::rows))
    }

    /// Sends every request before waiting for any answer: one round trip
    /// for all, which the server runs in order, each one after the previous
    /// one has finished. Returns their answers, or the first error; an error
    /// in a transaction makes the server refuse what follows (and answer
    /// `COMMIT` with a rollback), so later requests never run without
    /// earlier ones.
    pub(crate) fn pipeline(&mut self, requests: &[Request<'_>]) -> Result<Vec<Answer>> {
        let client = &self.client;
        // A request is sent the first time its future is polled, and
        // `join_all` polls them in order: the server gets them in order.
        let answers = requests.iter().map(|request| async move {
            match request {
                Request::Command(sql) => client.batch_execute(sql).await.map(|()| Answer::Done),
                Request::Query(statement, params) => {
                    client.query(*statement, params).await.map(Answer::Rows)
                }
                Request::Execute(statement, params) => {
                    client.execute(*statement, params).await.map(Answer::Changed)
                }
            }
        });
        let answers = self.runtime.block_on(join_all(answers));
        answers.into_iter().map(|answer| answer.map_err(db)).collect()
    }

    /// Whether the connection is known to be lost.
    pub(crate) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

pub(crate) struct Pool {
    config: Config,
    options: PgOptions,
    idle: Mutex<(Vec<Conn>, usize)>,
    freed: Condvar,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("options", &self.options).finish_non_exhaustive()
    }
}

impl Pool {
    pub(crate) fn new(url: &str, options: PgOptions) -> Result<Pool> {
        let mut config: Config = url.parse().map_err(crate::bad_url)?;
        if let Some(schema) = &options.schema {
            let valid = !schema.is_empty()
                && schema.len() <= 63
                && schema
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(Error::validation("schema", "1 to 63 of a-z, 0-9 and _"));
            }
            config.options(format!("-c search_path={schema}"));
        }
        if options.pool_size == 0 {
            return Err(Error::validation("pool_size", "must be at least 1"));
        }
        let pool =
            Pool { config, options, idle: Mutex::new((Vec::new(), 0)), freed: Condvar::new() };
        if let Some(schema) = &pool.options.schema {
            let mut conn = pool.get()?;
            conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).map_err(db)?;
            pool.put(conn);
        }
        Ok(pool)
    }

    /// A connection: an idle one, a new one while under the limit, or the
    /// next one given back.
    pub(crate) fn get(&self) -> Result<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = idle.0.pop() {
                return Ok(conn);
            }
            if idle.1 < self.options.pool_size {
                idle.1 += 1;
                drop(idle);
                return self.open().inspect_err(|_| self.forget());
            }
            idle = self.freed.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn open(&self) -> Result<Conn> {
        Conn::connect(&self.config)
    }

    /// Gives a connection back; a broken one is dropped.
    pub(crate) fn put(&self, conn: Conn) {
        if conn.is_closed() {
            self.forget();
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.0.push(conn);
        self.freed.notify_one();
    }

    /// Counts a connection as gone (broken or never opened).
    pub(crate) fn forget(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.1 -= 1;
        self.freed.notify_one();
    }
}
