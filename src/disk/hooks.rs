//! Test hooks: a crash, a pause or a full disk at a named point of a writer's protocol.
//!
//! They are compiled only into test builds — builds with debug assertions, which is what
//! `cargo test` runs, and builds with the `test-hooks` feature. In the binary a user
//! installs (`cargo install`, a release build) every hook is an empty function and no
//! environment variable changes what catstage does.
//!
//! - `CATSTAGE_TEST_CRASH_AT=NAME` aborts the process at the point `NAME`, like a SIGKILL
//!   (nothing is cleaned up); `NAME:N` at the `N`th time the point is passed.
//! - `CATSTAGE_TEST_PAUSE_AT=NAME` stops at the point `NAME`: it writes
//!   `catstage: test: paused at NAME` on stderr, then waits until stdin is closed. A test
//!   reads the child's stderr up to that line (an early exit ends the stream instead: no
//!   test can hang), does what it wants to the area, then closes the child's stdin. No
//!   timing is involved.
//! - `CATSTAGE_TEST_FREE_BYTES=N` pretends the filesystem has `N` bytes free.

/// True when the hooks are compiled in.
pub const ENABLED: bool = cfg!(any(debug_assertions, feature = "test-hooks"));

#[cfg(any(debug_assertions, feature = "test-hooks"))]
mod live {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicU64, Ordering};

    static PASSED: AtomicU64 = AtomicU64::new(0);

    pub fn crash_point(name: &str) {
        let Some(want) = std::env::var_os("CATSTAGE_TEST_CRASH_AT") else { return };
        let want = want.to_string_lossy();
        let (point, nth) = match want.split_once(':') {
            Some((p, n)) => (p, n.parse::<u64>().unwrap_or(1)),
            None => (&*want, 1),
        };
        if point == name && PASSED.fetch_add(1, Ordering::SeqCst) + 1 == nth {
            std::process::abort();
        }
    }

    pub fn pause_point(name: &str) {
        if std::env::var_os("CATSTAGE_TEST_PAUSE_AT").is_some_and(|v| v == name) {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "catstage: test: paused at {name}");
            let _ = err.flush();
            drop(err);
            let mut sink = Vec::new();
            let _ = std::io::stdin().lock().read_to_end(&mut sink);
        }
    }

    pub fn free_bytes() -> Option<u64> {
        std::env::var("CATSTAGE_TEST_FREE_BYTES").ok().and_then(|v| v.parse().ok())
    }
}

/// Aborts the process here when the crash hook names this point (test builds only).
#[inline]
pub fn crash_point(name: &str) {
    #[cfg(any(debug_assertions, feature = "test-hooks"))]
    live::crash_point(name);
    #[cfg(not(any(debug_assertions, feature = "test-hooks")))]
    let _ = name;
}

/// Stops here until stdin is closed when the pause hook names this point (test builds
/// only).
#[inline]
pub fn pause_point(name: &str) {
    #[cfg(any(debug_assertions, feature = "test-hooks"))]
    live::pause_point(name);
    #[cfg(not(any(debug_assertions, feature = "test-hooks")))]
    let _ = name;
}

/// The free space the free-space hook pretends (test builds only).
#[inline]
pub fn free_bytes() -> Option<u64> {
    #[cfg(any(debug_assertions, feature = "test-hooks"))]
    return live::free_bytes();
    #[cfg(not(any(debug_assertions, feature = "test-hooks")))]
    None
}
