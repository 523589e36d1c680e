"""What a person runs: jobs shared by the ribbon and the `backoffice` command."""
