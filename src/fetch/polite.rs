//! Work on many URLs at once, politely: at most `overall` jobs at a time and at most `per_host` to
//! one host. The work runs on worker threads; each result is handed to the caller's thread as it
//! arrives (the thread that owns the library stores it), so nothing waits for the slowest host.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use crate::error::Result;

/// Runs `work` on each job (paired with its host) on worker threads, and `on_result` on this
/// thread with each job and its result as they finish. Stops starting jobs when `cancel` is set;
/// an error from `on_result` stops everything and is returned.
pub fn run<J, O>(
    jobs: Vec<(String, J)>,
    per_host: usize,
    overall: usize,
    cancel: &AtomicBool,
    work: impl Fn(&J) -> O + Sync,
    mut on_result: impl FnMut(J, O) -> Result<()>,
) -> Result<()>
where
    J: Send,
    O: Send,
{
    if jobs.is_empty() {
        return Ok(());
    }
    let workers = overall.max(1).min(jobs.len());
    let per_host = per_host.max(1);
    // The jobs not started, and how many of each host's are running.
    type Queue<J> = (VecDeque<(String, J)>, HashMap<String, usize>);
    let queue: Mutex<Queue<J>> = Mutex::new((jobs.into_iter().collect(), HashMap::new()));
    let ready = Condvar::new();
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(J, O)>();
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let tx = tx.clone();
            let (queue, ready, stop, work) = (&queue, &ready, &stop, &work);
            scope.spawn(move || loop {
                let (host, job) = {
                    let Ok(mut q) = queue.lock() else { return };
                    loop {
                        if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) || q.0.is_empty() {
                            return;
                        }
                        let pos = q.0.iter().position(|(h, _)| q.1.get(h).copied().unwrap_or(0) < per_host);
                        match pos.and_then(|p| q.0.remove(p)) {
                            Some((host, job)) => {
                                *q.1.entry(host.clone()).or_default() += 1;
                                break (host, job);
                            }
                            None => match ready.wait(q) {
                                Ok(g) => q = g,
                                Err(_) => return,
                            },
                        }
                    }
                };
                let out = work(&job);
                if let Ok(mut q) = queue.lock() {
                    if let Some(n) = q.1.get_mut(&host) {
                        *n = n.saturating_sub(1);
                    }
                }
                ready.notify_all();
                if tx.send((job, out)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut result = Ok(());
        for (job, out) in rx {
            if result.is_ok() {
                result = on_result(job, out);
                if result.is_err() {
                    stop.store(true, Ordering::Relaxed);
                    ready.notify_all();
                }
            }
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn never_more_than_allowed_per_host_or_overall() {
        let jobs: Vec<(String, usize)> = (0..40).map(|i| (format!("host{}", i % 3), i)).collect();
        let in_flight: Mutex<HashMap<String, usize>> = Mutex::default();
        let total = AtomicUsize::new(0);
        let (worst_host, worst_total) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let mut done = Vec::new();
        run(
            jobs,
            2,
            4,
            &AtomicBool::new(false),
            |j: &usize| {
                let host = format!("host{}", j % 3);
                {
                    let mut m = in_flight.lock().unwrap();
                    let n = m.entry(host.clone()).or_default();
                    *n += 1;
                    worst_host.fetch_max(*n, Ordering::SeqCst);
                }
                worst_total.fetch_max(total.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(2));
                total.fetch_sub(1, Ordering::SeqCst);
                *in_flight.lock().unwrap().get_mut(&host).unwrap() -= 1;
                j * 2
            },
            |j, out| {
                assert_eq!(out, j * 2);
                done.push(j);
                Ok(())
            },
        )
        .unwrap();
        done.sort_unstable();
        assert_eq!(done, (0..40).collect::<Vec<_>>());
        assert!(worst_host.load(Ordering::SeqCst) <= 2);
        assert!(worst_total.load(Ordering::SeqCst) <= 4);
    }
}
