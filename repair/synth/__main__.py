from repair.synth import _main

_main()
