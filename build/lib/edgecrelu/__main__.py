from edgecrelu.cli import main

main()
