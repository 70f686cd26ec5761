//! `events_since(cursor)` on PostgreSQL never skips an event: a reader that
//! pages through the log and always moves its cursor to the last `seq` it
//! got receives every committed event exactly once, in increasing `seq`
//! order, even when transactions commit in another order than their
//! events' positions.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::{Clock, DomainEvent, EventRecord, Oms, Store, StoreTx, SystemClock, TxMode};
use omskit_postgres::{PgOptions, PgStore};
use omskit_testkit::fixtures::{draft, pg_test_url, stock};

/// One test at a time: events become readable only once every older
/// transaction on the server has ended, and the deterministic test holds
/// one open on purpose.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn engine(url: &str, label: &str, pool_size: usize) -> Oms<PgStore> {
    let schema = format!("evcur_{label}_{}", std::process::id());
    let options = PgOptions { pool_size, schema: Some(schema) };
    Oms::new(PgStore::connect_with(url, options).expect("connect to PostgreSQL"))
}

/// Every event in the log.
fn full_log(oms: &Oms<PgStore>) -> Vec<EventRecord> {
    oms.events_since(0, 100_000_000).expect("read the whole log")
}

/// A reader that pages through the log with a cursor, as an application would.
struct Reader<'a> {
    oms: &'a Oms<PgStore>,
    cursor: u64,
    received: Vec<u64>,
    polls: usize,
    pages: usize,
}

