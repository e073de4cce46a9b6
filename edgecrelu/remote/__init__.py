"""``profile --host``: drive a board (a Jetson on the bench network) from the desktop over SSH.

Why the system's OpenSSH client, run as a subprocess, rather than a Python SSH library: it already
honours the user's ``~/.ssh/config`` (aliases, ``ProxyJump``, ``IdentityFile``), the agent and
``known_hosts``, so there is nothing to configure twice and no password is ever stored or asked for
(``BatchMode=yes``); it adds no dependency to a package that must also install on a Jetson; and its
``ControlMaster`` multiplexing gives one authenticated connection for every step of a run. Its
failures come back as exit status 255 with a message on stderr, which :mod:`.ssh` maps to one line
naming the host and the step (unreachable, key refused, host key changed or unknown).

Files travel as tar streams over that connection, written and read by Python's ``tarfile`` on both
sides (the board needs ``sh`` and ``python3``, nothing else: no rsync, no scp quirks between
OpenSSH releases). The steps, in :mod:`.flow`:

1. **connect** -- one control connection; the board's ``$HOME``.
2. **check** -- python3, ``edgecrelu --version`` equal to ours (else the install line, or
   ``--install``: this checkout's wheel, built here, installed into a venv on the board), the
   backend's Python module, free disk (:mod:`.board`).
3. **copy** -- the bundle into ``<remote-dir>/bundles/<manifest sha256>/``, content-addressed: only
   files missing there or whose sha256 differs from the manifest travel (a second run copies
   nothing); every file is hashed again on the board afterwards (**verify**) (:mod:`.transfer`).
4. **profile** -- ``edgecrelu profile`` started detached (``setsid nohup``, pid and log files in
   ``<remote-dir>/runs/<run key>/``), its progress lines streamed with ``tail -f``. A dropped
   connection leaves it running; the same command again reattaches while it runs, fetches when
   it finished, and continues it with ``--resume`` when it died (:mod:`.job`).
5. **fetch** -- the records, each checked with :mod:`edgecrelu.results` before it is written
   locally; the board's copy stays unless ``--clean``.

Nothing here imports torch or the profiling code: the board does the measuring.
"""
