"""One typed model per file format the stages hand each other (docs/contracts.md is generated from
them by ``scripts/gen_contracts.py``):

* ``record.Record``: result records (``RESULTS/*.json``; ``results.py``)
* ``manifest.Manifest``: the bundle manifest (``bundle.py``)
* ``trainrun.TrainRun``: a train run's ``run.json`` (``runfile.py``)
* ``datacheck.DataCheck``: a train run's ``data-check.json``, carried in the bundle (``data/datacheck.py``)
* ``pairing.Pairing``: ``pairing.json`` of the pairing analysis
* ``profile.DeviceProfile``: device profiles (``profiles/*.toml``; ``devices.py``)

The JSON models refuse unknown fields and are versioned by ``schema_version``; ``base.check``
validates a parsed object against one and words the first problem as one line naming the file and
the field.

Why msgspec, not pydantic v2: both check the same models (strict types, unknown fields refused,
constraints); ``scripts/bench_contracts.py`` loaded 2000 records (a shared 2-core machine, noisy, so
read the ratios): checking from bytes took x0.23-0.25 of the time of the hand validator this
replaced with msgspec and x0.42-0.43 with pydantic, and the import took about a third of pydantic's
(18 ms vs 54 ms on a quiet run). What decided it is the target side: these models are imported by
``profile`` and ``report`` on a Jetson without torch and on GPU test machines without network, so
the library is a hard dependency that must be carried there by hand: msgspec is one wheel with no
dependencies, pydantic is pydantic + pydantic-core + typing-extensions + annotated-types +
typing-inspection. ``scripts/gpu_check.sh`` says how to bring it from a ``wheelhouse/``.

Readers keep returning the JSON object as it is on disk (a dict) after checking it, so the report
reads what it read before; the typed objects are there for new code (``results.typed``).
"""
