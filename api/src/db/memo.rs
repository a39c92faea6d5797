//! Short-lived memos of hot reads (a page of the carrier list, the session
//! or API token behind a request), so a request repeated within moments
//! does not query the database again.
//!
//! An entry is good while it is younger than the memo's time to live and
//! this process has committed no write since it was read ([`Writes`]): on
//! one replica (SQLite's case) a read after a write never sees what was
//! there before it. Another replica's writes show here within the time to
//! live (`ORI_READ_CACHE_MS`, 1 s by default; 0 turns memos off).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts this process's committed writes. Bumped after the commit, so a
/// reader that took the count before reading cannot file what it read
/// before the write under the count after it.
#[derive(Debug, Default)]
pub struct Writes(AtomicU64);

impl Writes {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn note(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// How long a load waits for another one of its stripe before it reads
/// the database itself (a load takes milliseconds when the database answers).
const TURN_WAIT: Duration = Duration::from_millis(500);

/// Values by key, each kept for `ttl` and until the next write.
#[derive(Debug)]
pub struct Memo<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// One load at a time per stripe of keys: when an entry expires under
    /// load, one request reads it again and the others wait for that read
    /// instead of all querying at once.
    loading: [tokio::sync::Mutex<()>; 16],
    hasher: RandomState,
}

#[derive(Debug)]
struct Entry<V> {
    writes: u64,
    at: Instant,
    value: V,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
            loading: Default::default(),
            hasher: RandomState::new(),
        }
    }

    /// The fresh value under `key`, or what `load` reads (then filed).
    pub async fn get_or_load<E>(
        &self,
        writes: &Writes,
        key: K,
        load: impl AsyncFnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(value) = self.get(&key, writes.count()) {
            return Ok(value);
        }
        if self.ttl.is_zero() {
            return load().await;
        }
        let stripe = self.hasher.hash_one(&key) as usize % self.loading.len();
        // Waited for only so long: with the database down, each load takes
        // the pool's acquire timeout to fail, and queued behind one another
        // the last of N requests would answer after N of them.
        let _turn = tokio::time::timeout(TURN_WAIT, self.loading[stripe].lock())
            .await
            .ok();
        // Counted before reading, so a write during the read leaves it stale.
        let count = writes.count();
        if let Some(value) = self.get(&key, count) {
            return Ok(value);
        }
        let value = load().await?;
        self.put(key, count, value.clone());
        Ok(value)
    }

    /// The value filed under `key` while `writes` was the write count, if
    /// still fresh.
    fn get(&self, key: &K, writes: u64) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        (entry.writes == writes && entry.at.elapsed() < self.ttl).then(|| entry.value.clone())
    }

    /// Files `value`, read after the write count was `writes`.
    fn put(&self, key: K, writes: u64, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            // Stale entries first; if all are fresh, start over (a memo, not a store).
            let ttl = self.ttl;
            entries.retain(|_, e| e.writes == writes && e.at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                writes,
                at: Instant::now(),
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lasts_until_a_write_or_its_time() {
        let writes = Writes::default();
        let memo = Memo::new(Duration::from_millis(50), 8);
        memo.put("page", writes.count(), 1);
        assert_eq!(memo.get(&"page", writes.count()), Some(1));
        writes.note();
        assert_eq!(memo.get(&"page", writes.count()), None, "a write");
        memo.put("page", writes.count(), 2);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(memo.get(&"page", writes.count()), None, "its time");
    }

    #[tokio::test]
    async fn concurrent_misses_load_once() {
        let writes = Writes::default();
        let memo = Memo::new(Duration::from_secs(60), 8);
        let loads = AtomicU64::new(0);
        let load = async || {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, ()>(7)
        };
        let all = futures_util::future::join_all(
            (0..10).map(|_| memo.get_or_load(&writes, "page", load)),
        )
        .await;
        assert!(all.iter().all(|v| *v == Ok(7)));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        writes.note();
        assert_eq!(memo.get_or_load(&writes, "page", load).await, Ok(7));
        assert_eq!(loads.load(Ordering::SeqCst), 2, "a write makes it stale");
    }

    /// With the database down every load fails after the pool's acquire
    /// timeout; queued one behind another, the last of N callers would wait
    /// N of them (PostgreSQL restarted under load: 6-8 s answers before).
    #[tokio::test]
    async fn failing_slow_loads_do_not_queue_behind_one_another() {
        let writes = Writes::default();
        let memo: Memo<&str, u32> = Memo::new(Duration::from_secs(60), 8);
        let load = async || {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Err::<u32, _>("the database does not answer")
        };
        let started = Instant::now();
        let all = futures_util::future::join_all(
            (0..6).map(|_| memo.get_or_load(&writes, "token", load)),
        )
        .await;
        assert!(all.iter().all(Result::is_err));
        // One wait for the turn, then one load: not six loads in a row.
        assert!(
            started.elapsed() < TURN_WAIT + Duration::from_millis(2500),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing_and_capacity_is_kept() {
        let off = Memo::new(Duration::ZERO, 8);
        off.put(1, 0, "x");
        assert_eq!(off.get(&1, 0), None);
        let small = Memo::new(Duration::from_secs(60), 2);
        for k in 0..5 {
            small.put(k, 0, k);
        }
        assert!(small.entries.lock().unwrap().len() <= 2);
        assert_eq!(small.get(&4, 0), Some(4));
    }
}
