def blocks_register() -> None:
    pass