impl<'a> Reader<'a> {
    fn new(oms: &'a Oms<PgStore>, cursor: u64) -> Reader<'a> {
        Reader { oms, cursor, received: Vec::new(), polls: 0, pages: 0 }
    }

    /// One call of `events_since(cursor, limit)`; checks the page is above
    /// the cursor and ascending, and moves the cursor to its last event.
    fn poll(&mut self, limit: usize) -> Vec<EventRecord> {
        let page = self.oms.events_since(self.cursor, limit).expect("events_since");
        self.polls += 1;
        assert!(page.len() <= limit, "a page of {} events for a limit of {limit}", page.len());
        let mut previous = self.cursor;
        for event in &page {
            assert!(
                event.seq > previous,
                "events_since({}) returned seq {} after {previous}",
                self.cursor,
                event.seq
            );
            previous = event.seq;
            self.received.push(event.seq);
        }
        if let Some(last) = page.last() {
            self.cursor = last.seq;
            self.pages += 1;
        }
        page
    }

    /// Polls until nothing new has come for `quiet`.
    fn drain(&mut self, limit: usize, quiet: Duration) {
        let mut last_news = Instant::now();
        while last_news.elapsed() < quiet {
            if self.poll(limit).is_empty() {
                thread::sleep(Duration::from_millis(5));
            } else {
                last_news = Instant::now();
            }
        }
    }

    /// Panics unless the reader got exactly the events of `log` above the
    /// cursor it started from, each once, in order.
    fn assert_received_all(&self, log: &[EventRecord], from: u64) {
        let expected: Vec<u64> = log.iter().map(|e| e.seq).filter(|s| *s > from).collect();
        if self.received != expected {
            let got: BTreeSet<u64> = self.received.iter().copied().collect();
            let want: BTreeSet<u64> = expected.iter().copied().collect();
            let skipped: Vec<&u64> = want.difference(&got).take(20).collect();
            let extra: Vec<&u64> = got.difference(&want).take(20).collect();
            panic!(
                "the reader got {} events, the log holds {}; skipped (first 20): {skipped:?}; \
                 not in the log: {extra:?}; duplicates: {}",
                self.received.len(),
                expected.len(),
                self.received.len() - got.len()
            );
        }
    }
}

/// Four writer threads place orders and receive stock for 3 s while a
/// reader thread polls `events_since(cursor, 100)` and moves its cursor to
/// the last `seq` of each page. After the writers stop and the reader has
/// seen nothing new for a while, it has received exactly the events of a
/// final full read of the log, each once, in increasing `seq` order: no
/// event that committed after the reader moved past its position was skipped.
#[test]
fn a_polling_reader_gets_every_event_once_with_concurrent_writers() {
    let Some(url) = pg_test_url() else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let oms = engine(&url, "concurrent", 8);
    const SKUS: [&str; 4] = ["SKU-1", "SKU-2", "SKU-3", "SKU-4"];
    let receipts: Vec<(&str, &str, i64)> =
        SKUS.iter().flat_map(|sku| [(*sku, "L1", 1_000_000), (*sku, "L2", 1_000_000)]).collect();
    stock(&oms, &[("L1", 1), ("L2", 2), ("L3", 3)], &receipts);
    let start = full_log(&oms).last().map_or(0, |e| e.seq);

    let writing = AtomicBool::new(true);
    let errors = Mutex::new(Vec::new());
    let started = Instant::now();
    let (reader_stats, writes) = thread::scope(|s| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (oms, errors) = (&oms, &errors);
                s.spawn(move || {
                    let mut n = 0usize;
                    while started.elapsed() < Duration::from_secs(3) {
                        n += 1;
                        let result = if n.is_multiple_of(5) {
                            // Receipts go to L3, which orders never reserve
                            // from (L1 has plenty): a receipt locks its
                            // location row FOR UPDATE before the stock row,
                            // while an order's reservation insert takes the
                            // same location row KEY SHARE (foreign key) after
                            // its stock rows, so receipts and orders at one
                            // location deadlock until the server breaks the
                            // cycle after deadlock_timeout (reported as a bug).
                            let sku = SKUS[(w + n) % SKUS.len()];
                            oms.receive_stock(sku, "L3", 1, "PO-cursor").map(drop)
                        } else {
                            let a = SKUS[(w + n) % SKUS.len()];
                            let b = SKUS[(w + n + 1) % SKUS.len()];
                            let lines: &[(&str, i64)] =
                                if n.is_multiple_of(2) { &[(a, 1)] } else { &[(a, 1), (b, 2)] };
                            oms.place_order(&draft(lines)).map(drop)
                        };
                        if let Err(e) = result {
                            errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                        }
                    }
                    n
                })
            })
            .collect();
        let reader = s.spawn(|| {
            let mut reader = Reader::new(&oms, start);
            let mut nonempty_while_writing = 0;
            while writing.load(Ordering::Acquire) {
                if reader.poll(100).is_empty() {
                    thread::sleep(Duration::from_millis(1));
                } else {
                    nonempty_while_writing += 1;
                }
            }
            let during = reader.received.len();
            reader.drain(100, Duration::from_millis(500));
            (reader.received, reader.polls, reader.pages, nonempty_while_writing, during)
        });
        let writes: usize = writers.into_iter().map(|w| w.join().expect("writer")).sum();
        writing.store(false, Ordering::Release);
        (reader.join().expect("reader"), writes)
    });
    let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(errors.is_empty(), "writers failed: {errors:?}");

    let (received, polls, pages, nonempty_while_writing, during) = reader_stats;
    let log = full_log(&oms);
    let check = Reader { oms: &oms, cursor: start, received, polls, pages };
    check.assert_received_all(&log, start);
    eprintln!(
        "{writes} use cases by 4 writers in {:?}; the reader got {} events ({during} while the \
         writers ran) in {polls} polls ({nonempty_while_writing} non-empty pages during the writes)",
        started.elapsed(),
        check.received.len()
    );
    assert!(nonempty_while_writing > 1, "the reader never read while the writers ran");
    assert!(oms.verify_audit_chain().expect("audit readable").is_intact());
}

/// An event appended by hand in an open write transaction, to its own stream.
fn append_probe(tx: &mut impl StoreTx, name: &str) -> u64 {
    let event = DomainEvent::LocationActivityChanged { code: name.to_owned(), active: true };
    let record = EventRecord::new(format!("probe:{name}"), None, SystemClock.now(), &event)
        .expect("build the probe event");
    tx.append_event(record).expect("append the probe event")
}

/// The seqs of the events of `stream` in `events`.
fn seqs_of(events: &[EventRecord], stream: &str) -> Vec<u64> {
    events.iter().filter(|e| e.stream == stream).map(|e| e.seq).collect()
}

