"""bulklike's benchmarks: ``python -m benchmarks`` (full, ~3 min) or ``python -m benchmarks --smoke`` (CI).

Every client runs as its own process against one emulator process, so each one's CPU time and
peak memory come from the kernel (``os.wait4``) and the server's work is never counted.
"""
