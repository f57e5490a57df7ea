"""``python -m reportgen`` and the ``reportgen`` command.

Kept free of imports: worker processes (started with ``spawn``) re-import the
command's script, so whatever it imports at the top every worker imports too.
"""


def main() -> None:
    from reportgen.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
