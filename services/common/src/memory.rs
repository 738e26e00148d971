//! How the process asks the C allocator to keep its memory.

/// glibc gives each thread that allocates an arena of its own (up to eight per
/// core), and memory freed in one stays in it. Requests move between the
/// server's threads, so a few shared arenas carry the same load in less
/// resident memory (the read benchmark at 35,000 towns: 147 MiB peak with the
/// default, 122 MiB with two). `MALLOC_ARENA_MAX`, when set, still decides.
pub fn share_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only tunes glibc's allocator; called once at start,
        // before the runtime starts any other thread.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
