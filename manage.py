#!/usr/bin/env python
from claimdesk.cli import main

if __name__ == "__main__":
    main()
