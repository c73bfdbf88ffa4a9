"""Tiny, randomly initialised stand-ins of the real models, built offline from configs.

The ``paper`` profile runs real models (a diffusers text-to-video pipeline,
an instruction-tuned LLM, CLIP) that cannot be downloaded here. The builders in
this subpackage write *tiny random* versions of them to disk, in exactly the
folder layout ``from_pretrained`` reads, so the tests, the benchmarks and a
curious reader can run the whole ``paper`` code path on a CPU in seconds.
Their outputs are noise: they check plumbing, shapes, seeds and caching, not quality.
"""