/// Transactions that commit out of position order, made deterministic:
///
/// 1. A appends an event (position `a`) and stays open; B places an order
///    through the engine and commits (its events are positioned after `a`).
///    While A is open, a reader gets neither A's event (uncommitted) nor B's:
///    had it returned B's, its cursor would have moved past `a` and A's
///    event would be skipped. No event above `a` is returned at all. Once A
///    commits, the reader, from the cursor it had, gets A's event and then
///    B's, in that order.
/// 2. A begins and reads but writes nothing until B has committed and the
///    reader has moved past B's events; then A appends: its event is
///    positioned after the reader's cursor, so the reader still gets it
///    once A commits.
/// 3. A appends and is rolled back: B's later events still reach the
///    reader (an aborted transaction holds nothing back), A's never do.
///
/// Finally the reader has received exactly the full log, each event once,
/// in increasing order, and the audit chain verifies.
#[test]
fn an_event_committed_late_is_not_skipped() {
    let Some(url) = pg_test_url() else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let oms = engine(&url, "late", 4);
    stock(&oms, &[("L1", 1)], &[("SKU-1", "L1", 100)]);
    let start = full_log(&oms).last().map_or(0, |e| e.seq);
    let mut reader = Reader::new(&oms, start);
    assert!(reader.poll(100).is_empty(), "nothing new yet");

    // 1. A has appended before B commits.
    let mut a = oms.store().begin(TxMode::Write).expect("begin A");
    let seq_a = append_probe(&mut a, "a1");
    let b = oms.place_order(&draft(&[("SKU-1", 1)])).expect("B commits");
    let b_stream = format!("order:{}", b.id);
    for _ in 0..3 {
        let page = reader.poll(100);
        assert!(
            page.iter().all(|e| e.seq < seq_a),
            "while A (seq {seq_a}) is open the reader got {:?}: its cursor moved past A's event",
            page.iter().map(|e| (e.seq, &e.stream)).collect::<Vec<_>>()
        );
        assert!(seqs_of(&page, &b_stream).is_empty(), "B's events were returned while A is open");
    }
    a.commit().expect("commit A");
    let page = reader.poll(100);
    let seqs_b = seqs_of(&page, &b_stream);
    assert_eq!(seqs_of(&page, "probe:a1"), [seq_a], "A's event after A committed: {page:?}");
    assert_eq!(seqs_b.len(), 2, "B's OrderPlaced and StockReserved after A committed");
    assert!(seq_a < seqs_b[0], "A's event comes before B's");

    // 2. A begins first but appends after B has committed and been read.
    let mut a = oms.store().begin(TxMode::Write).expect("begin A");
    assert_eq!(a.locations().expect("A reads").len(), 1);
    let b = oms.place_order(&draft(&[("SKU-1", 1)])).expect("B commits");
    let b_stream = format!("order:{}", b.id);
    let page = reader.poll(100);
    assert_eq!(seqs_of(&page, &b_stream).len(), 2, "B's events, A having written nothing yet");
    let cursor = reader.cursor;
    let seq_a = append_probe(&mut a, "a2");
    assert!(
        seq_a > cursor,
        "A's event (seq {seq_a}) is positioned at or below the cursor {cursor}"
    );
    assert!(reader.poll(100).is_empty(), "A is not committed yet");
    a.commit().expect("commit A");
    assert_eq!(seqs_of(&reader.poll(100), "probe:a2"), [seq_a], "A's late event is read");

    // 3. A appends, B commits, A rolls back.
    let mut a = oms.store().begin(TxMode::Write).expect("begin A");
    let seq_a = append_probe(&mut a, "a3");
    let b = oms.place_order(&draft(&[("SKU-1", 1)])).expect("B commits");
    let b_stream = format!("order:{}", b.id);
    assert!(seqs_of(&reader.poll(100), &b_stream).is_empty(), "B is held back while A is open");
    drop(a);
    let page = reader.poll(100);
    assert_eq!(seqs_of(&page, &b_stream).len(), 2, "B's events once A rolled back");
    assert!(page.iter().all(|e| e.seq != seq_a), "a rolled-back event was returned");

    reader.drain(100, Duration::from_millis(200));
    let log = full_log(&oms);
    reader.assert_received_all(&log, start);
    assert!(log.iter().all(|e| e.stream != "probe:a3"), "a rolled-back event is in the log");
    assert!(oms.verify_audit_chain().expect("audit readable").is_intact());
}
