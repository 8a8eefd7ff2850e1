from repair.synth import main

main()
