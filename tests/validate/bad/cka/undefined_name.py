"""A module of the bad corpus: it uses a name nobody defined."""


def greet() -> str:
    return gretting
