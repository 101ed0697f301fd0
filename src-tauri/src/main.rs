//! The Clipdesk desktop app.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK's accelerated compositing costs about 120 MB more for this window and gains it
    // nothing (a list and a reader, no 3D, no video); without a GPU (a VM, a remote desktop) it
    // is software anyway. Respect the user's own choice if they set it.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Before any thread starts: nothing else reads the environment yet.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    clipdesk_app::run();
}
