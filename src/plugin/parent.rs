//! The provider ends when terraform does. go-plugin stops its plugins on a normal exit, but a
//! terraform that is SIGKILLed (an OOM kill, a CI job cancelled) leaves them running, still
//! polling the clouds and holding their operations open.
//!
//! How: terraform is our parent; when it dies we are re-parented (to init or a subreaper), so
//! a change of parent process id means terraform is gone. This is portable across Unix.
//! Linux's `PR_SET_PDEATHSIG` would be immediate, but it fires when the *thread* that forked
//! us exits, and the Go runtime may retire that thread while terraform lives on, which would
//! kill a provider in the middle of an apply.

use std::time::Duration;

/// How often the parent is checked: a killed terraform leaves no provider after this long.
pub const PARENT_CHECK_EVERY: Duration = Duration::from_millis(500);

/// Spawns the watch: exits the process (status 1) as soon as the parent that started us is
/// gone. A no-op where there is no parent process id to watch.
pub fn exit_when_parent_dies() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PARENT_CHECK_EVERY).await;
                if std::os::unix::process::parent_id() != parent {
                    tracing::warn!(
                        parent,
                        "terraform (pid {parent}) is gone; the provider exits"
                    );
                    std::process::exit(1);
                }
            }
        });
    }
}
