"""bulklike's benchmarks: ``python -m benchmarks`` (full, ~10 min) or ``python -m benchmarks --smoke`` (CI).

Every client runs as its own whole process against a server process (the canned-200
``fastserver`` for the client comparison, the emulator for the end-to-end and scale runs), so
each one's CPU time and peak memory come from the kernel (``os.wait4``) and the server's work is
never counted. Modules: ``run`` (command line, table), ``suite`` (plan, order), ``compare`` (the
client comparison), ``clients`` and the client loops (``bare_loop``, ``api_loop``,
``tweepy_loop``), ``fastserver`` and ``server`` (servers), ``common``, ``report``, ``startup``,
``signing``, ``scale``, ``archive``, ``emulator_bench``, ``unlike``, ``profile_run``.
"""
