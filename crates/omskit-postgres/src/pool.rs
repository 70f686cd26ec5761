//! A small connection pool: connections are opened on demand up to a limit,
//! reused, and dropped when broken.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use omskit_core::{Error, Result};
use postgres::{Client, Config, NoTls, Statement};

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

/// One pooled connection with its prepared statements.
pub(crate) struct Conn {
    pub(crate) client: Client,
    /// By SQL text.
    statements: HashMap<String, Statement>,
}

impl Conn {
    /// The prepared statement for `sql`, prepared once per connection.
    pub(crate) fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(db)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
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
            config.options(&format!("-c search_path={schema}"));
        }
        if options.pool_size == 0 {
            return Err(Error::validation("pool_size", "must be at least 1"));
        }
        let pool =
            Pool { config, options, idle: Mutex::new((Vec::new(), 0)), freed: Condvar::new() };
        if let Some(schema) = &pool.options.schema {
            let mut conn = pool.get()?;
            conn.client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .map_err(db)?;
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
        let client = self.config.connect(NoTls).map_err(db)?;
        Ok(Conn { client, statements: HashMap::new() })
    }

    /// Gives a connection back; a broken one is dropped.
    pub(crate) fn put(&self, conn: Conn) {
        if conn.client.is_closed() {
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
