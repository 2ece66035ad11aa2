from graphsync.cli.main import main

main()
