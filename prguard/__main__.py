"""``python -m prguard``: the same as the ``prguard`` command."""
from prguard.cli import main

if __name__ == "__main__":
    main()
